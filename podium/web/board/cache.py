"""The snapshots one app serves, one per suite and version asked for, kept current from the change log.

Every `recheck_seconds` at most (on a request), and at once when PostgreSQL notifies a change
(a listener thread, `podium.web.board.listen`), the change log is read and the snapshots
updated in place (`podium.web.board.changes`): several replicas over one database each keep
their own board current within about a second, and none rebuilds it. A board is rebuilt when
an update cannot be made; a rebuild slower than `sync_build_seconds` runs in a background
thread while readers keep the previous snapshot.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
import weakref

from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from podium.eval.suites import SuiteSpec
from podium.platform.config import Settings
from podium.web.board import listen
from podium.web.board.changes import refresh
from podium.web.board.snapshot import Snapshot, build

Key = tuple[str, str | None]
FREEZE_ROWS = 10_000  # boards this big are kept out of the garbage collector's full passes
log = logging.getLogger("podium.web")


class SnapshotCache:
    def __init__(self, factory: sessionmaker[Session], settings: Settings, recheck_seconds: float = 1.0,
                 sync_build_seconds: float = 0.5, notify_url: URL | None = None):
        """`notify_url`: a PostgreSQL database whose notifications to listen to (None: poll only)."""
        self.factory = factory
        self.settings = settings
        self.recheck_seconds = recheck_seconds
        self.sync_build_seconds = sync_build_seconds
        self._snapshots: dict[Key, Snapshot] = {}
        self._suites: dict[Key, SuiteSpec] = {}
        self._build_seconds: dict[Key, float] = {}
        self._checked: dict[Key, float] = {}
        self._building: set[Key] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.updates = self.rebuilds = 0  # counts, for the benchmark and tests: in-place updates, full builds
        if notify_url is not None:
            listen.start(notify_url, _waker(weakref.ref(self)), self._stop)

    def _build(self, suite: SuiteSpec, version: str | None) -> Snapshot:
        started = time.perf_counter()
        with self.factory() as session:
            snap = build(session, self.settings, suite, version)
        self._snapshots[(suite.name, version)] = snap
        self._build_seconds[(suite.name, version)] = time.perf_counter() - started
        self.rebuilds += 1
        if len(snap.rows) >= FREEZE_ROWS:
            # A full pass of Python's collector walks every object; a 100,000-entry board is millions, so each
            # pass (set off by any burst of allocations, an update's included) would stall the process for a
            # second. Rows hold no reference cycles: frozen, they are still freed once no snapshot holds them.
            gc.collect()
            gc.freeze()
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

    def _update(self, key: Key) -> None:
        """Apply the change log to one snapshot, or rebuild it (the caller holds the lock)."""
        if key in self._building:
            return
        snap, suite = self._snapshots[key], self._suites[key]
        with self.factory() as session:
            updated = refresh(session, self.settings, snap, key[1])
        if updated is None and self._build_seconds.get(key, 0) <= self.sync_build_seconds:
            self._build(suite, key[1])
        elif updated is None:
            self._rebuild_in_background(suite, key[1])
        else:
            self.updates += updated is not snap
            self._snapshots[key] = updated
        self._checked[key] = time.monotonic()

    def get(self, suite: SuiteSpec, version: str | None = None) -> Snapshot:
        key = (suite.name, version)
        snap = self._snapshots.get(key)
        if snap is not None and time.monotonic() - self._checked.get(key, 0) < self.recheck_seconds:
            return snap
        with self._lock:
            if key not in self._snapshots:
                self._suites[key] = suite
                self._build(suite, version)
                self._checked[key] = time.monotonic()
            elif time.monotonic() - self._checked.get(key, 0) >= self.recheck_seconds:
                self._update(key)
            return self._snapshots[key]

    def catch_up(self) -> None:
        """Apply the change log to every snapshot now (what a notification triggers)."""
        with self._lock:
            for key in list(self._snapshots):
                self._update(key)

    def invalidate(self) -> None:
        """After a write this process made (vote, flag): the next read applies it at once."""
        self._checked.clear()

    def close(self) -> None:
        """Stop listening (the app is shutting down)."""
        self._stop.set()


def _waker(ref: weakref.ref[SnapshotCache]):
    """What the listener calls: catch up while the cache lives (a weak reference, so an app that
    is dropped without being closed still goes, and its listener with it)."""
    def wake() -> bool:
        cache = ref()
        if cache is None:
            return False
        try:
            cache.catch_up()
        except DBAPIError as err:  # the database went away for a moment: the next notification or request retries
            log.warning("board update failed: %s", err)
        return True
    return wake
