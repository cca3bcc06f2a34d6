"""Canonical URLs: one spelling per article, so two feeds carrying it agree (w3lib + our rules).

``w3lib.url.canonicalize_url`` sorts the query, normalises percent-encoding and drops the
fragment; on top of that we drop tracking parameters (``utm_*``, ``guccounter``…), the ``www.``
prefix, a trailing slash and the scheme's difference (http and https are one article), and AMP
paths. Anything that is not an http(s) URL canonicalises to the empty string.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

TRACKING = frozenset(
    {
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
        "ncid",
        "cmpid",
        "fbclid",
        "gclid",
        "mc_cid",
        "mc_eid",
        "mod",
        "ref",
        "src",
        "soc_src",
        "soc_trk",
        "yptr",
        "ito",
        "taid",
        "feedtype",
    }
)


def canonical_url(url: str) -> str:
    text = url.strip()
    if not text.lower().startswith(("http://", "https://")):
        return ""
    try:
        canon = canonicalize_url(text, keep_fragments=False)
        parts = urlsplit(canon)
    except ValueError:
        return ""
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("amp.")
    if not host:
        return ""
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _tracking(k.lower())]
    path = parts.path.rstrip("/") or "/"
    if path.endswith("/amp"):
        path = path[:-4] or "/"
    return urlunsplit(("https", host, path, urlencode(query), ""))


def _tracking(key: str) -> bool:
    return key.startswith("utm_") or key in TRACKING
