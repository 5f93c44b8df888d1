"""The tracing board: which models derive from which base, by the neuron-matching test.

Rows come from the store (finished jobs of the tracing kind's suites, newest per model and
precision: the trace record each run keeps whole in its provenance) and from records operators
drop into `<PODIUM_HOME>/traces/*.json` (`podium trace --json`, `TraceResult.to_dict()`), e.g.
for pairs the board's base does not cover; both are the same trace record, read by one
function. Below the board, the provenance checks the worker ran on models that declare a base.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from podium.eval.kinds.tracing import TRACING
from podium.eval.suites import SUITES
from podium.paths import podium_home
from podium.platform.models import Job, Model, Result, Submission
from podium.record import Provenance
from podium.tracing.verdict import verdict

FIELDS = ("model", "base", "test", "log10_p", "p_value", "perplexity", "bits_per_byte", "n_tokens", "metric")
_cache: dict[str, tuple[float, list[dict]]] = {}


def traces_dir() -> Path:
    return podium_home() / "traces"


def trace_row(record: dict, **extra) -> dict:
    """A board row from a trace record (`TraceResult.to_dict()` fields); `extra` overrides (the store's model name)."""
    row = {**{k: record.get(k) for k in FIELDS}, **extra}
    if not isinstance(row["log10_p"], (int, float)):
        row["log10_p"] = None
    row.update(verdict=verdict(row["model"], row["base"], row["log10_p"]),
               why=(record.get("error") or {}).get("message"))
    return row


def _read(path: Path) -> dict | None:
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("model"), str):
        return None
    return trace_row(record, source="file", entry=None)


def file_rows(folder: Path | None = None) -> list[dict]:
    """Every readable record of the operators' folder; re-read only when the folder changes."""
    folder = folder or traces_dir()
    if not folder.is_dir():
        return []
    stamp = max([folder.stat().st_mtime, *(p.stat().st_mtime for p in folder.glob("*.json"))])
    cached = _cache.get(str(folder))
    if cached and cached[0] == stamp:
        return cached[1]
    rows = [r for r in (_read(p) for p in sorted(folder.glob("*.json"))) if r]
    _cache[str(folder)] = (stamp, rows)
    return rows


def store_rows(session: Session) -> list[dict]:
    """The newest finished result of each model (repo, revision, precision) on a tracing suite."""
    suites = [s.name for s in SUITES.values() if s.kind is TRACING]
    query = (select(Model, Submission, Result).join(Submission, Submission.model_id == Model.id)
             .join(Job, Job.submission_id == Submission.id).join(Result, Result.job_id == Job.id)
             .where(Submission.suite.in_(suites)).order_by(Result.id.desc()))
    seen, rows = set(), []
    for model, sub, result in session.execute(query):
        if model.id not in seen:
            seen.add(model.id)
            record = Provenance.from_json(result.provenance).kind_detail or {}
            rows.append(trace_row(record, model=model.repo_id, source="store", entry=sub.id,
                                  precision=model.precision))
    return rows


def tracing_rows(session: Session | None = None, folder: Path | None = None) -> list[dict]:
    """Store and file rows together, strongest evidence of derivation first."""
    rows = [*(store_rows(session) if session is not None else []), *file_rows(folder)]
    rows.sort(key=lambda r: (r["log10_p"] is None, r["log10_p"] if r["log10_p"] is not None else 0, r["model"]))
    return rows


def provenance_checks(session: Session, limit: int = 200) -> list[dict]:
    """The worker's checks of declared bases (results whose provenance has `base_check`), newest first."""
    query = (select(Model.repo_id, Submission.id, Submission.suite, Result.provenance)
             .join(Submission, Submission.model_id == Model.id).join(Result, Result.submission_id == Submission.id)
             .where(Model.base_model.is_not(None), Model.weight_type == "Original",
                    Result.provenance["base_check"].as_string().is_not(None))  # before the limit: only checked ones
             .order_by(Result.id.desc()).limit(limit))
    checks = []
    for repo_id, entry, suite, prov in session.execute(query):
        check = Provenance.from_json(prov).base_check
        if check is not None:
            checks.append({"model": repo_id, "entry": entry, "suite": suite, **check.to_json()})
    return checks
