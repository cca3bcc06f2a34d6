"""``freeride news``, ``sentiment``, ``plan`` and ``plans list|evaluate``: research from the shell."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import msgspec
import typer
from rich.console import Console
from rich.table import Table

from freeride.app import research_cli as rc
from freeride.cli.alerts import duration_s
from freeride.cli.orders import load_settings_or_exit
from freeride.core.clock import LiveClock, ns_to_datetime
from freeride.core.errors import FreerideError
from freeride.core.plans import PlanOutcome, TradePlan
from freeride.core.sentiment import Sentiment, SentimentLabel

console = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
COLOUR = {SentimentLabel.POSITIVE: "green", SentimentLabel.NEGATIVE: "red", SentimentLabel.NEUTRAL: "white"}
MAX_TEXT = 10_000


def _run(work: Any) -> Any:
    try:
        return asyncio.run(work)
    except FreerideError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


def _notes(notes: list[str]) -> None:
    for note in dict.fromkeys(notes):
        err.print(f"[yellow]note:[/yellow] {note}")


def _when(ns: int) -> str:
    return ns_to_datetime(ns).strftime("%Y-%m-%d %H:%M")


def news(
    symbols: Annotated[
        list[str] | None, typer.Argument(help="Tickers (AAPL) and pairs (EUR/USD); none: all.")
    ] = None,
    since: Annotated[str, typer.Option(help="How far back: 90m, 12h, 1d, 7d.")] = "1d",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per story.")] = False,
) -> None:
    """Fetch news from every configured feed, cluster it into stories, score each once, and list them."""
    settings = load_settings_or_exit()
    try:
        window = duration_s(since, "--since")
    except FreerideError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    stories, notes = _run(rc.fetch_news(settings, LiveClock(), symbols or [], window))
    _notes(notes)
    if as_json:
        for s in stories:
            print(json.dumps(msgspec.to_builtins(s)))
        return
    table = Table(title=f"News since {since}: {len(stories)} stories", title_justify="left")
    for name in ("published", "symbols", "sentiment", "headline", "sources"):
        table.add_column(name, justify="right" if name == "sentiment" else "left", overflow="fold")
    for s in stories:
        colour = COLOUR[s.label]
        table.add_row(
            _when(s.ts_event),
            " ".join(s.symbols),
            f"[{colour}]{s.score:+.2f} {s.label.value}[/{colour}]",
            s.headline,
            ", ".join(s.sources),
        )
    console.print(table)


def _sentiment_json(s: Sentiment | str) -> dict[str, Any]:
    if isinstance(s, str):
        return {"error": s}
    return {"label": s.label.value, "score": s.score, "confidence": s.confidence, "model": s.model}


def sentiment(
    text: Annotated[str | None, typer.Argument(help="A headline or sentence.")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="One text per line; - for standard input.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per text: label, score, confidence.")
    ] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Only the offline model, even when an LLM is set.")
    ] = False,
) -> None:
    """Score texts with the offline model and, when configured, the LLM, side by side."""
    if (text is None) == (file is None):
        err.print("[red]error:[/red] give one text or --file (one text per line)")
        raise typer.Exit(2)
    texts, problems = _texts(text, file)
    settings = load_settings_or_exit()
    wanted = [t for t in texts if t is not None]
    base, llm = _run(rc.score_texts(settings, LiveClock(), wanted, llm=not offline))
    answers = iter(zip(base, llm or [None] * len(base), strict=True))
    for n, t in enumerate(texts, start=1):
        if t is None:
            record: dict[str, Any] = {"line": n, "error": problems[n]}
            if as_json:
                print(json.dumps(record))
            else:
                err.print(f"[red]{_where(file)}:{n}:[/red] {problems[n]}")
            continue
        ours, theirs = next(answers)
        if as_json:
            record = _sentiment_json(ours)
            if theirs is not None:
                record["llm"] = _sentiment_json(theirs)
            print(json.dumps(record))
            continue
        colour = COLOUR[ours.label]
        line = f"[{colour}]{ours.label.value:8} {ours.score:+.2f}[/{colour}]"
        line += f" (confidence {ours.confidence:.2f}, offline)"
        if isinstance(theirs, Sentiment):
            c2 = COLOUR[theirs.label]
            line += f"  |  [{c2}]{theirs.label.value} {theirs.score:+.2f}[/{c2}] ({theirs.model})"
        elif isinstance(theirs, str):
            line += f"  |  LLM: {theirs}"
        console.print(f"{line}  {t if file is not None else ''}".rstrip())
        if file is None:
            console.print(f"  why: {ours.rationale}")


def _where(file: Path | None) -> str:
    return "stdin" if file is None or str(file) == "-" else str(file)


def _texts(text: str | None, file: Path | None) -> tuple[list[str | None], dict[int, str]]:
    """The texts, ``None`` for a line that is not one (named in ``problems`` by line number)."""
    if text is not None:
        if not text.strip():
            err.print("[red]error:[/red] the text is empty")
            raise typer.Exit(2)
        return [text], {}
    assert file is not None
    try:
        raw = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as exc:
        err.print(f"[red]error:[/red] {file}: {exc.strerror or exc}")
        raise typer.Exit(2) from None
    out: list[str | None] = []
    problems: dict[int, str] = {}
    for n, line in enumerate(raw.splitlines(), start=1):
        try:
            decoded = line.decode("utf-8").strip()
        except UnicodeDecodeError as exc:
            out.append(None)
            problems[n] = f"not UTF-8 text (byte {exc.start})"
            continue
        if not decoded:
            out.append(None)
            problems[n] = "empty line"
        elif len(decoded) > MAX_TEXT:
            out.append(None)
            problems[n] = f"{len(decoded):,} characters, more than {MAX_TEXT:,}"
        else:
            out.append(decoded)
    if not out:
        err.print(f"[red]error:[/red] {_where(file)}: no lines")
        raise typer.Exit(2)
    return out, problems


def plan(
    symbols: Annotated[list[str], typer.Argument(help="Tickers (AAPL) and pairs (EUR/USD).")],
    post: Annotated[
        list[str] | None, typer.Option("--post", help="Post the plan to this channel (repeatable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per plan.")] = False,
) -> None:
    """A trade plan per symbol from its bars and recent stories; stored as the symbol's next version."""
    settings = load_settings_or_exit()
    plans, notes = _run(rc.make_plans(settings, LiveClock(), symbols, post))
    _notes(notes)
    for p in plans:
        if as_json:
            print(json.dumps(msgspec.to_builtins(p)))
            continue
        _print_plan(p)


def _print_plan(p: TradePlan) -> None:
    colour = "green" if p.direction.value == "long" else "red"
    size = f"{p.quantity} {'units' if p.asset_class == 'forex' else 'shares'}"
    if p.lots is not None:
        size += f" = {p.lots} lots, {p.pips_to_stop:g} pips to the stop"
        size += f", pip value {p.pip_value} {p.account_currency}"
    console.print(
        f"[bold]{p.plan_id}[/bold] [{colour}]{p.direction.value.upper()}[/{colour}]"
        f" confidence {p.confidence:.2f}"
    )
    console.print(
        f"  entry {p.entry_low:g} – {p.entry_high:g}   stop {p.stop:g}"
        f"   targets {p.target1:g} / {p.target2:g}   R:R {p.reward_risk:g}"
    )
    console.print(f"  size {size}; risk {p.risk_amount} {p.account_currency}; expires {_when(p.expires_at)}")
    console.print(f"  {p.rationale}")


plans_app = typer.Typer(
    help="Stored trade plans: list them, and score them against what happened.", no_args_is_help=True
)


@plans_app.command("list")
def plans_list(
    symbol: Annotated[str | None, typer.Option(help="Only this symbol.")] = None,
    active: Annotated[bool, typer.Option("--active", help="Only the current plan of each symbol.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per plan.")] = False,
) -> None:
    """Plans, newest first, with their outcome when evaluated."""
    settings = load_settings_or_exit()
    found = _run(rc.list_plans(settings, LiveClock(), _symbol(symbol), active))
    _plan_table(found, as_json, "Plans")


@plans_app.command("evaluate")
def plans_evaluate(
    symbol: Annotated[str | None, typer.Option(help="Only this symbol.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per plan, then the track record.")
    ] = False,
) -> None:
    """Walk the bars after each open plan: target first, stop first or expired, and the R multiple."""
    settings = load_settings_or_exit()
    found, record = _run(rc.evaluate_plans(settings, LiveClock(), _symbol(symbol)))
    _plan_table(found, as_json, "Plan outcomes")
    if as_json:
        print(json.dumps({"track_record": record.by_symbol}))
        return
    table = Table(title="Track record", title_justify="left")
    for name in ("symbol", "plans", "decided", "hit rate", "avg R", "open", "not triggered"):
        table.add_column(name, justify="left" if name == "symbol" else "right")
    for sym, r in record.by_symbol.items():
        table.add_row(
            sym,
            f"{r['plans']:.0f}",
            f"{r['decided']:.0f}",
            f"{r['hit_rate']:.0%}",
            f"{r['avg_r']:+.2f}",
            f"{r['open']:.0f}",
            f"{r['not_triggered']:.0f}",
        )
    console.print(table)


def _symbol(symbol: str | None) -> str | None:
    if symbol is None:
        return None
    try:
        return rc.instrument_of(symbol).symbol
    except FreerideError as exc:
        err.print(f"[red]error:[/red] --symbol: {exc}")
        raise typer.Exit(2) from None


def _plan_table(found: list[tuple[TradePlan, PlanOutcome | None]], as_json: bool, title: str) -> None:
    if as_json:
        for p, o in found:
            print(
                json.dumps({"plan": msgspec.to_builtins(p), "outcome": msgspec.to_builtins(o) if o else None})
            )
        return
    table = Table(title=f"{title}: {len(found)}", title_justify="left")
    for name in ("plan", "made", "direction", "entry", "stop", "targets", "confidence", "outcome", "R"):
        table.add_column(
            name, justify="left" if name in ("plan", "made", "direction", "outcome") else "right"
        )
    for p, o in found:
        table.add_row(
            p.plan_id,
            _when(p.ts_event),
            p.direction.value,
            f"{p.entry_low:g}–{p.entry_high:g}",
            f"{p.stop:g}",
            f"{p.target1:g} / {p.target2:g}",
            f"{p.confidence:.2f}",
            o.outcome.value if o else "not evaluated",
            f"{o.r_multiple:+.2f}" if o and o.decided else "",
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(news)
    app.command()(sentiment)
    app.command()(plan)
    app.add_typer(plans_app, name="plans")
