"""Maintainer's picks (⭐): models the operators highlight on the board and evaluate first.

A pick attaches to a model repo (every revision and precision), like a flag, and is distinct
from official providers (organisations). It needs a reason readers can see; who picked and
unpicked it, and when, are kept (an unpicked row stays as history). At most one pick per repo
is active: the database's partial unique index settles two operators picking at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from podium.platform.db import utcnow
from podium.platform.errors import Conflict, NotFound
from podium.platform.identity import Actor, require_operator
from podium.platform.models import Model, Pick, User

MAX_REASON_CHARS = 2000


@dataclass(frozen=True)
class PickInfo:
    """An active pick as the API, the entry page and the CLI show it."""

    model: str
    reason: str
    picked_by: str | None  # the operator's username (None once that account is deleted)
    picked_at: datetime

    def as_dict(self) -> dict:
        return {"model": self.model, "reason": self.reason, "picked_by": self.picked_by, "picked_at": self.picked_at}


def is_picked(repo_id):
    """SQL condition over a repo id column (e.g. `Model.repo_id`): the repo has an active pick."""
    return exists().where(Pick.repo_id == repo_id, Pick.removed_at.is_(None))


def pick_model(session: Session, repo_id: str, reason: str, actor: Actor) -> int:
    """Mark a model as a maintainer's pick; returns the pick's id."""
    require_operator(actor, "pick models")
    reason = reason.strip()
    if not reason:
        raise Conflict("A pick needs a reason that readers can see (why this model is worth a look).")
    if len(reason) > MAX_REASON_CHARS:
        raise Conflict(f"Keep the reason of a pick under {MAX_REASON_CHARS} characters.")
    if session.scalar(select(Model.id).where(Model.repo_id == repo_id).limit(1)) is None:
        raise NotFound(f"There is no model {repo_id}; picks are for submitted models.")
    try:
        with session.begin_nested():
            pick = Pick(repo_id=repo_id, reason=reason, created_by_id=actor.id)
            session.add(pick)
            session.flush()
    except IntegrityError:
        current = active_pick(session, repo_id)
        by = f" by {current.picked_by}" if current and current.picked_by else ""
        raise Conflict(f"{repo_id} is already a maintainer's pick{by}; unpick it first to change the reason.") from None
    return pick.id


def unpick_model(session: Session, repo_id: str, actor: Actor) -> bool:
    """End the model's active pick (kept as history); False when it had none."""
    require_operator(actor, "unpick models")
    return bool(session.execute(
        update(Pick).where(Pick.repo_id == repo_id, Pick.removed_at.is_(None))
        .values(removed_at=utcnow(), removed_by_id=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount)


def _active():
    picker = aliased(User)
    return (select(Pick.repo_id, Pick.reason, picker.username, Pick.created_at)
            .outerjoin(picker, picker.id == Pick.created_by_id).where(Pick.removed_at.is_(None)))


def active_pick(session: Session, repo_id: str) -> PickInfo | None:
    found = session.execute(_active().where(Pick.repo_id == repo_id)).first()
    return None if found is None else PickInfo(*found)


def active_picks(session: Session) -> list[PickInfo]:
    """Every active pick, newest first."""
    return [PickInfo(*row) for row in session.execute(_active().order_by(Pick.created_at.desc(), Pick.id.desc()))]
