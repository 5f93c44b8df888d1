"""Charts drawn on the server as SVG with matplotlib: no JavaScript charting library, no CDN.

Figures are built with the object API (no pyplot state), so requests in different threads
never share a figure. Callers cache the SVG text; a chart only changes with the board.
"""

from __future__ import annotations

import io
import statistics
from collections.abc import Sequence
from datetime import datetime

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

from podium.web.board.snapshot import value  # noqa: E402

COLORS = {"model": "#3b6fd8", "median": "#9aa4b2", "top": "#2e9d6a"}
matplotlib.rcParams["svg.hashsalt"] = "podium"  # stable ids: identical charts give identical SVG


def _svg(fig: Figure) -> str:
    out = io.StringIO()
    fig.savefig(out, format="svg", bbox_inches="tight")
    return out.getvalue()


def entry_chart(titles: list[str], model: list[float | None], median: list[float | None],
                top: list[float | None], label: str) -> str:
    """Per-task bars of one model beside the board's median and top (normalized scores)."""
    fig = Figure(figsize=(max(5.0, 1.2 * len(titles) + 1.5), 3.4))
    ax = fig.add_subplot()
    width = 0.27
    xs = range(len(titles))
    for offset, (name, values) in zip((-width, 0, width), (("model", model), ("median", median), ("top", top))):
        ax.bar([x + offset for x in xs], [v or 0 for v in values], width,
               label=label if name == "model" else f"board {name}", color=COLORS[name])
    ax.set_xticks(list(xs), titles, rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("normalized score")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8, frameon=False, ncols=3, loc="upper center", bbox_to_anchor=(0.5, 1.15))
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def board_stats(rows: list[dict], keys: list[str]) -> tuple[list[float | None], list[float | None]]:
    """(median, top) normalized score per task over a board's rows."""
    medians, tops = [], []
    for key in keys:
        values = [r["scores"][key]["normalized"] for r in rows if r["scores"][key]["normalized"] is not None]
        medians.append(statistics.median(values) if values else None)
        tops.append(max(values) if values else None)
    return medians, tops


def best_over_time(rows: list[dict], key: str) -> tuple[list[datetime], list[float]]:
    """The best score of a task among models submitted up to each date: a running maximum, one
    point per record (and one at the last submission, so the line reaches the present)."""
    points = sorted((r["submitted"], v) for r in rows if (v := value(r, key, "normalized")) is not None)
    dates: list[datetime] = []
    best: list[float] = []
    for day, v in points:
        if not best or v > best[-1]:
            dates.append(datetime.fromisoformat(day))
            best.append(v)
    if points and dates[-1] != datetime.fromisoformat(points[-1][0]):
        dates.append(datetime.fromisoformat(points[-1][0]))
        best.append(best[-1])
    return dates, best


def trends_chart(rows: list[dict], tasks: list[tuple[str, str]]) -> str:
    """Best score per task (and of the average) over submission time."""
    fig = Figure(figsize=(8, 3.8))
    ax = fig.add_subplot()
    for key, title in [*tasks, ("average", "Average")]:
        dates, best = best_over_time(rows, key)
        if dates:
            ax.step(dates, best, where="post", label=title, linewidth=2.4 if key == "average" else 1.3, marker="o",
                    markersize=3)
    if ax.lines:
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    else:
        ax.text(0.5, 0.5, "No scores yet", ha="center", va="center", transform=ax.transAxes)
    ax.set_ylabel("best normalized score")
    ax.set_ylim(0, 100)
    ax.spines[["top", "right"]].set_visible(False)
    fig.autofmt_xdate()
    return _svg(fig)


def rank_shift_chart(titles: Sequence[str], lines: Sequence[tuple[int, str, Sequence[int | None]]], total: int) -> str:
    """One line per model across the implementations, at its rank under each (1 at the top): where
    the lines cross, the implementations disagree on the order. `lines`: (entry id, label, ranks);
    a missing rank leaves a gap. Each line is the SVG group `rank-line-<entry id>`."""
    fig = Figure(figsize=(max(6.0, 2.2 * len(titles) + 3.0), max(3.4, 0.28 * len(lines) + 1.2)))
    ax = fig.add_subplot()
    xs = list(range(len(titles)))
    for entry, label, ranks in lines:
        ys = [float("nan") if r is None else r for r in ranks]
        drawn = ax.plot(xs, ys, marker="o", markersize=4, linewidth=1.4, gid=f"rank-line-{entry}")[0]
        last = max((i for i, r in enumerate(ranks) if r is not None), default=None)
        if last is not None:
            ax.annotate(f"{label} ({ranks[last]})", (last, ranks[last]), xytext=(6, 0), textcoords="offset points",
                        va="center", fontsize=7, color=drawn.get_color())
    if not lines:
        ax.text(0.5, 0.5, "No scores yet", ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks(xs, list(titles), fontsize=8)
    ax.set_xlim(-0.2, len(titles) - 0.4)
    shown = [r for _, _, ranks in lines for r in ranks if r is not None] or [1]
    ax.set_ylim(max(shown) + 0.5, min(shown) - 0.5)  # the best rank at the top
    ax.set_ylabel(f"rank among {total} models (1 = best)")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)
