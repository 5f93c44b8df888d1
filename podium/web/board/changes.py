"""Keeping a board snapshot current from the store's change log, without rebuilding it.

A new result, flag or vote touches a few entries: their rows are read again (the platform's
leaderboard query restricted to them), put in place in each rank order by bisection, and the
indexes patched (`podium.web.board.indexes`); the new snapshot ranks the board again on first
use (ranks and rank ranges over every row, vectorised: `ranking.Ranking`), unless what ranking
reads is unchanged (a flag, a vote, a pick) and it keeps the previous ranking. A rebuild is
asked for instead when the log no longer holds what the board missed, when the board's
version stopped being the current one, or when so many entries changed that a rebuild is as
quick.
"""

from __future__ import annotations

import bisect

from sqlalchemy.orm import Session

from podium.platform import board_changes
from podium.platform.config import Settings
from podium.platform.leaderboard import suite_versions
from podium.web.board.indexes import patch
from podium.web.board.ranking import order_key
from podium.web.board.snapshot import MODES, Snapshot, entry_rows

MAX_TOUCHED = 5_000  # entries one update may re-read; beyond that, rebuild


def _touched(session: Session, snap: Snapshot, changes: frozenset[tuple[str, str]]) -> set[int]:
    """The entries the changes touch: as the store holds them, and as the board shows them
    (an entry whose model was deleted is only found on the board)."""
    found = board_changes.entries(session, snap.suite.name, changes)
    if any(kind != "submission" for kind, _ in changes):
        found |= {r["id"] for r in snap.rows if ("repo", r["model"]) in changes or ("org", r["org"]) in changes}
    return found


def refresh(session: Session, settings: Settings, snap: Snapshot, version: str | None) -> Snapshot | None:
    """`snap` with the log's new changes applied (itself when none touched it), or None when it must be
    rebuilt. `version`: the version the board was asked for (None: whichever is current)."""
    batch = board_changes.pending(session, snap.cursor)
    if batch.missed:
        return None
    touched = _touched(session, snap, batch.changes) if batch.changes else set()
    if len(touched) > MAX_TOUCHED:
        return None
    results_moved = touched and any(kind == "submission" for kind, _ in batch.changes)
    versions = tuple(suite_versions(session, snap.suite.name)) if results_moved else snap.versions
    shown = version or (versions[0].version if versions else None)
    if shown != snap.version:
        return None
    _, fresh = entry_rows(session, settings, snap.suite, shown, frozenset(touched)) if touched else (None, [])
    before = [snap.by_id[i] for i in touched if i in snap.by_id]
    if not before and not fresh:
        snap.cursor = batch.cursor  # nothing on this board changed: the same rows, read further
        return snap
    ranked = {}
    for mode in MODES:  # out by bisection, in by bisection: each row's sort key is unique (ties by entry id)
        key = order_key(mode)
        ordered = list(snap.ranked[mode])
        for row in before:
            del ordered[bisect.bisect_left(ordered, key(row), key=key)]
        for row in fresh:
            bisect.insort(ordered, row, key=key)
        ranked[mode] = ordered
    kept = snap.rankings if _ranked_alike(before, fresh) else None  # a flag, a vote, a pick: same places
    return Snapshot(snap.suite, ranked, batch.cursor, shown, versions, patch(snap.indexes, before, fresh), kept)


def _ranked_alike(before: list[dict], after: list[dict]) -> bool:
    """Whether the same entries are on the board with what ranking reads unchanged."""
    def inputs(rows):
        return sorted((r["id"], r["complete"], r["average"], r["average_se"]) for r in rows)
    return len(before) == len(after) and inputs(before) == inputs(after)
