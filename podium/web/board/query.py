"""Filtering, sorting and paging a board snapshot: the URL's state in, one page of rows out.

Pure functions over the snapshot, so the API, the CSV download and the tests share them.
Every query parameter is checked against a closed list: an unknown one is an error rather
than silently ignored, because a shared URL that quietly drops a filter shows a wrong board.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from podium.platform.vocab import MODEL_TYPES, PRECISIONS
from podium.web import inputs
from podium.web.board.columns import Column, exact_fields, search_fields
from podium.web.board.ranking import RankRange
from podium.web.board.snapshot import MODES, Snapshot
from podium.web.inputs import InputError
from podium.web.search import SearchQuery, parse_search

TYPES = (*MODEL_TYPES, "unknown")
HIDEABLE = ("merged", "moe", "flagged", "unavailable")
ONLY = ("picked", "official")  # show only maintainer's picks (⭐) / official providers' models
PRESETS = {  # name -> (min B, max B, the `only` set it keeps or None); ranges are [min, max)
    "edge": (0.0, 3.0, None), "consumer": (3.0, 7.0, None), "mid": (7.0, 65.0, None),
    "large": (65.0, None, None), "official": (None, None, "official"), "picks": (None, None, "picked"),
}
PARAMS = ("q", "type", "precision", "params_min", "params_max", "preset", "only", "hide", "sort", "order", "scores",
          "rank", "page", "per_page", "pins", "cols", "version", "incomplete")
MAX_PER_PAGE = 200
VERSION_NAME = re.compile(r"[0-9a-z]{1,64}")
MAX_PARAMS_B = 100_000.0


@dataclass(frozen=True)
class BoardQuery:
    search: SearchQuery = field(default_factory=SearchQuery)
    q: str = ""
    types: frozenset[str] = frozenset()
    precisions: frozenset[str] = frozenset()
    params_min: float | None = None
    params_max: float | None = None
    only: frozenset[str] = frozenset()  # keep only the entries in every one of these sets (ONLY)
    hide: frozenset[str] = frozenset()
    sort: str = "average"
    descending: bool = True
    scores: str = "normalized"
    rank: str = "static"
    page: int = 1
    per_page: int = 50
    pins: tuple[int, ...] = ()
    cols: tuple[str, ...] | None = None
    version: str | None = None
    """The suite version shown (None: the current one); `podium.eval.versions`."""
    incomplete: bool | None = None
    """Show the rows whose average lacks a task, after the ranked ones and without a rank. None (the default):
    hidden while some row of the board has a complete average, shown when none has (`shows_incomplete`)."""


def _choices(params: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> frozenset[str]:
    values = [v.strip() for v in params.get(name, "").split(",") if v.strip()]
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise InputError(name, f"Unknown {name} {unknown[0][:40]!r}; choose among: {', '.join(allowed)}.")
    return frozenset(values)


def _one_of(params: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = params.get(name, default) or default
    if value not in allowed:
        raise InputError(name, f"{name} must be one of: {', '.join(allowed)}.")
    return value


def _number(params: Mapping[str, str], name: str, low: float, high: float) -> float | None:
    text = params.get(name, "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(name, f"{name} must be a number.") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise InputError(name, f"{name} must be between {low:g} and {high:g}.")
    return value


def _integer(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    value = _number(params, name, low, high)
    if value is None:
        return default
    if not value.is_integer():
        raise InputError(name, f"{name} must be a whole number.")
    return int(value)


def parse_query(params: Mapping[str, str], columns: dict[str, Column]) -> BoardQuery:
    """The board state from URL parameters; InputError names the first bad parameter."""
    unknown = sorted(set(params) - set(PARAMS))
    if unknown:
        raise InputError(unknown[0], f"Unknown filter {unknown[0][:40]!r}; the board understands: {', '.join(PARAMS)}.")
    low, high, preset_only = None, None, None
    if params.get("preset"):
        low, high, preset_only = PRESETS[_one_of(params, "preset", tuple(PRESETS), "")]
    params_min = _number(params, "params_min", 0, MAX_PARAMS_B)
    params_max = _number(params, "params_max", 0, MAX_PARAMS_B)
    sortable = tuple(columns)
    optional = tuple(k for k, c in columns.items() if c.optional)
    cols = params.get("cols")
    q = params.get("q", "")
    return BoardQuery(
        search=parse_search(q, search_fields(), exact_fields()), q=q,
        types=_choices(params, "type", TYPES), precisions=_choices(params, "precision", PRECISIONS),
        params_min=max(filter(lambda v: v is not None, (low, params_min)), default=None),
        params_max=min(filter(lambda v: v is not None, (high, params_max)), default=None),
        only=_choices(params, "only", ONLY) | ({preset_only} if preset_only else set()),
        hide=_choices(params, "hide", HIDEABLE),
        sort=_one_of(params, "sort", sortable, "average"),
        descending=_one_of(params, "order", ("desc", "asc"), "desc") == "desc",
        scores=_one_of(params, "scores", MODES, "normalized"),
        rank=_one_of(params, "rank", ("static", "dynamic"), "static"),
        page=_integer(params, "page", 1, 1, 1_000_000), per_page=_integer(params, "per_page", 50, 1, MAX_PER_PAGE),
        pins=tuple(inputs.id_list(params.get("pins"), "pins")),
        cols=None if cols is None else tuple(sorted(_choices(params, "cols", optional), key=optional.index)),
        version=_version(params),
        incomplete=(_one_of(params, "incomplete", ("hide", "show"), "hide") == "show"
                    if params.get("incomplete") else None),
    )


def _version(params: Mapping[str, str]) -> str | None:
    """The shape of a version name; whether the suite has it is the snapshot's to say (`version_of`)."""
    value = params.get("version", "").strip()
    if value and not VERSION_NAME.fullmatch(value):
        raise InputError("version",
                         "version must be a suite version name (letters and digits, as listed on the board).")
    return value or None


def version_of(current: Snapshot, query: BoardQuery) -> str | None:
    """The version to show: None for the current one; InputError when the suite has no such version."""
    if query.version is None or query.version == current.version:
        return None
    if query.version not in {v.version for v in current.versions}:
        known = ", ".join(v.version for v in current.versions) or "none yet"
        raise InputError("version", f"This board has no results of version {query.version!r}; its versions: {known}.")
    return query.version


def shows_incomplete(snapshot: Snapshot, query: BoardQuery) -> bool:
    """As asked; by default only on a board where no row has a complete average (a new suite, or a deployment
    without one of its datasets): an empty board would hide every result it has."""
    if query.incomplete is not None:
        return query.incomplete
    return len(snapshot.sets["incomplete"]) == len(snapshot.rows)


def _kept(snapshot: Snapshot, query: BoardQuery) -> np.ndarray | None:
    """The entries passing the filters and the search, as a boolean mask by entry id (`Snapshot.mask`);
    None when nothing filters (every entry)."""
    chosen: list[np.ndarray] = []
    for key, wanted in (("type", query.types), ("precision", query.precisions)):
        if wanted:
            chosen.append(snapshot.value_mask(key, wanted))
    if query.params_min is not None or query.params_max is not None:
        chosen.append(snapshot.params_mask(query.params_min, query.params_max))
    chosen += [snapshot.set_mask(name) for name in sorted(query.only)]
    if not shows_incomplete(snapshot, query) and snapshot.sets["incomplete"]:
        chosen.append(~snapshot.set_mask("incomplete"))
    chosen += [~snapshot.set_mask(name) for name in sorted(query.hide)]
    if not query.search.empty:
        chosen.append(snapshot.search_mask(query.search))
    return np.logical_and.reduce(chosen) if chosen else None


@dataclass
class Page:
    total: int
    board_total: int
    page: int
    pages: int
    rows: list[dict]
    pinned: list[dict]
    ranks: dict[int, int | None]  # entry id -> rank shown (static or dynamic); None: an incomplete average
    ranges: dict[int, RankRange | None]  # entry id -> the places its data allows on the whole board (None: unranked)
    incomplete: int = 0  # rows of the board whose average lacks a task (not ranked)
    incomplete_shown: bool = False  # whether those rows are listed (`shows_incomplete`)
    version: str | None = None  # the suite version these rows belong to
    versions: tuple = ()  # every version of the suite with results (SuiteVersion), current first


def _only(ids: np.ndarray, kept: np.ndarray | None, pinned: list[int]) -> np.ndarray:
    """`ids` (in their order) that are kept and not pinned."""
    if kept is None and not pinned:
        return ids
    keep = np.ones(ids.size, dtype=bool) if kept is None else kept[ids]
    if pinned:
        keep &= ~np.isin(ids, pinned)
    return ids[keep]


def _dynamic_ranks(snapshot: Snapshot, query: BoardQuery, kept: np.ndarray, pinned: list[int],
                   wanted: list[int]) -> dict[int, int | None]:
    """Positions by average among what the filters keep, pins included."""
    counted = kept.copy()
    counted[pinned] = True
    ranked = snapshot.ranking(query.scores).ids
    order = ranked[counted[ranked]]
    places = np.flatnonzero(np.isin(order, wanted))
    found = dict(zip(order[places].tolist(), (places + 1).tolist()))
    return {i: found.get(i) for i in wanted}


def run(snapshot: Snapshot, query: BoardQuery, *, everything: bool = False) -> Page:
    """Filter, rank, sort and cut one page (or, with `everything`, all matching rows for the CSV)."""
    kept = _kept(snapshot, query)
    pins = [snapshot.by_id[i] for i in query.pins if i in snapshot.by_id]
    pinned = [r["id"] for r in pins]
    ordered = _only(snapshot.order(query.sort, query.scores, query.descending), kept, pinned)
    pages = max(1, math.ceil(len(ordered) / query.per_page))
    page = min(query.page, pages)
    cut = ordered if everything else ordered[(page - 1) * query.per_page: page * query.per_page]
    chosen = [snapshot.by_id[i] for i in cut.tolist()]
    wanted = [r["id"] for r in (*pins, *chosen)]
    ranking = snapshot.ranking(query.scores)
    if query.rank == "dynamic" and kept is not None:
        ranks = _dynamic_ranks(snapshot, query, kept, pinned, wanted)
    else:
        ranks = {i: ranking.rank(i) for i in wanted}
    return Page(len(ordered), len(snapshot.rows), page, pages, chosen, pins, ranks,
                {i: ranking.range(i) for i in wanted}, len(snapshot.sets["incomplete"]),
                shows_incomplete(snapshot, query), snapshot.version, snapshot.versions)
