"""An in-memory copy of one suite's board: its rows, ranked, with the indexes queries use.

The platform's `leaderboard()` view is one query; running it (and ranking 100,000 rows) per
request would cost far more than the 50 ms budget, while filtering and sorting a list in
memory costs a few milliseconds. So each suite keeps a snapshot, built once and then kept
current from the store's change log (`podium.web.board.changes`, `podium.web.board.cache`).
"""

from __future__ import annotations

import bisect
import itertools
import time

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from podium.eval.suites import SuiteSpec
from podium.platform import board_changes
from podium.platform.board_changes import Cursor
from podium.platform.config import Settings
from podium.platform.data_notice import notice
from podium.platform.leaderboard import BoardRow, SuiteVersion, leaderboard, suite_versions
from podium.platform.models import Flag
from podium.platform.vocab import MODEL_TYPES
from podium.record import TaskScore
from podium.web.board.columns import search_fields
from podium.web.board.indexes import Indexes
from podium.web.board.indexes import build as build_indexes
from podium.web.board.ranking import Ranking, average_standard_error, rank_order
from podium.web.search import SearchQuery, Term, field_matches

MODES = ("normalized", "raw")
_SERIAL = itertools.count(1)


def value(row: dict, key: str, mode: str):
    """A cell's value in a score mode: tasks and the average change with it, other columns do not
    (ranks are the snapshot's: `Snapshot.ranking`)."""
    if key == "average":
        return row["average"][mode]
    if key in row["scores"]:
        return row["scores"][key][mode]
    return row.get(key)


def _sorted(cells: list, descending: bool) -> np.ndarray:
    """Positions of the non-empty cells in sorted order; ties keep their order (a stable sort, either way)."""
    present = [n for n, c in enumerate(cells) if c is not None]
    if not present:
        return np.zeros(0, dtype=np.int64)
    first = cells[present[0]]
    if isinstance(first, str):
        present.sort(key=lambda n: cells[n].lower(), reverse=descending)
        return np.array(present, dtype=np.int64)
    at = np.array(present, dtype=np.int64)
    sign = -1 if descending else 1
    if isinstance(first, tuple):  # a rank range: by best place, then worst
        best, worst = (np.array([cells[n][i] for n in present], dtype=float) for i in (0, 1))
        return at[np.lexsort((sign * worst, sign * best))]
    return at[np.argsort(sign * np.array([cells[n] for n in present], dtype=float), kind="stable")]


class Snapshot:
    """A board's rows with the indexes that make a query set algebra instead of a scan.

    Enumerated columns and yes/no columns are indexed at build time; search terms, field
    filters and sort orders are computed on first use and cached for the snapshot's life.
    """

    MAX_CACHED = 512

    def __init__(self, suite: SuiteSpec, ranked: dict[str, list[dict]], cursor: Cursor, version: str | None = None,
                 versions: tuple[SuiteVersion, ...] = (), indexes: Indexes | None = None,
                 rankings: dict[str, Ranking] | None = None):
        """`ranked`: each score mode's rows in rank order (`ranking.rank_order`); `indexes`: patched ones
        (`podium.web.board.changes`), else built from the rows; `rankings`: the previous snapshot's, when
        nothing ranking reads changed, else made on first use."""
        self.suite, self.ranked, self.cursor = suite, ranked, cursor  # cursor: how far the change log is applied
        self.version, self.versions = version, versions  # the suite version shown; every version with results
        self.fingerprint = next(_SERIAL)  # what caches of things drawn from this snapshot key on
        self.built_at = time.time()
        self.rows = ranked[MODES[0]]
        self.by_id = {r["id"]: r for r in self.rows}
        self.everything = set(self.by_id)
        self.slots = max(self.by_id, default=-1) + 1  # masks are indexed by entry id
        self.indexes = found = indexes or build_indexes(self.rows)
        self.names, self.by_value, self.sets, self.by_params = found.names, found.by_value, found.sets, found.by_params
        self.rankings: dict[str, Ranking] = dict(rankings or {})  # made so far, by score mode
        self._cache: dict[tuple, object] = {}

    def _cached(self, key: tuple, compute):
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) >= self.MAX_CACHED:
                self._cache.clear()
            found = self._cache[key] = compute()
        return found

    def ranking(self, mode: str) -> Ranking:
        """Ranks and rank ranges in a score mode, made on first use (a board updated in place makes them again)."""
        found = self.rankings.get(mode)
        if found is None:
            found = self.rankings[mode] = Ranking(self.ranked[mode], mode)
        return found

    def mask(self, ids: set[int]) -> np.ndarray:
        """A set of entries as a boolean array indexed by entry id: filters combine with `&` and `|`
        over arrays instead of set algebra over Python ints (a hundred times cheaper on a big board)."""
        found = np.zeros(self.slots, dtype=bool)
        if ids:
            found[np.fromiter(ids, dtype=np.int64, count=len(ids))] = True
        return found

    def set_mask(self, name: str) -> np.ndarray:
        return self._cached(("set", name), lambda: self.mask(self.sets[name]))

    def value_mask(self, column: str, values: frozenset[str]) -> np.ndarray:
        return self._cached(("value", column, values), lambda: self.mask(
            set().union(*(self.by_value[column].get(v, set()) for v in values))))

    def search_mask(self, search: SearchQuery) -> np.ndarray:
        """Entries the search matches; a search over its time budget raises (and is not cached)."""
        return self._cached(("search", search),
                            lambda: self.mask(search.select(self.term_ids, self.field_ids, self.everything)))

    def term_ids(self, term: Term) -> set[int]:
        return self._cached(("term", term.text), lambda: term.select(self.names.values()))

    def field_ids(self, name: str, wanted: str, exact: bool) -> set[int]:
        key = search_fields()[name]
        return self._cached(("field", key, wanted, exact),
                            lambda: {r["id"] for r in self.rows if field_matches(str(r.get(key) or ""), wanted, exact)})

    def params_mask(self, low: float | None, high: float | None) -> np.ndarray:
        """Entries with low <= params < high (either bound optional)."""
        def compute():
            start = bisect.bisect_left(self.by_params, (low, -1)) if low is not None else 0
            end = bisect.bisect_left(self.by_params, (high, -1)) if high is not None else len(self.by_params)
            return self.mask({entry for _, entry in self.by_params[start:end]})
        return self._cached(("params", low, high), compute)

    def _cells(self, key: str, mode: str) -> list:
        rows = self.ranked[mode]
        if key == "rank":
            ranking = self.ranking(mode)
            return [ranking.rank(r["id"]) for r in rows]
        if key == "rank_interval":
            ranking = self.ranking(mode)
            return [None if (found := ranking.range(r["id"])) is None else found[:2] for r in rows]
        return [value(r, key, mode) for r in rows]

    def order(self, key: str, mode: str, descending: bool) -> np.ndarray:
        """Entry ids sorted by one column; empty cells last either way, ties in static-rank order, and
        incomplete averages after every complete one (their own section: they are not ranked)."""
        def compute():
            rows = self.ranked[mode]
            ids = np.fromiter((r["id"] for r in rows), dtype=np.int64, count=len(rows))
            complete = np.fromiter((r["complete"] for r in rows), dtype=bool, count=len(rows))
            cells = self._cells(key, mode)
            present = _sorted(cells, descending)
            empty = np.flatnonzero(np.fromiter((c is None for c in cells), dtype=bool, count=len(cells)))
            both = np.concatenate((present, empty))
            return np.concatenate((ids[both[complete[both]]], ids[both[~complete[both]]]))
        return self._cached(("order", key, mode, descending), compute)


def _raw_average(tasks: dict[str, TaskScore], suite: SuiteSpec) -> float | None:
    values = [tasks[t.key].raw * 100 for t in suite.tasks
              if t.in_average and t.key in tasks and tasks[t.key].raw is not None]
    return sum(values) / len(values) if values else None


def _entry(row: BoardRow, suite: SuiteSpec, flag: tuple | None, notices: dict) -> dict:
    """A platform board row as the web's row, with raw and normalized scores, the average's standard error
    and its data notice (`notices`: one per distinct input, shared by the many rows that read alike)."""
    tasks = row.tasks
    scores = {t.key: {"normalized": tasks[t.key].normalized if t.key in tasks else None,
                      "raw": tasks[t.key].raw * 100 if t.key in tasks and tasks[t.key].raw is not None else None}
              for t in suite.tasks}
    counted = [t for t in suite.tasks if t.in_average]
    complete = bool(row.average_complete) and all(t.key in tasks for t in counted)
    statuses = tuple(tasks[t.key].status if t.key in tasks else None for t in counted)
    differences = {k: v for k, v in row.data_differences.items() if v}
    key = (statuses, repr(sorted(differences.items())), row.limit)
    if key not in notices:
        notices[key] = notice([(t.key, t.title) for t in counted], tasks, differences, row.limit)
    told = notices[key]
    return {
        "id": row.entry, "job": row.job, "model": row.repo_id, "org": row.repo_id.split("/")[0],
        "type": row.model_type if row.model_type in MODEL_TYPES else "unknown", "precision": row.precision,
        "weight_type": row.weight_type, "architecture": row.architecture, "params": row.params_billion,
        "license": row.license, "likes": None, "chat_template": row.chat_template,  # likes, uploaded: not known offline
        "submitted": f"{row.submitted_at:%Y-%m-%d}", "uploaded": None, "base_model": row.base_model or row.repo_id,
        "generation": row.generation, "co2": row.co2_kg, "moe": row.moe, "merged": row.merged,
        "flagged": row.flagged, "flag_reason": row.flag_reason, "flag_url": flag[1] if flag else None,
        "official": row.official, "picked": row.picked, "pick_reason": row.pick_reason,
        "available": row.available, "votes": row.votes,
        "revision": row.revision, "hub": row.source == "hub",
        "average": {"normalized": row.average, "raw": _raw_average(tasks, suite)},
        "average_se": {mode: average_standard_error(tasks, counted, mode) for mode in MODES}
        | ({"normalized": row.average_uncertainty.stderr} if row.average_uncertainty else {}),  # the run's bootstrap
        "complete": complete, "scores": scores,
        "deviates": bool(told and told.deviates),
        "notice": told.summary if told and (told.deviates or not told.complete) else None,
        "notice_details": told.details if told else (),
    }


def entry_rows(session: Session, settings: Settings, suite: SuiteSpec, version: str | None,
               entries: frozenset[int] | None = None) -> tuple[str | None, list[dict]]:
    """The board's version and web rows, from the store (only those of `entries` when given)."""
    board = leaderboard(session, settings, suite.name, version, entries)
    repos = sorted({r.repo_id for r in board.rows}) if entries is not None else None
    active = Flag.resolved_at.is_(None) if repos is None else Flag.resolved_at.is_(None) & Flag.repo_id.in_(repos)
    flags = {repo: (fid, url) for fid, repo, url in session.execute(
        select(Flag.id, Flag.repo_id, Flag.evidence_url).where(active).order_by(Flag.id))}
    notices: dict = {}
    return board.version, [_entry(r, suite, flags.get(r.repo_id), notices) for r in board.rows]


def build(session: Session, settings: Settings, suite: SuiteSpec, version: str | None = None) -> Snapshot:
    cursor = board_changes.start(session)
    shown, rows = entry_rows(session, settings, suite, version)
    versions = tuple(suite_versions(session, suite.name))
    shown = shown or (versions[0].version if versions else None)
    return Snapshot(suite, {mode: rank_order(rows, mode) for mode in MODES}, cursor, shown, versions)
