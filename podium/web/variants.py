"""The comparison board of a suite that compares implementations of one benchmark (`SuiteSpec.compared`).

Each model's score and rank under every implementation side by side, as Hugging Face's post
"What's going on with the Open LLM Leaderboard?" (2023) showed MMLU under the original, HELM and
January-2023 harness code. Each compared column ranks the whole board on its own (tied scores
share the better rank; a model without that score has no rank there). Nothing mixes the
columns: rows are ordered by one implementation's rank, by how far a model's rank moves, or by
name, and there is no average. Pure functions over a board snapshot's rows, shared by the page,
the API, the CSV download and the rank-shift chart.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass

from podium.eval.spec import SuiteSpec, TaskSpec
from podium.web.board.query import VERSION_NAME
from podium.web.inputs import InputError

PARAMS = ("sort", "order", "page", "per_page", "version")
MAX_PER_PAGE = 50  # the rank-shift chart draws one line per row of the page; more would be unreadable
DEFAULT_PER_PAGE = 20


@dataclass(frozen=True)
class VariantRow:
    """One model on the comparison board."""

    id: int
    model: str
    hub: bool
    scores: Mapping[str, float | None]
    """Every column of the suite, compared or not: the normalized score (0-100), None when missing."""
    ranks: Mapping[str, int | None]
    """The compared columns only: the model's rank under that implementation alone."""

    @property
    def shift(self) -> int | None:
        return rank_shift(self.ranks.values())


def rank_shift(ranks) -> int | None:
    """How far a model's rank moves between implementations (worst - best); None with fewer than two."""
    present = [r for r in ranks if r is not None]
    return max(present) - min(present) if len(present) > 1 else None


@dataclass(frozen=True)
class VariantsQuery:
    sort: str  # a compared column (by its rank), "shift" or "model"
    descending: bool
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    version: str | None = None


@dataclass(frozen=True)
class VariantsPage:
    suite: SuiteSpec
    query: VariantsQuery
    rows: tuple[VariantRow, ...]
    total: int
    page: int
    pages: int
    version: str | None
    versions: tuple = ()  # SuiteVersion of every version with results, current first

    @property
    def compared(self) -> tuple[TaskSpec, ...]:
        return tuple(t for t in self.suite.tasks if t.key in self.suite.compared)

    @property
    def also(self) -> tuple[TaskSpec, ...]:
        """Columns the suite reports beside the compared ones: shown, not ranked."""
        return tuple(t for t in self.suite.tasks if t.key not in self.suite.compared)


def sorts(suite: SuiteSpec) -> tuple[str, ...]:
    return (*suite.compared, "shift", "model")


def _whole(params: Mapping[str, str], name: str, default: int, high: int) -> int:
    text = params.get(name, "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= 9) or not 1 <= int(text) <= high:
        raise InputError(name, f"{name} must be a whole number between 1 and {high}.")
    return int(text)


def parse_query(params: Mapping[str, str], suite: SuiteSpec) -> VariantsQuery:
    """The view's state from URL parameters; unknown ones are refused, as on every board."""
    unknown = sorted(set(params) - set(PARAMS))
    if unknown:
        raise InputError(unknown[0], f"Unknown parameter {unknown[0][:40]!r}; this board understands: "
                                     f"{', '.join(PARAMS)}.")
    sort = params.get("sort") or suite.compared[0]
    if sort not in sorts(suite):
        raise InputError("sort", f"sort must be one of: {', '.join(sorts(suite))}.")
    order = params.get("order") or ("desc" if sort == "shift" else "asc")
    if order not in ("asc", "desc"):
        raise InputError("order", "order must be asc or desc.")
    version = params.get("version", "").strip() or None
    if version is not None and not VERSION_NAME.fullmatch(version):
        raise InputError("version", "version must be a suite version name (letters and digits, as listed).")
    return VariantsQuery(sort, order == "desc", _whole(params, "page", 1, 1_000_000),
                         _whole(params, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE), version)


def _ranks(rows: list[dict], key: str) -> dict[int, int]:
    """Entry id -> rank by one column's score, best first; ties share the better rank (1, 2, 2, 4)."""
    scored = sorted(((r["scores"][key]["normalized"], r["id"]) for r in rows
                     if r["scores"][key]["normalized"] is not None), key=lambda p: -p[0])
    ranks: dict[int, int] = {}
    last_score, last_rank = None, 0
    for position, (score, entry) in enumerate(scored, 1):
        if score != last_score:
            last_score, last_rank = score, position
        ranks[entry] = last_rank
    return ranks


class Ranking:
    """Every entry's rank under each compared column, and the row orders asked for so far: built
    once per board snapshot. Rows become `VariantRow`s only when shown, so a request on a
    10,000-entry board slices a cached order instead of sorting."""

    def __init__(self, suite: SuiteSpec, rows: list[dict]):
        self.suite, self.rows = suite, rows
        self.by_column = {key: _ranks(rows, key) for key in suite.compared}
        self._orders: dict[tuple[str, bool], list[dict]] = {}

    def ranks(self, entry: int) -> dict[str, int | None]:
        return {key: ranks.get(entry) for key, ranks in self.by_column.items()}

    def row(self, row: dict) -> VariantRow:
        return VariantRow(row["id"], row["model"], row["hub"],
                          {t.key: row["scores"][t.key]["normalized"] for t in self.suite.tasks}, self.ranks(row["id"]))

    def ordered(self, sort: str, descending: bool) -> list[dict]:
        """Snapshot rows by the sort key, ties by name; rows without a value last in either direction."""
        found = self._orders.get((sort, descending))
        if found is None:
            keys = {r["id"]: self._key(r, sort) for r in self.rows}
            by_name = sorted(self.rows, key=lambda r: r["model"].lower())
            present = [r for r in by_name if keys[r["id"]] is not None]
            present.sort(key=lambda r: keys[r["id"]], reverse=descending)
            found = self._orders[(sort, descending)] = present + [r for r in by_name if keys[r["id"]] is None]
        return found

    def _key(self, row: dict, sort: str):
        if sort == "model":
            return row["model"].lower()
        if sort == "shift":
            return rank_shift(self.ranks(row["id"]).values())
        return self.by_column[sort].get(row["id"])


def variants_page(ranking: Ranking, query: VariantsQuery, version: str | None = None, versions: tuple = (), *,
                  everything: bool = False) -> VariantsPage:
    """One page of the comparison (with `everything`, every row, for the CSV)."""
    ordered = ranking.ordered(query.sort, query.descending)
    pages = max(1, math.ceil(len(ordered) / query.per_page))
    page = min(query.page, pages)
    chosen = ordered if everything else ordered[(page - 1) * query.per_page: page * query.per_page]
    return VariantsPage(ranking.suite, query, tuple(ranking.row(r) for r in chosen), len(ordered), page, pages,
                        version, versions)


def page_json(view: VariantsPage) -> dict:
    """The API's answer: columns, then rows with a score and rank per implementation; no average."""
    def columns(tasks):
        return [{"key": t.key, "title": t.title, "about": t.about} for t in tasks]

    return {
        "suite": view.suite.name, "title": view.suite.title, "about": view.suite.about,
        "compared": columns(view.compared), "also": columns(view.also),
        "sort": view.query.sort, "order": "desc" if view.query.descending else "asc",
        "total": view.total, "page": view.page, "pages": view.pages, "per_page": view.query.per_page,
        "rows": [{"id": r.id, "model": r.model, "hub": r.hub, "scores": dict(r.scores), "ranks": dict(r.ranks),
                  "shift": r.shift} for r in view.rows],
        "version": view.version,
        "versions": [{"version": v.version, "entries": v.entries, "latest": f"{v.latest:%Y-%m-%d}",
                      "current": v.current} for v in view.versions],
    }


def _cell(value) -> str:
    """Text for one CSV cell; text a spreadsheet would run as a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else str(value)


def to_csv(view: VariantsPage) -> str:
    """Model, then score and rank per compared column, the unranked columns and the rank shift."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["model", *(f"{t.key} {part}" for t in view.compared for part in ("score", "rank")),
                     *(t.key for t in view.also), "rank shift"])
    for r in view.rows:
        writer.writerow([_cell(r.model),
                         *(_cell(v) for t in view.compared for v in (r.scores[t.key], r.ranks[t.key])),
                         *(_cell(r.scores[t.key]) for t in view.also), _cell(r.shift)])
    return out.getvalue()
