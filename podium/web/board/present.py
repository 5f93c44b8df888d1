"""A board page as JSON and as CSV: the one shape the API, the page's initial data and downloads share."""

from __future__ import annotations

import csv
import io

from podium.eval.suites import SuiteSpec
from podium.web.board.columns import OPTIONAL, RANK_RANGE, Column
from podium.web.board.query import BoardQuery, Page
from podium.web.board.snapshot import value

OPTIONAL_KEYS = tuple(c.key for c in OPTIONAL)


def row_json(row: dict, query: BoardQuery, page: Page, pinned: bool) -> dict:
    mode = query.scores
    found = page.ranges[row["id"]]
    return {
        "id": row["id"], "rank": page.ranks[row["id"]], "pinned": pinned, "model": row["model"], "hub": row["hub"],
        "type": row["type"], "average": row["average"][mode], "complete": row["complete"],
        "rank_interval": None if found is None else found.to_json(),
        "deviates": row["deviates"], "notice": row["notice"],
        "scores": {k: v[mode] for k, v in row["scores"].items()},
        "flag_reason": row["flag_reason"], "flag_url": row["flag_url"], "pick_reason": row["pick_reason"],
        "revision": row["revision"],
        "highlight": [] if query.search.empty else query.search.highlights(row["model"]),
        **{k: row.get(k) for k in OPTIONAL_KEYS},
    }


def page_json(suite: SuiteSpec, query: BoardQuery, page: Page) -> dict:
    return {
        "suite": suite.name, "scores": query.scores, "rank": query.rank, "total": page.total,
        "board_total": page.board_total, "page": page.page, "pages": page.pages, "per_page": query.per_page,
        "incomplete": page.incomplete_shown, "board_incomplete": page.incomplete,
        "pinned": [row_json(r, query, page, True) for r in page.pinned],
        "rows": [row_json(r, query, page, False) for r in page.rows],
        "version": page.version,
        "versions": [{"version": v.version, "entries": v.entries, "latest": f"{v.latest:%Y-%m-%d}",
                      "current": v.current} for v in page.versions],
    }


def column_json(column: Column) -> dict:
    return {"key": column.key, "title": column.title, "kind": column.kind, "optional": column.optional,
            "shown": column.shown, "about": column.about}


def _cell(v) -> str:
    """Text for one CSV cell; text that a spreadsheet would run as a formula is quoted."""
    if v is None:
        return ""
    if isinstance(v, tuple):  # a rank range, in words a spreadsheet does not read as a date
        return f"{v[0]} to {v[1]}"
    if isinstance(v, float):
        return f"{v:.4f}".rstrip("0").rstrip(".")
    text = str(v)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not isinstance(v, (int, float)) else text


def _csv_value(row: dict, key: str, query: BoardQuery, page: Page):
    if key == "rank":
        return page.ranks.get(row["id"])
    if key == "rank_interval":
        found = page.ranges.get(row["id"])
        return None if found is None else found[:2]
    return value(row, key, query.scores)


def to_csv(suite: SuiteSpec, query: BoardQuery, page: Page) -> str:
    """The current view: pinned rows, then every matching row in order; the picked columns; last, what the
    data of each row's average lacks or does differently (empty: complete, on the leaderboard's data)."""
    optional = query.cols if query.cols is not None else tuple(c.key for c in (RANK_RANGE, *OPTIONAL) if c.shown)
    keys = ["rank", "type", "model", "average", *(t.key for t in suite.tasks), *optional]
    titles = {"rank": "rank", "type": "type", "model": "model", "average": f"average ({query.scores})"}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([titles.get(k, k) for k in keys] + ["data notice"])
    for row in [*page.pinned, *page.rows]:
        told = " ".join((row["notice"], *row["notice_details"])) if row["notice"] else None
        writer.writerow([_cell(_csv_value(row, k, query, page)) for k in keys] + [_cell(told)])
    return out.getvalue()
