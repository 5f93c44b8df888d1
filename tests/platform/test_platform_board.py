"""The leaderboard view, its export, operator moderation, and the platform CLI."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy import event, func, select

from podium.cli.main import main as podium
from podium.platform import job_ops, moderation, queue
from podium.platform.db import transaction
from podium.platform.errors import Forbidden, NotFound
from podium.platform.export import HEAD_COLUMNS, TAIL_COLUMNS, columns, contents_row, write_export
from podium.platform.leaderboard import Board, leaderboard
from podium.platform.models import Job, Model, Result
from support.db import db, enqueue, fast_settings, home, user  # noqa: F401
from support.models import copy_model
from support.records import record, score


@pytest.fixture
def model_dir(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"\0" * 8)
    return folder


def finish(db, settings, home, receipt, average: float, wall: float = 3600.0) -> int:
    """Run the receipt's pending job to a result (as a worker would) and return the job id."""
    with transaction(db.factory) as s:
        claim = queue.claim_next(s, "w", settings)
        assert claim.job_id == receipt.job_id or receipt.job_id is None
        details = home / "results" / f"job-{claim.job_id}" / "attempt-1"
        details.mkdir(parents=True)
        tasks = [score("arc", "ARC", average / 100, average, stderr=0.01),
                 score("gsm8k", "GSM8K", average / 200, average / 2, stderr=0.02)]
        assert queue.complete(s, claim, record=record(tasks, average), details_path=str(details), wall_seconds=wall)
    return claim.job_id


@pytest.fixture
def board_db(db, home, model_dir):
    """Two finished entries (one rerun), one pending, votes, a flag and an official provider."""
    settings = fast_settings()
    alice, bob, root = user(db, "alice"), user(db, "bob"), user(db, "root", "operator")
    a = enqueue(db, model_dir, "acme/a", alice, settings)
    b = enqueue(db, model_dir, "meta/b", alice, settings, chat=True, model_type="chat")
    enqueue(db, model_dir, "acme/pending", alice, settings)
    with transaction(db.factory) as s:
        for voter in (alice, bob):
            moderation.vote(s, a.submission_id, voter)
    a_first = finish(db, settings, home, a, 50.0)
    with transaction(db.factory) as s:
        moderation.vote(s, b.submission_id, alice)
    finish(db, settings, home, b, 60.0, wall=7200.0)
    with transaction(db.factory) as s:
        rerun = job_ops.requeue_job(s, a_first, root, settings)
        moderation.flag_model(s, "meta/b", "Trained on the test set.", root, "https://example.org/discussion/1")
        moderation.set_official_provider(s, "meta", True, root)
    with transaction(db.factory) as s:  # the pending entry waits behind the rerun (2 votes)
        claim = queue.claim_next(s, "w", settings)
        assert claim.job_id == rerun
        queue.complete(s, claim, record=record([score("arc", "ARC", 0.55, 55.0)], 55.0, complete=False),
                       details_path=str(home), wall_seconds=1800.0)
    return db, settings, {"a": a, "b": b, "rerun": rerun}


def test_leaderboard_is_one_row_per_entry_from_one_query(board_db):
    db, settings, ids = board_db
    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with db.factory() as s:
        board = leaderboard(s, settings)
    assert len([sql for sql in statements if sql.startswith("SELECT")]) == 1
    assert [r.repo_id for r in board.rows] == ["meta/b", "acme/a"]  # best average first
    b, a = board.rows
    assert (b.model_type, b.chat_template, b.flagged, b.flag_reason, b.official) == (
        "chat", True, True, "Trained on the test set.", True)
    assert (b.tasks["arc"].raw, b.tasks["arc"].normalized, b.tasks["gsm8k"].normalized, b.votes) == (
        0.6, 60.0, 30.0, 1)
    assert b.gpu_hours == 2.0 and b.co2_kg == pytest.approx(2.0 * 0.7 * 269.8 / 1000)
    assert (a.job, a.average, a.average_complete, a.votes, a.flagged) == (
        ids["rerun"], 55.0, False, 2, False)  # the rerun's result replaces the first one
    assert (a.precision, a.official, a.generation, a.base_model) == ("float32", False, 0, None)
    assert set(a.tasks) == {"arc"}  # the rerun reported one task only
    assert board.tasks == [("arc", "ARC"), ("gsm8k", "GSM8K")]


def test_export_renames_rows_into_the_contents_dataset(board_db):
    db, settings, ids = board_db
    with db.factory() as s:
        b, a = (contents_row(r) for r in leaderboard(s, settings).rows)
    assert (b["Type"], b["T"], b["Chat Template"], b["Flagged"], b["Flag reason"], b["Official Providers"]) == (
        "💬 chat models (RLHF, DPO, IFT, ...)", "💬", True, True, "Trained on the test set.", True)
    assert (b["fullname"], b["ARC Raw"], b["ARC"], b["GSM8K"], b["Votes"]) == ("meta/b", 0.6, 60.0, 30.0, 1)
    assert b["GPU hours"] == 2.0 and b["CO₂ cost (kg)"] == pytest.approx(2.0 * 0.7 * 269.8 / 1000)
    assert (a["Job"], a["Average ⬆️"], a["Average complete"], a["Votes"], a["Flagged"]) == (
        ids["rerun"], 55.0, False, 2, False)
    assert (a["eval_name"], a["Precision"], a["Official Providers"], a["Generation"], a["Base Model"]) == (
        "acme_a_float32", "float32", False, 0, "acme/a")
    assert (a["T"], a["Type"]) == ("🟢", "🟢 pretrained")
    assert "GSM8K" not in a  # the rerun reported one task only


def test_export_schema_in_every_format(board_db, tmp_path):
    db, settings, _ = board_db
    with db.factory() as s:
        board = leaderboard(s, settings)
    names = [name for name, _ in columns(board)]
    assert names[:18] == [n for n, _ in HEAD_COLUMNS] and names[-len(TAIL_COLUMNS):] == [n for n, _ in TAIL_COLUMNS]
    assert names[18:22] == ["ARC Raw", "ARC", "GSM8K Raw", "GSM8K"]
    frames = {
        "parquet": pd.read_parquet(write_export(board, tmp_path / "board.parquet")),
        "csv": pd.read_csv(write_export(board, tmp_path / "board.csv")),
        "json": pd.DataFrame(json.loads(write_export(board, tmp_path / "b.json", "json").read_text())),
    }
    for fmt, frame in frames.items():
        assert list(frame.columns) == names, fmt
        assert list(frame["fullname"]) == ["meta/b", "acme/a"] and frame["ARC"].tolist() == [60.0, 55.0], fmt
    parquet = frames["parquet"]
    assert str(parquet["Flagged"].dtype) == "boolean" and str(parquet["#Params (B)"].dtype) == "float64"
    assert pd.isna(parquet.loc[1, "GSM8K"])
    empty = pd.read_parquet(write_export(Board(suite="none"), tmp_path / "empty.parquet"))
    assert len(empty) == 0 and list(empty.columns) == [n for n, _ in HEAD_COLUMNS + TAIL_COLUMNS]


def test_unflag_and_official_providers(board_db):
    db, settings, _ = board_db
    root = user(db, "root", "operator")
    with transaction(db.factory) as s:
        with pytest.raises(Forbidden):
            moderation.flag_model(s, "acme/a", "spam", user(db, "alice"))
        assert moderation.unflag_model(s, "meta/b", root) == 1
        moderation.set_official_provider(s, "meta", False, root)
        assert moderation.official_providers(s) == []
    with db.factory() as s:
        b = leaderboard(s, settings).rows[0]
    assert (b.flagged, b.flag_reason, b.official) == (False, None, False)


def test_delete_model_removes_entries_results_and_running_jobs(db, home, model_dir):
    settings = fast_settings()
    alice, root = user(db), user(db, "root", "operator")
    done = enqueue(db, model_dir, "acme/gone", alice, settings)
    finish(db, settings, home, done, 40.0)
    enqueue(db, model_dir, "acme/gone", alice, settings, chat=True)
    keep = enqueue(db, model_dir, "acme/kept", alice, settings)
    with transaction(db.factory) as s:
        running = queue.claim_next(s, "w", settings)  # acme/gone with chat template
    with transaction(db.factory) as s:
        with pytest.raises(Forbidden):
            moderation.delete_model(s, "acme/gone", alice)
        with pytest.raises(NotFound):
            moderation.delete_model(s, "acme/never", root)
        deleted = moderation.delete_model(s, "acme/gone", root)
    moderation.remove_result_dirs(deleted)
    assert (deleted.models, deleted.submissions) == (1, 2)
    assert not (home / "results" / f"job-{done.job_id}").exists()
    with transaction(db.factory) as s:
        assert not queue.heartbeat(s, running, settings)  # its worker stops the evaluation
        assert s.scalar(select(func.count(Result.id))) == 0
        assert list(s.scalars(select(Model.repo_id))) == ["acme/kept"]
        assert [j.id for j in s.scalars(select(Job))] == [keep.job_id]


def test_cli_commands(home, demo_models, tmp_path, capsys):
    copy_model(demo_models["podium-demo/gpt2-tiny"], home / "models", "acme/good")
    url = ["--db", f"sqlite:///{tmp_path / 'cli.db'}"]

    def run(*argv) -> str:
        assert podium([*argv[:1], *url, *argv[1:]]) == 0
        return capsys.readouterr().out

    assert "latest schema" in run("db", "upgrade")
    assert "acme" in run("provider", "add", "acme")
    receipt = json.loads(run("submit", "acme/good", "--type", "pretrained", "--precision", "float32", "--json"))
    assert podium(["submit", *url, "acme/good", "--type", "pretrained", "--precision", "float32"]) == 2
    assert "already submitted" in capsys.readouterr().err
    listing = run("jobs", "list")
    assert "votes DESC, submitted_at ASC" in listing and f"{receipt['job_id']:>5} pending" in listing
    assert json.loads(run("jobs", "inspect", str(receipt["job_id"])))["model"]["repo_id"] == "acme/good"
    assert "cancelled" in run("jobs", "cancel", str(receipt["job_id"]))
    assert "requeued as job" in run("jobs", "requeue", str(receipt["job_id"]))
    assert "flag #1" in run("flag", "acme/good", "--reason", "benchmark contamination")
    assert "Resolved 1 flag" in run("unflag", "acme/good")
    assert "Wrote 0 rows" in run("export", "--format", "csv", "-o", str(tmp_path / "board.csv"))
    assert "Deleted 1 model" in run("delete-model", "acme/good", "--yes")
