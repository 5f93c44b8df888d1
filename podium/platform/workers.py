"""The workers table: what each worker can run, so submissions and claims respect it.

A worker detects its hardware once (`detect`), writes it on start and refreshes `seen_at`
while it polls and heartbeats (`advertise`). Workers seen within `worker_seen_seconds` are
the deployment's: a submission that none of them can run (a quantized precision without a
GPU worker that has the library, more GPUs than any GPU worker holds) is refused with the
reason; a job with no special needs is accepted before any worker has registered. A worker
claims only jobs it can run (`claimable`), so a job is never run in another precision.
"""

from __future__ import annotations

import socket
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from podium.platform.capacity import Capabilities, Needs, cannot_run
from podium.platform.config import Settings
from podium.platform.db import utcnow
from podium.platform.errors import SubmissionRejected
from podium.platform.models import Job, Model, Worker
from podium.platform.vocab import QUANTIZED_PRECISIONS


def detect() -> Capabilities:
    """This machine: CUDA GPUs (count, memory of the smallest, name) and the quantizations it can run."""
    import torch

    from podium.engine.quantization import supported

    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if count == 0:
        return Capabilities("cpu")
    props = [torch.cuda.get_device_properties(i) for i in range(count)]
    return Capabilities("cuda", count, round(min(p.total_memory for p in props) / 1e9, 1), props[0].name,
                        tuple(q for q in supported() if q in QUANTIZED_PRECISIONS))


def advertise(session: Session, worker_id: str, caps: Capabilities, now: datetime | None = None) -> None:
    """Insert or refresh this worker's row."""
    now = now or utcnow()
    row = session.get(Worker, worker_id)
    if row is None:
        row = Worker(id=worker_id, host=socket.gethostname()[:200], started_at=now)
        session.add(row)
    row.device_kind, row.gpu_count, row.gpu_memory_gb = caps.device_kind, caps.gpu_count, caps.gpu_memory_gb
    row.gpu_name, row.quantization, row.seen_at = caps.gpu_name, list(caps.quantization), now
    session.flush()


def capabilities(row: Worker) -> Capabilities:
    return Capabilities(row.device_kind, row.gpu_count, row.gpu_memory_gb, row.gpu_name, tuple(row.quantization))


def registered(session: Session, settings: Settings, now: datetime | None = None) -> list[Worker]:
    since = (now or utcnow()) - timedelta(seconds=settings.worker_seen_seconds)
    return list(session.scalars(select(Worker).where(Worker.seen_at >= since).order_by(Worker.id)))


def check_runnable(session: Session, needs: Needs, settings: Settings, now: datetime | None = None) -> None:
    """Refuse a job that no registered worker can run (SubmissionRejected 'hardware')."""
    workers = [capabilities(w) for w in registered(session, settings, now)]
    if any(cannot_run(c, needs) is None for c in workers):
        return
    gpu_workers = [c for c in workers if c.device_kind == "cuda"]
    if needs.cuda:
        able = [c for c in gpu_workers if needs.precision in c.quantization]
        if not able:
            why = ("none of its GPU workers has the library for it" if gpu_workers
                   else "quantized weights run on CUDA GPUs only, and none is registered")
            raise SubmissionRejected(
                "hardware", f"This leaderboard has no GPU worker for {needs.precision}: {why}.",
                hint="Submit the model in float16 or bfloat16, or ask the operators to add such a worker.")
        most = max(c.gpu_count for c in able)
        raise SubmissionRejected(
            "hardware", f"The model needs {needs.gpus} GPUs in {needs.precision}; the largest GPU worker for "
            f"{needs.precision} on this leaderboard has {most}.")
    if gpu_workers and not any(c.device_kind == "cpu" for c in workers):
        most = max(c.gpu_count for c in gpu_workers)
        raise SubmissionRejected(
            "hardware", f"The model needs {needs.gpus} GPUs in {needs.precision}; the largest GPU worker on this "
            f"leaderboard has {most}.", hint="Submit it in a smaller precision, or ask the operators for more GPUs.")


def claimable(caps: Capabilities):
    """SQL condition over Job and Model: the jobs this worker can run (the same rule as `cannot_run`)."""
    quantized = Model.precision.in_(QUANTIZED_PRECISIONS)
    if caps.device_kind != "cuda":
        return ~quantized
    allowed = or_(~quantized, Model.precision.in_(caps.quantization)) if caps.quantization else ~quantized
    return and_(allowed, Job.gpus <= caps.gpu_count)
