"""A small HTML page builder: escaped text, inline CSS, images as data URIs. Nothing is fetched."""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1100px;
color:#1d2329;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde2e6}
.sub{color:#5b6670;margin-bottom:16px}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
td,th{padding:3px 10px;border-bottom:1px solid #eef1f3;text-align:right;white-space:nowrap}
th{background:#f5f7f8;position:sticky;top:0}td:first-child,th:first-child{text-align:left}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:0 24px}
.grid table{width:100%}img{max-width:100%;height:auto;display:block;margin:8px 0}
.scroll{max-height:520px;overflow:auto;border:1px solid #eef1f3}
.pos{color:#1e8449}.neg{color:#b03a2e}.note{color:#5b6670;font-size:12px}
"""


def esc(value: object) -> str:
    return html.escape(str(value))


def when(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, tz=UTC).strftime("%Y-%m-%d %H:%M")


def number(value: object, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return esc(value)


def signed_cell(value: float, digits: int = 2) -> str:
    css = "pos" if value > 0 else "neg" if value < 0 else ""
    return f'<td class="{css}">{value:,.{digits}f}</td>'


def image(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{esc(alt)}" src="data:image/png;base64,{data}">'


def key_values(rows: Iterable[tuple[str, str]]) -> str:
    body = "".join(f"<tr><td>{esc(k)}</td><td>{v}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def table(headers: Sequence[str], rows: Iterable[str]) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    return f'<div class="scroll"><table><tr>{head}</tr>{"".join(rows)}</table></div>'


def page(title: str, subtitle: str, sections: Iterable[str]) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{esc(title)}</title>'
        f"<style>{CSS}</style></head><body><h1>{esc(title)}</h1>"
        f'<div class="sub">{esc(subtitle)}</div>{"".join(sections)}</body></html>'
    )
