"""What the board and entry pages say about the data behind their numbers, so a reader never
takes a demo's or a partial run's scores for the real benchmark's.

Two sources: the deployment's own notice (`WebConfig.data_notice`: `podium serve --demo` says
it runs tiny models on a few documents, and on synthetic fixture tasks when there is no data
folder), and the tasks that could not run on this deployment's data (a gated dataset such as
GPQA missing from the data folder), read from the results' own task statuses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from podium.platform.models import Result

RECENT_RESULTS = 20  # a board's notice reflects its latest evaluations, not entries from long ago


@dataclass(frozen=True)
class Notices:
    deployment: str | None = None
    unavailable: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (task title, why)

    def __bool__(self) -> bool:
        return bool(self.deployment or self.unavailable)


def unavailable_tasks(results: list[dict]) -> tuple[tuple[str, str], ...]:
    """(title, reason) of every task some of these results' tasks (`Result.tasks`) could not run
    for want of data, first reason kept; in the order first seen."""
    found: dict[str, tuple[str, str]] = {}
    for tasks in results:
        for key, task in tasks.items():
            if task.get("status") == "unavailable" and key not in found:
                found[key] = (task.get("title") or key, task.get("error") or "its data is unavailable")
    return tuple(found.values())


def board_notices(session: Session, deployment: str | None, suite: str) -> Notices:
    latest = session.scalars(select(Result.tasks).where(Result.suite == suite)
                             .order_by(Result.id.desc()).limit(RECENT_RESULTS)).all()
    return Notices(deployment, unavailable_tasks(list(latest)))


def entry_notices(deployment: str | None, detail: dict) -> Notices:
    """From `entries.entry_detail`: its result's tasks that lacked data."""
    tasks = (detail.get("result") or {}).get("tasks") or []
    return Notices(deployment, unavailable_tasks([{t["key"]: t for t in tasks}]))
