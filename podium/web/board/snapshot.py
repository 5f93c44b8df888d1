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

from sqlalchemy import select
from sqlalchemy.orm import Session

from podium.eval.suites import SuiteSpec
from podium.platform import board_changes
from podium.platform.board_changes import Cursor
from podium.platform.config import Settings
from podium.platform.leaderboard import BoardRow, SuiteVersion, leaderboard, suite_versions
from podium.platform.models import Flag
from podium.platform.vocab import MODEL_TYPES
from podium.record import TaskScore
from podium.web.board.columns import search_fields
from podium.web.board.indexes import Indexes
from podium.web.board.indexes import build as build_indexes
from podium.web.search import Term, field_matches

MODES = ("normalized", "raw")
_SERIAL = itertools.count(1)


def value(row: dict, key: str, mode: str):
    """A cell's value in a score mode: tasks and the average change with it, other columns do not."""
    if key == "average":
        return row["average"][mode]
    if key in row["scores"]:
        return row["scores"][key][mode]
    return row.get(key)


def order_key(mode: str):
    """Best average first, empty averages last, ties by entry id: the static rank order."""
    return lambda r: (r["average"][mode] is None, -(r["average"][mode] or 0), r["id"])


def finish(ranked: dict[str, list[dict]]) -> dict[str, dict[int, int]]:
    """The step every snapshot ends with, built whole or updated in place: whatever is figured
    over the whole ranked board, here each mode's static ranks (entry -> place). They live on
    the snapshot, not in the rows, so an update shares every unchanged row with the previous
    snapshot, which readers may still hold."""
    return {mode: {r["id"]: rank for rank, r in enumerate(ordered, 1)} for mode, ordered in ranked.items()}


class Snapshot:
    """A board's rows with the indexes that make a query set algebra instead of a scan.

    Enumerated columns and yes/no columns are indexed at build time; search terms, field
    filters and sort orders are computed on first use and cached for the snapshot's life.
    """

    MAX_CACHED = 512

    def __init__(self, suite: SuiteSpec, ranked: dict[str, list[dict]], cursor: Cursor, version: str | None = None,
                 versions: tuple[SuiteVersion, ...] = (), indexes: Indexes | None = None):
        """`ranked`: each score mode's rows best first; `indexes`: patched ones (`podium.web.board.changes`),
        else built from the rows."""
        self.suite, self.ranked, self.cursor = suite, ranked, cursor  # cursor: how far the change log is applied
        self.version, self.versions = version, versions  # the suite version shown; every version with results
        self.fingerprint = next(_SERIAL)  # what caches of things drawn from this snapshot key on
        self.built_at = time.time()
        self.rows = ranked[MODES[0]]
        self.static_rank = finish(ranked)  # mode -> entry -> place
        self.by_id = {r["id"]: r for r in self.rows}
        self.everything = set(self.by_id)
        self.indexes = found = indexes or build_indexes(self.rows)
        self.names, self.by_value, self.sets, self.by_params = found.names, found.by_value, found.sets, found.by_params
        self._cache: dict[tuple, object] = {}

    def _cached(self, key: tuple, compute):
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) >= self.MAX_CACHED:
                self._cache.clear()
            found = self._cache[key] = compute()
        return found

    def term_ids(self, term: Term) -> set[int]:
        return self._cached(("term", term.text), lambda: term.select(self.names.values()))

    def field_ids(self, name: str, wanted: str, exact: bool) -> set[int]:
        key = search_fields()[name]
        return self._cached(("field", key, wanted, exact),
                            lambda: {r["id"] for r in self.rows if field_matches(str(r.get(key) or ""), wanted, exact)})

    def params_ids(self, low: float | None, high: float | None) -> set[int]:
        """Entries with low <= params < high (either bound optional)."""
        def compute():
            start = bisect.bisect_left(self.by_params, (low, -1)) if low is not None else 0
            end = bisect.bisect_left(self.by_params, (high, -1)) if high is not None else len(self.by_params)
            return {entry for _, entry in self.by_params[start:end]}
        return self._cached(("params", low, high), compute)

    def order(self, key: str, mode: str, descending: bool) -> list[int]:
        """Entry ids sorted by one column; empty cells last either way, ties in static-rank order."""
        def compute():
            if key == "rank":
                return self.ranked_ids(mode)[::-1] if descending else self.ranked_ids(mode)
            present = [r for r in self.ranked[mode] if value(r, key, mode) is not None]
            empty = [r["id"] for r in self.ranked[mode] if value(r, key, mode) is None]
            text = present and isinstance(value(present[0], key, mode), str)
            present.sort(key=(lambda r: value(r, key, mode).lower()) if text else (lambda r: value(r, key, mode)),
                         reverse=descending)
            return [r["id"] for r in present] + empty
        return self._cached(("order", key, mode, descending), compute)

    def ranked_ids(self, mode: str) -> list[int]:
        return self._cached(("ranked", mode), lambda: [r["id"] for r in self.ranked[mode]])


def _raw_average(tasks: dict[str, TaskScore], suite: SuiteSpec) -> float | None:
    values = [tasks[t.key].raw * 100 for t in suite.tasks
              if t.in_average and t.key in tasks and tasks[t.key].raw is not None]
    return sum(values) / len(values) if values else None


def _entry(row: BoardRow, suite: SuiteSpec, flag: tuple | None) -> dict:
    """A platform board row as the web's row, with raw and normalized scores."""
    tasks = row.tasks
    scores = {t.key: {"normalized": tasks[t.key].normalized if t.key in tasks else None,
                      "raw": tasks[t.key].raw * 100 if t.key in tasks and tasks[t.key].raw is not None else None}
              for t in suite.tasks}
    complete = bool(row.average_complete) and all(t.key in tasks for t in suite.tasks if t.in_average)
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
        "complete": complete, "scores": scores,
    }


def entry_rows(session: Session, settings: Settings, suite: SuiteSpec, version: str | None,
               entries: frozenset[int] | None = None) -> tuple[str | None, list[dict]]:
    """The board's version and web rows, from the store (only those of `entries` when given)."""
    board = leaderboard(session, settings, suite.name, version, entries)
    repos = sorted({r.repo_id for r in board.rows}) if entries is not None else None
    active = Flag.resolved_at.is_(None) if repos is None else Flag.resolved_at.is_(None) & Flag.repo_id.in_(repos)
    flags = {repo: (fid, url) for fid, repo, url in session.execute(
        select(Flag.id, Flag.repo_id, Flag.evidence_url).where(active).order_by(Flag.id))}
    return board.version, [_entry(r, suite, flags.get(r.repo_id)) for r in board.rows]


def build(session: Session, settings: Settings, suite: SuiteSpec, version: str | None = None) -> Snapshot:
    cursor = board_changes.start(session)
    shown, rows = entry_rows(session, settings, suite, version)
    versions = tuple(suite_versions(session, suite.name))
    ranked = {mode: sorted(rows, key=order_key(mode)) for mode in MODES}
    return Snapshot(suite, ranked, cursor, shown or (versions[0].version if versions else None), versions)
