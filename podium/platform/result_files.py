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
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ParsedResult:
    suite: str
    tasks: dict
    average: float | None
    average_complete: bool
    provenance: dict


def read_json(path: Path) -> dict | None:
    """A JSON object from disk, or None when missing or half-written."""
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def parse_results(out_dir: Path) -> ParsedResult | None:
    """The `podium` block of results.json, or None if the file is missing or incomplete."""
    data = read_json(out_dir / "results.json")
    block = (data or {}).get("podium")
    if not isinstance(block, dict) or not isinstance(block.get("tasks"), dict) or not block["tasks"]:
        return None
    provenance = {k: block.get(k) for k in ("model", "run", "versions", "data", "missing_tasks")}
    if "trace" in block:  # the tracing suite's base model and timings
        provenance["trace"] = block["trace"]
    return ParsedResult(
        suite=str(block.get("suite", "")), tasks=block["tasks"], average=block.get("average"),
        average_complete=bool(block.get("average_complete", True)), provenance=provenance,
    )


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
