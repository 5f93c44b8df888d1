"""Versioned suites in the store: results of two suite versions never share a board."""

from __future__ import annotations

import pytest

from podium.eval.suites import OPENLLM_V1
from podium.eval.versions import suite_version
from podium.platform import queue
from podium.platform.db import transaction
from podium.platform.leaderboard import leaderboard, suite_versions
from podium.platform.models import Result
from support.db import db, enqueue, fast_settings, home, user  # noqa: F401
from support.records import record, score

LM_EVAL = {"configs": {"arc_challenge": {"task": "arc_challenge", "doc_to_text": "Question: {{question}}\nAnswer:",
                                         "metadata": {"version": 1.0, "config_source": "/a/arc_challenge.yaml"}}},
           "versions": {"arc_challenge": 1.0}}


def version_with(test_file_hash: str) -> str:
    return suite_version(OPENLLM_V1.version, LM_EVAL, {"arc_challenge/test.jsonl": test_file_hash}, "0.4.13")


@pytest.fixture
def model_dir(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"\0" * 8)
    return folder


def finish(db, settings, home, receipt, average: float, version: str) -> None:
    with transaction(db.factory) as s:
        claim = queue.claim_next(s, "w", settings)
        assert claim.job_id == receipt.job_id
        assert queue.complete(s, claim, record=record([score("arc", "ARC", average / 100, average)], average,
                                                      version=version),
                              details_path=str(home), wall_seconds=60.0)


def test_results_of_other_data_land_in_another_version_and_the_board_shows_the_newest(db, home, model_dir):
    settings = fast_settings()
    alice = user(db, "alice")
    old, new = version_with("a" * 64), version_with("b" * 64)
    assert old != new and len(old) == 12
    first, second, third = (enqueue(db, model_dir, f"acme/m{i}", alice, settings) for i in range(3))
    finish(db, settings, home, first, 70.0, old)
    finish(db, settings, home, second, 40.0, old)
    finish(db, settings, home, third, 50.0, new)  # the data file changed: a new version begins
    with db.factory() as s:
        assert {r.job_id: r.suite_version for r in s.query(Result)} == {
            first.job_id: old, second.job_id: old, third.job_id: new}
        versions = suite_versions(s, settings.default_suite)
        current = leaderboard(s, settings)
        older = leaderboard(s, settings, version=old)
    assert [(v.version, v.entries, v.current) for v in versions] == [(new, 1, True), (old, 2, False)]
    assert current.version == new and [r.repo_id for r in current.rows] == ["acme/m2"]  # never mixed with the old
    assert older.version == old and [r.repo_id for r in older.rows] == ["acme/m0", "acme/m1"]


def test_a_rerun_under_a_new_version_moves_the_entry_and_leaves_its_old_result_browsable(db, home, model_dir):
    settings = fast_settings()
    alice, root = user(db, "alice"), user(db, "root", "operator")
    old, new = version_with("a" * 64), version_with("c" * 64)
    entry = enqueue(db, model_dir, "acme/m", alice, settings)
    finish(db, settings, home, entry, 70.0, old)
    from podium.platform import job_ops

    with transaction(db.factory) as s:
        rerun = job_ops.requeue_job(s, entry.job_id, root, settings)
    with transaction(db.factory) as s:
        claim = queue.claim_next(s, "w", settings)
        assert claim.job_id == rerun
        queue.complete(s, claim, record=record([score("arc", "ARC", 0.3, 30.0)], 30.0, version=new),
                       details_path=str(home), wall_seconds=60.0)
    with db.factory() as s:
        current, older = leaderboard(s, settings), leaderboard(s, settings, version=old)
    assert [(r.job, r.average) for r in current.rows] == [(rerun, 30.0)]
    assert [(r.job, r.average) for r in older.rows] == [(entry.job_id, 70.0)]


def test_an_empty_suite_has_no_version(db):
    with db.factory() as s:
        board, versions = leaderboard(s, fast_settings(), "openllm-v1"), suite_versions(s, "openllm-v1")
    assert (board.version, board.rows, versions) == (None, [], [])
