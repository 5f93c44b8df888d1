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
from podium.platform.data_notice import notice
from podium.platform.leaderboard import BoardRow, SuiteVersion, leaderboard, suite_versions
from podium.platform.models import Flag
from podium.platform.vocab import MODEL_TYPES
from podium.record import TaskScore
from podium.web.board.columns import search_fields
from podium.web.board.indexes import Indexes
from podium.web.board.indexes import build as build_indexes
from podium.web.board.ranking import average_standard_error, rank
from podium.web.search import Term, field_matches

MODES = ("normalized", "raw")
_SERIAL = itertools.count(1)


def value(row: dict, key: str, mode: str):
    """A cell's value in a score mode: tasks and the average change with it, other columns do not."""
    if key == "average":
        return row["average"][mode]
    if key in row["scores"]:
        return row["scores"][key][mode]
    if key == "rank":
        return row["static_rank"][mode]
    if key == "rank_interval":
        found = row["rank_interval"][mode]
        return None if found is None else (found.best, found.worst)
    return row.get(key)


def finish(ordered: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The step every snapshot ends with, built whole or updated in place: each score mode's ranks and
    rank ranges over the whole board (`ranking.rank`; `ordered`: the rows, best first where known),
    written into the rows; returns each mode's rank order. An update shares its unchanged rows with
    the previous snapshot and rewrites their rank fields in place (a new average moves every range)."""
    found = {}
    for mode, rows in ordered.items():
        ranking = rank(rows, mode)
        for row in rows:
            row["static_rank"][mode] = ranking.ranks.get(row["id"])
            row["rank_interval"][mode] = ranking.ranges.get(row["id"])
        found[mode] = ranking.order
    return found


class Snapshot:
    """A board's rows with the indexes that make a query set algebra instead of a scan.

    Enumerated columns and yes/no columns are indexed at build time; search terms, field
    filters and sort orders are computed on first use and cached for the snapshot's life.
    """

    MAX_CACHED = 512

    def __init__(self, suite: SuiteSpec, ranked: dict[str, list[dict]], cursor: Cursor, version: str | None = None,
                 versions: tuple[SuiteVersion, ...] = (), indexes: Indexes | None = None):
        """`ranked`: each score mode's rows in rank order, as `finish` left them; `indexes`: patched ones
        (`podium.web.board.changes`), else built from the rows."""
        self.suite, self.ranked, self.cursor = suite, ranked, cursor  # cursor: how far the change log is applied
        self.version, self.versions = version, versions  # the suite version shown; every version with results
        self.fingerprint = next(_SERIAL)  # what caches of things drawn from this snapshot key on
        self.built_at = time.time()
        self.rows = ranked[MODES[0]]
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
        """Entry ids sorted by one column; empty cells last either way, ties in static-rank order, and
        incomplete averages after every complete one (their own section: they are not ranked)."""
        def compute():
            present = [r for r in self.ranked[mode] if value(r, key, mode) is not None]
            empty = [r for r in self.ranked[mode] if value(r, key, mode) is None]
            text = present and isinstance(value(present[0], key, mode), str)
            present.sort(key=(lambda r: value(r, key, mode).lower()) if text else (lambda r: value(r, key, mode)),
                         reverse=descending)
            both = present + empty
            return [r["id"] for r in both if r["complete"]] + [r["id"] for r in both if not r["complete"]]
        return self._cached(("order", key, mode, descending), compute)

    def complete_ids(self) -> set[int]:
        return self._cached(("complete",), lambda: self.everything - self.sets["incomplete"])

    def ranked_ids(self, mode: str) -> list[int]:
        """Ids of the ranked rows (complete averages), best first."""
        return self._cached(("ranked", mode),
                            lambda: [r["id"] for r in self.ranked[mode] if r["static_rank"][mode] is not None])


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
        "complete": complete, "scores": scores, "static_rank": {}, "rank_interval": {},
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
    return Snapshot(suite, finish(dict.fromkeys(MODES, rows)), cursor, shown, versions)
