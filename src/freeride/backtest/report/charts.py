"""The report's charts, drawn with matplotlib's Agg backend (no display, no network, no CDN).

Each function draws one figure and returns it as PNG bytes; the HTML embeds the same bytes, so the
page and the exported files can never disagree.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH, HEIGHT, DPI = 10.0, 3.6, 100


def _figure(height: float = HEIGHT) -> Figure:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH, height), dpi=DPI, layout="constrained")


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _dates(ts: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return ts.astype("datetime64[ns]").astype("datetime64[ms]")


def line_chart(
    ts: np.ndarray[Any, Any], series: Sequence[tuple[str, np.ndarray[Any, Any]]], title: str, ylabel: str
) -> bytes:
    fig = _figure()
    ax = fig.add_subplot()
    dates = _dates(ts)
    for label, values in series:
        ax.plot(dates, values, linewidth=1.0, label=label)
    if len(series) > 1:
        ax.legend(loc="best")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    return _png(fig)


def drawdown_chart(ts: np.ndarray[Any, Any], dd_pct: np.ndarray[Any, Any]) -> bytes:
    fig = _figure(2.8)
    ax = fig.add_subplot()
    dates = _dates(ts)
    ax.fill_between(dates, dd_pct, 0.0, color="#c0392b", alpha=0.5, linewidth=0)
    ax.plot(dates, dd_pct, color="#c0392b", linewidth=0.8)
    ax.set_title("Drawdown")
    ax.set_ylabel("% below peak")
    ax.grid(alpha=0.3)
    return _png(fig)


def histogram(values: np.ndarray[Any, Any], title: str, xlabel: str) -> bytes:
    fig = _figure(3.0)
    ax = fig.add_subplot()
    if len(values):
        bins = int(min(60, max(10, np.sqrt(len(values)) * 2)))
        wins = values[values > 0]
        losses = values[values <= 0]
        edges = np.histogram_bin_edges(values, bins=bins).tolist()
        ax.hist(losses, bins=edges, color="#c0392b", alpha=0.8, label=f"losses ({len(losses)})")
        ax.hist(wins, bins=edges, color="#27ae60", alpha=0.8, label=f"wins ({len(wins)})")
        ax.axvline(0.0, color="black", linewidth=0.8)
        ax.legend(loc="best")
    else:
        ax.text(0.5, 0.5, "no trades", ha="center", va="center", transform=ax.transAxes)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("trades")
    ax.grid(alpha=0.3)
    return _png(fig)


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def heatmap(years: list[int], grid: np.ndarray[Any, Any]) -> bytes:
    fig = _figure(max(2.0, 0.42 * len(years) + 1.2))
    ax = fig.add_subplot()
    finite = grid[np.isfinite(grid)]
    bound = float(np.max(np.abs(finite))) if len(finite) else 1.0
    image = ax.imshow(grid, cmap="RdYlGn", vmin=-bound, vmax=bound, aspect="auto")
    ax.set_xticks(range(12), MONTHS)
    ax.set_yticks(range(len(years)), [str(y) for y in years])
    if len(years) * 12 <= 480:  # numbers stay legible up to about 40 years
        for (row, col), value in np.ndenumerate(grid):
            if np.isfinite(value):
                ax.text(col, row, f"{value:.1f}", ha="center", va="center", fontsize=7)
    fig.colorbar(image, ax=ax, label="% return")
    ax.set_title("Monthly returns (%)")
    return _png(fig)
