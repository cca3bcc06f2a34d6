"""The schema: one ``MetaData`` that Alembic migrations are generated from and compared against.

Bars are keyed compactly: a ``series`` row names each (symbol, interval) once and ``bars`` stores
its integer id beside ``ts_event``. An (int, bigint) key is what keeps bulk loads fast: PostgreSQL
maintains a (text, text, bigint) unique index at about two thirds of the rate, and every bar would
carry its symbol and interval again.

Money and quantities are ``ExactDecimal``: ``NUMERIC`` without precision or scale on PostgreSQL
(exact, and keeps the scale it was given, so ``Decimal("1.10")`` comes back as ``1.10``), and
``TEXT`` on SQLite, because SQLite's ``NUMERIC`` affinity silently turns ``"0.1"`` into a binary
float. Bar prices are floats, as in the domain. Timestamps are int nanoseconds since the epoch.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.types import TypeEngine

# One naming convention so migrations name constraints the same on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class ExactDecimal(sa.TypeDecorator[Decimal]):
    """A ``Decimal`` stored without loss on every backend (see the module docstring for why)."""

    impl = sa.Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.Text())
        return dialect.type_descriptor(sa.Numeric(asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        return Decimal(value)


def _ns(name: str, *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger, nullable=nullable)


def _run_fk() -> sa.ForeignKey:
    return sa.ForeignKey("runs.run_id", ondelete="CASCADE")


# An auto-incrementing 64-bit key; SQLite only auto-increments a plain INTEGER PRIMARY KEY.
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.String(), primary_key=True),
    sa.Column("name", sa.String(), nullable=False),
    sa.Column("config", sa.JSON, nullable=False),
    _ns("started_at"),
    _ns("finished_at", nullable=True),
    sa.Column("summary", sa.JSON, nullable=True),
)

instruments = sa.Table(
    "instruments",
    metadata,
    sa.Column("symbol", sa.String(), primary_key=True),
    sa.Column("asset_class", sa.String(), nullable=False),
    sa.Column("quote_currency", sa.String(), nullable=False),
    sa.Column("base_currency", sa.String(), nullable=True),
    sa.Column("tick_size", ExactDecimal, nullable=False),
    sa.Column("lot_size", ExactDecimal, nullable=False),
    sa.Column("price_precision", sa.Integer, nullable=False),
)

# Market data is shared by every run. A series is never deleted or renamed, so its id, once
# seen, names the same (symbol, interval) for good.
series = sa.Table(
    "series",
    metadata,
    sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("symbol", sa.String(), nullable=False),
    sa.Column("interval", sa.String(), nullable=False),
    sa.UniqueConstraint("symbol", "interval"),
)

# The key doubles as the (series, time) index. WITHOUT ROWID on SQLite stores rows in that key's
# order: one b-tree to write instead of two. ``series_id`` deliberately has no FOREIGN KEY: on
# PostgreSQL the per-row referential check runs for every copied row and cuts bulk loads to about
# a third of their rate. The writers in ``storage.writes`` take ids only from ``storage.series``,
# which checks each id against ``series`` in the writing transaction, and nothing deletes a series.
bars = sa.Table(
    "bars",
    metadata,
    sa.Column("series_id", sa.Integer, primary_key=True),
    sa.Column("ts_event", sa.BigInteger, primary_key=True),
    sa.Column("open", sa.Float, nullable=False),
    sa.Column("high", sa.Float, nullable=False),
    sa.Column("low", sa.Float, nullable=False),
    sa.Column("close", sa.Float, nullable=False),
    sa.Column("volume", sa.Float, nullable=False),
    _ns("ts_init"),
    sqlite_with_rowid=False,
)

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("run_id", sa.String(), _run_fk(), primary_key=True),
    sa.Column("client_order_id", sa.String(), primary_key=True),
    sa.Column("broker_order_id", sa.String(), nullable=True),
    sa.Column("strategy", sa.String(), nullable=False),
    sa.Column("symbol", sa.String(), nullable=False),
    sa.Column("side", sa.String(), nullable=False),
    sa.Column("quantity", ExactDecimal, nullable=False),
    sa.Column("order_type", sa.String(), nullable=False),
    sa.Column("limit_price", ExactDecimal, nullable=True),
    sa.Column("stop_price", ExactDecimal, nullable=True),
    sa.Column("time_in_force", sa.String(), nullable=False),
    sa.Column("status", sa.String(), nullable=False),
    sa.Column("filled_quantity", ExactDecimal, nullable=False),
    sa.Column("avg_fill_price", ExactDecimal, nullable=True),
    sa.Column("reason", sa.Text, nullable=False),
    _ns("ts_event"),
    _ns("ts_init"),
    sa.Index(None, "run_id", "status"),
    sa.Index(None, "symbol", "ts_event"),
)

fills = sa.Table(
    "fills",
    metadata,
    sa.Column("run_id", sa.String(), _run_fk(), primary_key=True),
    sa.Column("fill_id", sa.String(), primary_key=True),
    sa.Column("client_order_id", sa.String(), nullable=False),
    sa.Column("broker_order_id", sa.String(), nullable=True),
    sa.Column("strategy", sa.String(), nullable=False),
    sa.Column("symbol", sa.String(), nullable=False),
    sa.Column("side", sa.String(), nullable=False),
    sa.Column("quantity", ExactDecimal, nullable=False),
    sa.Column("price", ExactDecimal, nullable=False),
    sa.Column("commission", ExactDecimal, nullable=False),
    _ns("ts_event"),
    _ns("ts_init"),
    sa.Index(None, "run_id", "symbol", "ts_event"),
    sa.Index(None, "symbol", "ts_event"),
)

positions = sa.Table(
    "positions",
    metadata,
    sa.Column("run_id", sa.String(), _run_fk(), primary_key=True),
    sa.Column("symbol", sa.String(), primary_key=True),
    sa.Column("quantity", ExactDecimal, nullable=False),
    sa.Column("avg_price", ExactDecimal, nullable=False),
    sa.Column("realized_pnl", ExactDecimal, nullable=False),
    _ns("ts_event"),
    _ns("ts_init"),
)

# Equity over time (revision 0011): each account's cash and equity as the run marks it (at most once
# a minute of market time, and after fills), so the dashboard draws the day from the database.
equity_marks = sa.Table(
    "equity_marks",
    metadata,
    sa.Column("run_id", sa.String(), _run_fk(), primary_key=True),
    sa.Column("account", sa.String(), primary_key=True),
    sa.Column("ts_event", sa.BigInteger, primary_key=True),
    sa.Column("currency", sa.String(), nullable=False),
    sa.Column("cash", ExactDecimal, nullable=False),
    sa.Column("equity", ExactDecimal, nullable=False),
)

# The journal (revision 0005 made it one): every system event and domain fact worth keeping, with
# the instrument it concerns and the chain of events it belongs to. ``run_id`` is empty for facts
# of no run (a ``freeride kill`` from another shell, a process start). ``source`` is the component.
system_events = sa.Table(
    "system_events",
    metadata,
    sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(), _run_fk(), nullable=True),
    sa.Column("source", sa.String(), nullable=False),
    sa.Column("kind", sa.String(), nullable=False),
    sa.Column("level", sa.String(), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
    _ns("ts_event"),
    _ns("ts_init"),
    sa.Column("symbol", sa.String(), nullable=True),
    sa.Column("correlation_id", sa.String(), nullable=True),
    sa.Index(None, "run_id", "ts_event"),
    sa.Index(None, "run_id", "level", "ts_event"),
    sa.Index(None, "source", "ts_event"),
    sa.Index(None, "ts_event"),
    sa.Index(None, "kind", "ts_event"),
    sa.Index(None, "symbol", "ts_event"),
    sa.Index(None, "correlation_id"),
)

# -- alerts, notifications and API tokens (revision 0002) ---------------------------------------
# A rule's definition is one JSON document (``rule``); what lists filter on is repeated in columns.
# ``tags`` is ",a,b," so one LIKE finds a tag on every backend. ``updated_at`` moves only when the
# definition changes (added, replaced, removed), never when the rule fires: a running engine
# re-reads rules changed since its last look, and must not mistake its own firings for edits.
alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.String(), primary_key=True),
    sa.Column("symbol", sa.String(), nullable=False),
    sa.Column("kind", sa.String(), nullable=False),
    sa.Column("user_name", sa.String(), nullable=False),
    sa.Column("tags", sa.String(), nullable=False),
    sa.Column("rule", sa.JSON, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False),
    _ns("cooldown_until"),
    sa.Column("fired_count", sa.Integer, nullable=False),
    _ns("last_fired_at", nullable=True),
    _ns("created_at"),
    _ns("updated_at"),
    sa.Index(None, "updated_at"),
    sa.Index(None, "user_name", "symbol"),
)

alert_firings = sa.Table(
    "alert_firings",
    metadata,
    sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("alert_id", sa.String(), nullable=False),
    sa.Column("symbol", sa.String(), nullable=False),
    sa.Column("price", sa.Float, nullable=True),
    sa.Column("latency_ns", sa.BigInteger, nullable=False),
    sa.Column("event", sa.JSON, nullable=False),
    _ns("ts_event"),
    _ns("ts_init"),
    sa.Index(None, "alert_id", "ts_init"),
    sa.Index(None, "ts_init"),
)

# The outbox: written in the transaction of the fact it reports, delivered and marked from here.
notify_outbox = sa.Table(
    "notify_outbox",
    metadata,
    sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(), nullable=False),
    sa.Column("status", sa.String(), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    _ns("next_attempt_at"),
    _ns("created_at"),
    _ns("sent_at", nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("notification", sa.JSON, nullable=False),
    sa.Index(None, "channel", "status", "next_attempt_at"),
)

# Only a SHA-256 of each token's secret is stored; tokens are random (256 bits), so a slow hash
# would add nothing but latency to every request.
api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("name", sa.String(), nullable=False),
    sa.Column("scope", sa.String(), nullable=False),
    sa.Column("secret_hash", sa.String(), nullable=False, unique=True),
    sa.Column("prefix", sa.String(), nullable=False),
    _ns("created_at"),
    _ns("revoked_at", nullable=True),
    _ns("last_used_at", nullable=True),
    _ns("expires_at", nullable=True),  # revision 0007: a token may end by itself (a run's login)
    sa.Index(None, "name"),
)

# Dashboard sessions (revision 0008): a browser signs in once with a token and holds a random
# session secret in an HttpOnly cookie; only its SHA-256 is stored. A session lives until it
# expires, is signed out, or its token is revoked or expires (checked on every use).
api_sessions = sa.Table(
    "api_sessions",
    metadata,
    sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("token_id", sa.Integer, sa.ForeignKey("api_tokens.id", ondelete="CASCADE"), nullable=False),
    sa.Column("secret_hash", sa.String(), nullable=False, unique=True),
    _ns("created_at"),
    _ns("expires_at"),
    _ns("revoked_at", nullable=True),
    sa.Index(None, "token_id"),
)

# -- execution controls (revision 0003) -----------------------------------------------------------
# Halts (the kill switch, a reconciliation halt, the daily-loss halt) live here so a separate
# process (``freeride kill``) can stop a running engine, which polls this table, and so a halt
# survives a restart. One row per kind: engaging a kind again replaces its row.
execution_halts = sa.Table(
    "execution_halts",
    metadata,
    sa.Column("kind", sa.String(), primary_key=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("source", sa.String(), nullable=False),
    _ns("since_ns"),
    _ns("until_ns", nullable=True),
)

# Orders held in approval mode and the decision a person made on each.
order_approvals = sa.Table(
    "order_approvals",
    metadata,
    sa.Column("run_id", sa.String(), primary_key=True),
    sa.Column("client_order_id", sa.String(), primary_key=True),
    sa.Column("state", sa.String(), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    _ns("requested_at"),
    _ns("decided_at", nullable=True),
    sa.Column("decided_by", sa.String(), nullable=True),
    sa.Index(None, "state", "requested_at"),
)

# Requests to close every position (``freeride flatten``) and what the engine did (revision 0012).
flatten_requests = sa.Table(
    "flatten_requests",
    metadata,
    sa.Column("request_id", sa.String(), primary_key=True),
    sa.Column("run_id", sa.String(), nullable=False),
    sa.Column("requested_by", sa.String(), nullable=False),
    _ns("requested_at"),
    sa.Column("state", sa.String(), nullable=False),
    _ns("done_at", nullable=True),
    sa.Column("outcome", sa.Text, nullable=False),  # JSON: cancelled, orders, note
    sa.Index(None, "state", "requested_at"),
)

# -- notification channels (revision 0004) --------------------------------------------------------
# A channel the relay disabled (its receiver said the credentials are bad or the webhook is gone),
# kept so a restart does not hammer the dead target and alert again, and so ``freeride notify``
# can show and clear it. ``fingerprint`` is a SHA-256 of the target: the URL itself holds a
# secret token and is never stored; a different fingerprint at start means the target was fixed.
notify_channels = sa.Table(
    "notify_channels",
    metadata,
    sa.Column("channel", sa.String(), primary_key=True),
    sa.Column("disabled_reason", sa.Text, nullable=False),
    _ns("disabled_at"),
    sa.Column("fingerprint", sa.String(64), nullable=False),
)

# -- research (revision 0006) ------------------------------------------------------------------
# Every news item as a feed delivered it, keyed by feed and vendor id, with the story it joined.
news_items = sa.Table(
    "news_items",
    metadata,
    sa.Column("key", sa.String(), primary_key=True),
    sa.Column("story_id", sa.String(), nullable=False),
    sa.Column("source", sa.String(), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("canonical_url", sa.Text, nullable=False),
    sa.Column("headline", sa.Text, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("publisher", sa.String(), nullable=False),
    sa.Column("symbols", sa.JSON, nullable=False),
    sa.Column("currencies", sa.JSON, nullable=False),
    sa.Column("vendor_score", sa.Float, nullable=True),
    _ns("ts_event"),
    _ns("ts_init"),
    sa.Index(None, "story_id"),
    sa.Index(None, "ts_event"),
)

# One row per story with its latest score; ``story_symbols`` indexes stories by symbol.
news_stories = sa.Table(
    "news_stories",
    metadata,
    sa.Column("story_id", sa.String(), primary_key=True),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("headline", sa.Text, nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("symbols", sa.JSON, nullable=False),
    sa.Column("currencies", sa.JSON, nullable=False),
    sa.Column("sources", sa.JSON, nullable=False),
    sa.Column("label", sa.String(), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("model", sa.String(), nullable=False),
    sa.Column("rationale", sa.Text, nullable=False),
    sa.Column("vendor_score", sa.Float, nullable=True),
    sa.Column("fallback", sa.Text, nullable=False),
    _ns("ts_event"),
    _ns("ts_init"),
    sa.Index(None, "ts_event"),
)

story_symbols = sa.Table(
    "story_symbols",
    metadata,
    sa.Column("symbol", sa.String(), primary_key=True),
    sa.Column("story_id", sa.String(), primary_key=True),
    _ns("ts_event"),
    sa.Index(None, "symbol", "ts_event"),
)

# Scores by (model, content hash): a story scored once is never paid for again until it expires.
sentiment_cache = sa.Table(
    "sentiment_cache",
    metadata,
    sa.Column("model", sa.String(), primary_key=True),
    sa.Column("content_hash", sa.String(64), primary_key=True),
    sa.Column("sentiment", sa.JSON, nullable=False),
    _ns("expires_at"),
)

# What the LLM cost, per UTC day and model (the daily spending cap reads it after a restart).
llm_usage = sa.Table(
    "llm_usage",
    metadata,
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("model", sa.String(), primary_key=True),
    sa.Column("requests", sa.Integer, nullable=False),
    sa.Column("scored", sa.Integer, nullable=False),
    sa.Column("failed", sa.Integer, nullable=False),
    sa.Column("prompt_tokens", sa.BigInteger, nullable=False),
    sa.Column("completion_tokens", sa.BigInteger, nullable=False),
    sa.Column("cost_usd", ExactDecimal, nullable=False),
)

# Trade plans, versioned per symbol: a new version supersedes the active one in the same
# transaction. The plan itself is its msgspec form; the outcome is filled by ``plans evaluate``.
trade_plans = sa.Table(
    "trade_plans",
    metadata,
    sa.Column("plan_id", sa.String(), primary_key=True),
    sa.Column("symbol", sa.String(), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("status", sa.String(), nullable=False),
    sa.Column("plan", sa.JSON, nullable=False),
    _ns("ts_event"),
    _ns("expires_at"),
    sa.Column("outcome", sa.String(), nullable=True),
    sa.Column("r_multiple", sa.Float, nullable=True),
    sa.Column("outcome_detail", sa.JSON, nullable=True),
    _ns("evaluated_at", nullable=True),
    sa.UniqueConstraint("symbol", "version"),
    sa.Index(None, "status", "symbol"),
)

# -- watchlists (revision 0009) ------------------------------------------------------------------
# Symbols added from the CLI or the dashboard, by list; the configured lists (settings, toml) are
# merged with these when read. One writer: ``WatchlistRepository`` (called by the watchlist
# service only). A running ``freeride live`` polls the table and streams what appears.
watchlist_symbols = sa.Table(
    "watchlist_symbols",
    metadata,
    sa.Column("list_name", sa.String(64), primary_key=True),
    sa.Column("symbol", sa.String(32), primary_key=True),
    _ns("added_at"),
)

# -- execution leases (revision 0010) ------------------------------------------------------------
# One row per broker account: which execution worker may send its orders, until when, and the
# fencing token it got when it took the lease (one more than the holder before it). Every order
# write of a leased worker checks, in its own transaction, that the row still names it and its
# token; one writer: ``storage.leases``.
execution_leases = sa.Table(
    "execution_leases",
    metadata,
    sa.Column("account", sa.String(64), primary_key=True),
    sa.Column("holder", sa.String(200), nullable=False),
    sa.Column("token", sa.BigInteger, nullable=False),
    _ns("expires_at"),
)
