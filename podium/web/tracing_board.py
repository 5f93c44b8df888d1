"""The tracing board: which models derive from which base, by the neuron-matching test.

Rows come from the store (finished jobs of the `trace` suite, newest per model and precision)
and from records operators drop into `<PODIUM_HOME>/traces/*.json` (`podium trace --json`,
`TraceResult.to_dict()`), e.g. for pairs the board's base does not cover. Below the board,
the provenance checks the worker ran on models that declare a base (`base_check`).
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from podium.paths import podium_home
from podium.platform.models import Job, Model, Result, Submission

DERIVED_LOG10_P = -6.0
FIELDS = ("model", "base", "test", "log10_p", "p_value", "perplexity", "bits_per_byte", "n_tokens", "metric")
_cache: dict[str, tuple[float, list[dict]]] = {}


def traces_dir() -> Path:
    return podium_home() / "traces"


def _verdict(row: dict) -> str:
    log10_p = row["log10_p"] if isinstance(row.get("log10_p"), (int, float)) else None
    return ("no base" if not row.get("base") else "the base itself" if row.get("model") == row["base"]
            else "not testable" if log10_p is None
            else "derived" if log10_p <= DERIVED_LOG10_P else "independent")


def _read(path: Path) -> dict | None:
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("model"), str):
        return None
    row = {k: record.get(k) for k in FIELDS}
    row.update(verdict=_verdict(row), source="file", entry=None, why=(record.get("error") or {}).get("message"))
    return row


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


def _store_row(model: Model, sub: Submission, result: Result) -> dict:
    ppl = result.tasks.get("perplexity") or {}
    match = result.tasks.get("match") or {}
    row = {"model": model.repo_id, "base": match.get("base") or (result.provenance.get("trace") or {}).get("base"),
           "test": match.get("test"), "log10_p": match.get("raw"), "p_value": match.get("p_value"),
           "perplexity": ppl.get("raw"), "bits_per_byte": ppl.get("bits_per_byte"), "n_tokens": match.get("tokens"),
           "metric": "cosine", "source": "store", "entry": sub.id, "precision": model.precision,
           "why": match.get("error")}
    row["verdict"] = _verdict(row)
    return row


def store_rows(session: Session) -> list[dict]:
    """The newest finished `trace` result of each model (repo, revision, precision)."""
    query = (select(Model, Submission, Result).join(Submission, Submission.model_id == Model.id)
             .join(Job, Job.submission_id == Submission.id).join(Result, Result.job_id == Job.id)
             .where(Submission.suite == "trace").order_by(Result.id.desc()))
    seen, rows = set(), []
    for model, sub, result in session.execute(query):
        if model.id not in seen:
            seen.add(model.id)
            rows.append(_store_row(model, sub, result))
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
             .where(Model.base_model.is_not(None), Model.weight_type == "Original")
             .order_by(Result.id.desc()).limit(limit))
    checks = []
    for repo_id, entry, suite, prov in session.execute(query):
        check = (prov or {}).get("base_check")
        if isinstance(check, dict):
            checks.append({"model": repo_id, "entry": entry, "suite": suite, **check})
    return checks
