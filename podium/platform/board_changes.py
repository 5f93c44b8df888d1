"""Reading the board change log (migration 0012): what changed since a board last looked.

Triggers log every write that can change a board row as (kind, key): an entry (submission id),
a repo (its models' entries) or an org (official providers). Ids are handed out when a row is
logged but become visible when its transaction commits, so on PostgreSQL a later id can be
visible before an earlier one: a reader remembers the ids it applied above a floor, and moves
the floor only past changes logged more than GRACE_SECONDS ago (by then committed or gone).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from podium.platform.models import BoardChange, Model, Submission

RETAIN = 100_000  # the triggers keep the newest this many changes (migration 0012)
GRACE_SECONDS = 60.0  # a write transaction is assumed to commit within this long after it logs a change
START_WINDOW = 10_000  # a board built now counts this many newest changes as already in it
NOTIFY_CHANNEL = "podium_board"  # what the PostgreSQL triggers NOTIFY


@dataclass(frozen=True)
class Cursor:
    """How far a board has read the log: every id up to `floor`, and the ids in `seen` above it."""

    floor: int = 0
    seen: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Batch:
    """The changes a board has not applied yet, and the cursor once it has."""

    cursor: Cursor
    changes: frozenset[tuple[str, str]]  # (kind, key)
    missed: bool  # the log no longer holds every change after the old floor: rebuild instead


def _now(session: Session) -> float:
    """Unix seconds by the database's clock (the one the triggers stamp changes with)."""
    if session.get_bind().dialect.name == "postgresql":
        return float(session.execute(select(func.extract("epoch", func.clock_timestamp()))).scalar_one())
    return float(session.execute(select(literal_column("(julianday('now') - 2440587.5) * 86400.0"))).scalar_one())


def pending(session: Session, cursor: Cursor) -> Batch:
    found = session.execute(select(BoardChange.id, BoardChange.kind, BoardChange.key, BoardChange.at)
                            .where(BoardChange.id > cursor.floor).order_by(BoardChange.id)).all()
    if not found:
        return Batch(cursor, frozenset(), False)
    settled = _now(session) - GRACE_SECONDS
    floor = max((row.id for row in found if row.at < settled), default=cursor.floor)
    fresh = [row for row in found if row.id not in cursor.seen]
    return Batch(Cursor(floor, frozenset(row.id for row in found if row.id > floor)),
                 frozenset((row.kind, row.key) for row in fresh), cursor.floor < found[-1].id - RETAIN)


def start(session: Session) -> Cursor:
    """The cursor of a board built now, read before its rows: a change that commits during the
    build is applied again afterwards (harmless) rather than missed."""
    newest = session.execute(select(func.max(BoardChange.id))).scalar() or 0
    return pending(session, Cursor(max(0, newest - START_WINDOW))).cursor


def entries(session: Session, suite: str, changes: frozenset[tuple[str, str]]) -> set[int]:
    """The entries of `suite` the changes touch, as the store holds them now (an entry that is
    gone from the store is found through the board that still shows it, by the caller)."""
    found = {int(key) for kind, key in changes if kind == "submission"}
    for kind, column in (("repo", Model.repo_id), ("org", Model.org)):
        keys = sorted(key for k, key in changes if k == kind)
        if keys:
            found |= set(session.scalars(select(Submission.id).join(Model, Submission.model_id == Model.id)
                                         .where(Submission.suite == suite, column.in_(keys))))
    return found
