"""Reading an evaluation's output folder and publishing it atomically.

The evaluator writes into a scratch folder under `runs/`. Only a complete, parseable
results.json is published, by renaming the whole folder to `results/job-<id>/attempt-<n>`
(one rename on one filesystem, so readers see all of it or none of it) before the database
records it. A crash between rename and commit leaves a complete but unrecorded folder, which
the next attempt removes; a stale attempt's folder is deleted when its commit is refused.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from podium.record import RecordError, RunError, RunRecord


def read_json(path: Path) -> dict | None:
    """A JSON object from disk, or None when missing or half-written."""
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def parse_results(out_dir: Path) -> RunRecord | None:
    """The run record of results.json, or None if the file is missing, half-written or has no
    task; a record of another schema raises `RecordError` (the job fails with that message)."""
    data = read_json(out_dir / "results.json")
    if data is None or "podium" not in data:
        return None
    record = RunRecord.from_json(data["podium"])
    return record if record.tasks else None


def read_error(out_dir: Path) -> RunError | None:
    """The evaluator's own report of why it stopped (error.json), if it wrote a readable one."""
    data = read_json(out_dir / "error.json")
    if data is None:
        return None
    try:
        return RunError.from_json(data)
    except RecordError as err:  # an error file of another version still says something
        return RunError(err.kind, err.render())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(out_dir: Path, results_root: Path, job_id: int, attempt: int) -> Path:
    """Move a complete output folder to its final name; removes leftovers of earlier attempts
    (never later ones: a stale attempt finishing late must not touch the current one's folder)."""
    job_dir = results_root / f"job-{job_id}"
    job_dir.mkdir(parents=True, exist_ok=True)
    for old in job_dir.glob("attempt-*"):
        if old.name.split("-")[1].isdigit() and int(old.name.split("-")[1]) < attempt:
            shutil.rmtree(old, ignore_errors=True)
    final = job_dir / f"attempt-{attempt}"
    os.rename(out_dir, final)
    _fsync_dir(job_dir)
    return final


def retract(published: Path) -> None:
    """Remove a published folder whose database commit was refused (stale attempt)."""
    shutil.rmtree(published, ignore_errors=True)
