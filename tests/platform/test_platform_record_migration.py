"""Results stored before the typed run record are rewritten into schema 2 by migration 0010,
so an upgraded deployment's board, entries and samples keep reading them."""

from __future__ import annotations

import importlib

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import select, update

from podium.platform import queue
from podium.platform.db import transaction
from podium.platform.leaderboard import leaderboard
from podium.platform.migrate import HEAD, current_revision, upgrade
from podium.platform.models import Result
from podium.record import Provenance, tasks_from_json
from support.db import db, enqueue, fast_settings, home, user  # noqa: F401
from support.records import record, score

OLD_PROVENANCE = {  # what results stored before schema 2 look like (no schema number, loose blocks)
    "model": {"id": "acme/a", "path": "/srv/models/acme/a", "source": "local", "revision": None,
              "content_hash": "ab" * 32, "architecture": "GPT2LMHeadModel", "model_type": "gpt2",
              "has_chat_template": False, "vocab_size": 256, "dtype": "float32", "chat_template": False,
              "max_length": 1024},
    "run": {"backend": "podium", "device": "cpu", "dtype": "float32", "batch_size": 1, "limit": 2,
            "gen_kwargs": None, "seeds": {"random_seed": 0}, "command_line": "podium eval", "started_at": "s",
            "finished_at": "f", "wall_seconds": 1.5},
    "versions": {"lm_eval": "0.4.13"}, "data": {"mode": "offline", "dir": "/srv/data", "files": {"a": "00"},
                                                "differences": {}},
    "missing_tasks": [], "trace": {"base": "openai-community/gpt2", "corpus": "passage"},
}
OLD_TASKS = {"arc": {"key": "arc", "title": "ARC", "metric": "acc", "raw": 0.5, "normalized": 50.0, "stderr": 0.1,
                     "n_samples": 2, "lower_bound": 0.0, "status": "ok", "error": None, "private": False,
                     "in_average": True, "subtasks": {}, "p_value": 0.3, "per_layer": []}}


def test_old_results_are_rewritten_into_the_run_record(db, home, tmp_path):
    settings = fast_settings()
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"\0" * 8)
    enqueue(db, folder, "acme/a", user(db), settings)
    with transaction(db.factory) as s:
        claim = queue.claim_next(s, "w", settings)
        queue.complete(s, claim, record=record([score("arc", "ARC", 0.5, 50.0)], 50.0), details_path=str(tmp_path),
                       wall_seconds=1.0)
    migration = importlib.import_module("podium.platform.migrations.versions.0010_run_record_schema_2")
    with db.engine.begin() as conn:  # the row as an older Podium wrote it, then migration 0010's rewrite
        conn.execute(update(Result).values(provenance=OLD_PROVENANCE, tasks=OLD_TASKS))
        with Operations.context(MigrationContext.configure(conn)):
            migration.upgrade()
    upgrade(db.engine)
    assert current_revision(db.engine) == HEAD
    with transaction(db.factory) as s:
        stored = s.scalar(select(Result))
        provenance = Provenance.from_json(stored.provenance)
        tasks = tasks_from_json(stored.tasks)
        assert provenance.model.source == "path" and provenance.model.content_hash == "ab" * 32
        assert provenance.run.limit == 2 and provenance.kind_detail == OLD_PROVENANCE["trace"]
        assert tasks["arc"].normalized == 50.0
        assert leaderboard(s, settings).rows[0].tasks["arc"].raw == 0.5
