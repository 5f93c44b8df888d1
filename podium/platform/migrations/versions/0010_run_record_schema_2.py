"""Stored results in run record schema 2

Results written before the typed run record (`podium.record`, schema 2) keep their provenance
as loose blocks without a schema number, and their task entries may carry fields the record
does not know (the old trace columns' p-value and per-layer figures). Readers refuse such rows
with a schema error; this migration rewrites them once, so a deployment's existing board keeps
working after the upgrade. The field lists below are frozen copies of schema 2 as of this
revision (a migration must not change meaning when the code moves on). Downgrade leaves the
rows as they are: schema 2 rows carry everything the old readers looked for.

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-05 21:30:00.000000
"""

import json

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0007'
branch_labels = None
depends_on = None

SCHEMA = 2
TASK_FIELDS = ("key", "title", "metric", "raw", "normalized", "stderr", "n_samples", "lower_bound", "status", "error",
               "error_kind", "private", "in_average", "subtasks", "ci_low", "ci_high")
SUBTASK_FIELDS = ("raw", "normalized", "stderr", "n_samples", "lower_bound")
MODEL_DEFAULTS = {"id": "", "path": "", "source": "path", "revision": None, "content_hash": None, "architecture": None,
                  "model_type": None, "has_chat_template": None, "vocab_size": None, "dtype": "float32",
                  "chat_template": False, "weights": None}
RUN_DEFAULTS = {"backend": "hf", "device": "cpu", "dtype": "float32", "batch_size": 1, "limit": None,
                "gen_kwargs": None, "seeds": {}, "command_line": "", "started_at": "", "finished_at": "",
                "wall_seconds": 0.0, "quantization": None, "gpu_name": None, "gpu_count": None,
                "peak_gpu_memory_mb": None}
DATA_DEFAULTS = {"mode": "offline", "dir": None, "files": {}, "differences": {}}
BASE_CHECK_FIELDS = ("status", "declared_base", "reason", "wall_seconds", "test", "log10_p", "threshold_log10_p",
                     "versions")


def _load(value):
    return json.loads(value) if isinstance(value, str) else value


def _known(block, defaults: dict) -> dict:
    block = block if isinstance(block, dict) else {}
    return {name: block.get(name, default) for name, default in defaults.items()}


def upgrade_tasks(tasks: dict) -> dict:
    """Task entries with only the fields of schema 2 (unknown ones dropped, optional ones defaulted)."""
    out = {}
    for key, task in (tasks or {}).items():
        entry = {name: task[name] for name in TASK_FIELDS if name in task}
        entry["subtasks"] = {name: {f: sub.get(f) for f in SUBTASK_FIELDS}
                             for name, sub in (task.get("subtasks") or {}).items()}
        out[key] = entry
    return out


def upgrade_provenance(old: dict) -> dict:
    """A pre-record provenance (model, run, versions, data, missing_tasks, trace, base_check) in schema 2."""
    model = _known(old.get("model"), MODEL_DEFAULTS)
    model["source"] = "path" if model["source"] == "local" else model["source"]
    check = old.get("base_check")
    return {
        "schema": SCHEMA, "model": model, "run": _known(old.get("run"), RUN_DEFAULTS),
        "versions": old.get("versions") or {}, "data": _known(old.get("data"), DATA_DEFAULTS), "timings": {},
        "kind_detail": old.get("trace"),
        "base_check": {f: check.get(f) for f in BASE_CHECK_FIELDS} if isinstance(check, dict) else None,
    }


def upgrade() -> None:
    bind = op.get_bind()
    results = sa.table("results", sa.column("id", sa.Integer), sa.column("tasks", sa.JSON),
                       sa.column("provenance", sa.JSON))
    for row_id, tasks, provenance in bind.execute(sa.select(results.c.id, results.c.tasks, results.c.provenance)).all():
        provenance = _load(provenance) or {}
        if provenance.get("schema") == SCHEMA:
            continue
        bind.execute(results.update().where(results.c.id == row_id).values(
            tasks=upgrade_tasks(_load(tasks)), provenance=upgrade_provenance(provenance)))


def downgrade() -> None:
    """Nothing to undo: schema 2 rows carry every key the earlier readers looked for (module docstring)."""
