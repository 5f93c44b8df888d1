"""An in-memory copy of one suite's board, rebuilt only when the database changed.

The platform's `leaderboard()` view is one query; running it (and ranking 10,000 rows) per
request would cost far more than the 50 ms budget, while filtering and sorting a list in
memory costs a few milliseconds. So each suite keeps a snapshot, and a cheap fingerprint
query (latest result, flags, availability, providers) decides when to rebuild it; that query
itself runs at most once per `recheck_seconds`, so a burst of requests touches no database.
"""

from __future__ import annotations

import bisect
import threading
import time

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, sessionmaker

from podium.eval.suites import SuiteSpec
from podium.platform.config import Settings
from podium.platform.data_notice import notice
from podium.platform.leaderboard import BoardRow, SuiteVersion, leaderboard, suite_versions
from podium.platform.models import Flag, Model, OfficialProvider, Pick, Result
from podium.platform.vocab import MODEL_TYPES
from podium.record import TaskScore
from podium.web.board.columns import search_fields
from podium.web.board.ranking import average_standard_error, rank
from podium.web.search import Term, field_matches

MODES = ("normalized", "raw")


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


class Snapshot:
    """A board's rows with the indexes that make a query set algebra instead of a scan.

    Enumerated columns and yes/no columns are indexed at build time; search terms, field
    filters and sort orders are computed on first use and cached for the snapshot's life.
    """

    MAX_CACHED = 512

    def __init__(self, suite: SuiteSpec, rows: list[dict], fingerprint: tuple, version: str | None = None,
                 versions: tuple[SuiteVersion, ...] = ()):
        self.suite, self.rows, self.fingerprint = suite, rows, fingerprint
        self.version, self.versions = version, versions  # the suite version shown; every version with results
        self.built_at = time.time()
        self.by_id = {r["id"]: r for r in rows}
        self.everything = set(self.by_id)
        self.ranked: dict[str, list[dict]] = {}  # best first per score mode: static ranks, dynamic rank order
        self.rerank()
        self.names = [(r["id"], r["model"], r["model"].lower()) for r in rows]
        self.by_value = {key: _index(rows, key) for key in ("type", "precision")}
        self.sets = {"merged": {r["id"] for r in rows if r["merged"]}, "moe": {r["id"] for r in rows if r["moe"]},
                     "flagged": {r["id"] for r in rows if r["flagged"]},
                     "unavailable": {r["id"] for r in rows if not r["available"]},
                     "official": {r["id"] for r in rows if r["official"]},
                     "picked": {r["id"] for r in rows if r["picked"]},
                     "incomplete": {r["id"] for r in rows if not r["complete"]}}
        self.by_params = sorted((r["params"], r["id"]) for r in rows if r["params"] is not None)

    def rerank(self) -> None:
        """Ranks, rank ranges and the rank order of every score mode, from the rows as they are now
        (`ranking.rank`): at build, and again after rows change in place."""
        for mode in MODES:
            ranking = rank(self.rows, mode)
            for row in self.rows:
                row["static_rank"][mode] = ranking.ranks.get(row["id"])
                row["rank_interval"][mode] = ranking.ranges.get(row["id"])
            self.ranked[mode] = ranking.order
        self._cache: dict[tuple, object] = {}  # sort orders and ranked ids depend on the ranks

    def _cached(self, key: tuple, compute):
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) >= self.MAX_CACHED:
                self._cache.clear()
            found = self._cache[key] = compute()
        return found

    def term_ids(self, term: Term) -> set[int]:
        return self._cached(("term", term.text), lambda: term.select(self.names))

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


def _index(rows: list[dict], key: str) -> dict[str, set[int]]:
    index: dict[str, set[int]] = {}
    for row in rows:
        index.setdefault(row[key], set()).add(row["id"])
    return index


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


def fingerprint(session: Session) -> tuple:
    """Changes whenever a board could look different: results, flags, availability, providers, picks."""
    return tuple(session.execute(select(
        select(func.max(Result.id)).scalar_subquery(),
        select(func.count(Result.id)).scalar_subquery(),
        select(func.max(Flag.id)).scalar_subquery(),
        select(func.count(Flag.id)).where(Flag.resolved_at.is_(None)).scalar_subquery(),
        select(func.count(Model.id)).scalar_subquery(),
        select(func.sum(case((Model.available, 1), else_=0))).scalar_subquery(),
        select(func.count(OfficialProvider.id)).scalar_subquery(),
        select(func.max(Pick.id)).scalar_subquery(),
        select(func.count(Pick.id)).where(Pick.removed_at.is_(None)).scalar_subquery(),
    )).one())


def build(session: Session, settings: Settings, suite: SuiteSpec, version: str | None = None) -> Snapshot:
    stamp = fingerprint(session)
    board = leaderboard(session, settings, suite.name, version)
    versions = tuple(suite_versions(session, suite.name))
    flags = {repo: (fid, url) for fid, repo, url in session.execute(
        select(Flag.id, Flag.repo_id, Flag.evidence_url).where(Flag.resolved_at.is_(None)).order_by(Flag.id))}
    notices: dict = {}
    rows = [_entry(r, suite, flags.get(r.repo_id), notices) for r in board.rows]
    return Snapshot(suite, rows, stamp, board.version or (versions[0].version if versions else None), versions)


class SnapshotCache:
    """One snapshot per suite and version asked for (None: the current version). The fingerprint is
    checked at most every `recheck_seconds`; when it moved, a board that builds quickly is rebuilt at
    once, and a big one (a build slower than `sync_build_seconds`) is rebuilt in a background thread
    while readers keep the previous snapshot."""

    def __init__(self, factory: sessionmaker[Session], settings: Settings, recheck_seconds: float = 1.0,
                 sync_build_seconds: float = 0.5):
        self.factory = factory
        self.settings = settings
        self.recheck_seconds = recheck_seconds
        self.sync_build_seconds = sync_build_seconds
        self._snapshots: dict[tuple[str, str | None], Snapshot] = {}
        self._build_seconds: dict[tuple[str, str | None], float] = {}
        self._checked: dict[tuple[str, str | None], float] = {}
        self._building: set[tuple[str, str | None]] = set()
        self._lock = threading.Lock()

    def _build(self, suite: SuiteSpec, version: str | None) -> Snapshot:
        started = time.perf_counter()
        with self.factory() as session:
            snap = build(session, self.settings, suite, version)
        self._snapshots[(suite.name, version)] = snap
        self._build_seconds[(suite.name, version)] = time.perf_counter() - started
        return snap

    def _rebuild_in_background(self, suite: SuiteSpec, version: str | None) -> None:
        key = (suite.name, version)

        def run():
            try:
                self._build(suite, version)
            finally:
                self._building.discard(key)

        self._building.add(key)
        threading.Thread(target=run, name=f"board-{suite.name}", daemon=True).start()

    def get(self, suite: SuiteSpec, version: str | None = None) -> Snapshot:
        key = (suite.name, version)
        snap = self._snapshots.get(key)
        if snap is not None and time.monotonic() - self._checked.get(key, 0) < self.recheck_seconds:
            return snap
        with self._lock:
            snap = self._snapshots.get(key)
            if snap is not None and time.monotonic() - self._checked.get(key, 0) < self.recheck_seconds:
                return snap
            if snap is None:
                snap = self._build(suite, version)
            elif key not in self._building:
                with self.factory() as session:
                    moved = fingerprint(session) != snap.fingerprint
                if moved and self._build_seconds.get(key, 0) <= self.sync_build_seconds:
                    snap = self._build(suite, version)
                elif moved:
                    self._rebuild_in_background(suite, version)
            self._checked[key] = time.monotonic()
            return snap

    def invalidate(self) -> None:
        """After a write this process made (vote, flag): the next read rechecks at once."""
        self._checked.clear()
