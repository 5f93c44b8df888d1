"""Executors: what runs the attempts a worker claimed from the job table.

    local  each attempt as a supervised child process on this machine, one at a time (the default
           of `podium worker` and `podium serve`: nothing to install or start)
    ray    each attempt as a Ray job on a cluster of GPU hosts (`podium worker --executor ray`)

The job table stays authoritative: an executor runs only attempts the database handed out
(`queue.claim_next`), and an attempt's result is accepted only with its attempt number, the
fencing token (`queue.complete`). The worker's loop is the same for both: record what ended,
claim while the executor has room, hand the claim to the executor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from podium.platform.capacity import Capabilities
from podium.platform.queue import Claim
from podium.platform.supervisor import RunOutcome


@dataclass(frozen=True)
class Ended:
    """An attempt that ended on an executor, for the worker to record (fenced by its attempt)."""

    claim: Claim
    outcome: RunOutcome
    run_dir: Path  # holds out/ (the evaluator's output folder) and eval.log
    base_check: dict | None = None  # the provenance check's verdict, when one ran


class Executor(Protocol):
    name: str

    def capabilities(self) -> Capabilities:
        """What it can run at all (advertised in the workers table)."""

    def room(self) -> Capabilities | None:
        """What the next claim may need to start now; None when it has no room."""

    def launch(self, claim: Claim, claimed_at: float) -> None:
        """Start running a claimed attempt (the local executor runs it to its end)."""

    def reconcile(self) -> list[Ended]:
        """Look after the attempts it runs; returns those that ended, to record."""


class LocalExecutor:
    """Today's behaviour: the worker runs each attempt itself (`Worker.execute`), so it always has
    room once the previous attempt has been recorded, and its reconciler is the lease reaper."""

    name = "local"

    def __init__(self, caps: Capabilities, run: Callable[[Claim, float], object]):
        self.caps, self.run = caps, run

    def capabilities(self) -> Capabilities:
        return self.caps

    def room(self) -> Capabilities:
        return self.caps

    def launch(self, claim: Claim, claimed_at: float) -> None:
        self.run(claim, claimed_at)

    def reconcile(self) -> list[Ended]:
        return []
