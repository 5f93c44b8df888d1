"""Workers: running evaluations in supervised children, failing with the right class, leaving
no process behind, surviving SIGKILL mid-job, and sharing a queue without ever running one
job twice at once. Most runs use the stand-in evaluator; one runs the real `podium eval`."""

from __future__ import annotations

import sys
import threading

import pandas as pd
import pytest

from podium.platform import job_ops
from podium.platform.classify import classify, last_exception
from podium.platform.export import write_export
from podium.platform.leaderboard import leaderboard
from podium.platform.models import Job, Result
from podium.platform.queue import Claim
from podium.platform.submission import SubmissionRequest, submit
from podium.platform.supervisor import RunOutcome
from podium.platform.worker import Worker, eval_command
from podium.record import Provenance, RunError, tasks_from_json
from support.db import db, enqueue, fast_settings, home, sqlite_db, user  # noqa: F401
from support.faults import Scenario, alive, read_events, wait_for
from support.models import copy_model, make_corrupt, make_fake_eval

# How long to wait for a stopped process to disappear: a guard against hanging, not a speed target.
GONE_WITHIN = 30


def make_model(home, name: str, mode: str = "ok", seconds: float = 0.3):
    folder = home / "models" / "acme" / name
    folder.mkdir(parents=True)
    (folder / "model.safetensors").write_bytes(b"\x02\0\0\0\0\0\0\0{}")  # an empty, valid safetensors file
    make_fake_eval(folder, mode, seconds)
    return folder


def drain(db, home, settings) -> list[str]:
    said: list[str] = []
    Worker(db.factory, settings, home=home, say=said.append).run(until_empty=True)
    return said


def job_and_results(db, job_id):
    with db.factory() as s:
        return s.get(Job, job_id), s.query(Result).filter_by(job_id=job_id).all()


def test_eval_command_line():
    claim = Claim(7, 2, "w", "org/m", "hub", "org/m", "abc123", "bfloat16", True, "openllm-v2")
    settings = fast_settings(eval_command=["podium", "eval"], eval_limit=2, eval_extra_args=["--device", "cuda"])
    assert eval_command(claim, settings, "/out") == [
        "podium", "eval", "--model", "org/m", "--suite", "openllm-v2", "--output", "/out", "--revision", "abc123",
        "--dtype", "bfloat16", "--chat-template", "--limit", "2", "--device", "cuda"]
    mirrored = Claim(7, 2, "w", "org/m", "mirror", "/models/org/m", "f00d", "float32", False, "openllm-v2")
    assert eval_command(mirrored, settings, "/out")[2:4] == ["--model", "org/m"]  # each worker's own mirror


@pytest.mark.parametrize("outcome, report, log, error_class, words", [
    (RunOutcome(-15, True, False, 99.0), None, "", "timeout", "time limit of 1 min 40 s"),
    (RunOutcome(2, False, False, 1.0), RunError("data_missing", "Put arc on disk."), "", "data_missing",
     "Put arc on disk."),
    (RunOutcome(-9, False, False, 1.0), None, "loading...", "out_of_memory", "out-of-memory killer"),
    (RunOutcome(1, False, False, 1.0), None, "Traceback\ntorch.OutOfMemoryError: CUDA out of memory.", "out_of_memory",
     "OutOfMemoryError: CUDA out of memory"),
    (RunOutcome(1, False, False, 1.0), None, "safetensors_rust.SafetensorError: Error while deserializing header",
     "model_load", "weights could not be read"),
    (RunOutcome(1, False, False, 1.0), None, "Traceback\n  File x\nValueError: bad shape", "model_error",
     "ValueError: bad shape"),
    (RunOutcome(1, False, False, 1.0), None, "OSError: [Errno 5] Input/output error", "crashed", "OSError"),
    (RunOutcome(-11, False, False, 1.0), None, "", "crashed", "killed by signal SIGSEGV"),
    (RunOutcome(0, False, False, 1.0), None, "", "crashed", "without writing a complete results.json"),
])
def test_classify(outcome, report, log, error_class, words):
    failure = classify(outcome, report, log, time_limit=100)
    assert failure.error_class == error_class and words in failure.message


def test_last_exception_drops_the_module_path():
    assert last_exception("x\nrequests.exceptions.HTTPError: 404\nsome noise") == "HTTPError: 404"


def test_worker_runs_a_job_and_publishes_its_result(sqlite_db, home):
    settings = fast_settings()
    receipt = enqueue(sqlite_db, make_model(home, "good", seconds=1.0), "acme/good", user(sqlite_db), settings)
    said = drain(sqlite_db, home, settings)
    job, results = job_and_results(sqlite_db, receipt.job_id)
    assert job.state == "finished" and len(results) == 1
    details = home / "results" / f"job-{job.id}" / "attempt-1"
    assert results[0].details_path == str(details)
    assert {p.name for p in details.iterdir()} == {"results.json", "progress.json", "details", "eval.log"}
    assert not (home / "runs" / f"job-{job.id}").exists()
    assert job.progress["task_count"] == 2 and any("docs" in line and "ETA" in line for line in said)
    with sqlite_db.factory() as s:
        assert leaderboard(s, settings).rows[0].tasks["arc"].raw == tasks_from_json(results[0].tasks)["arc"].raw


def _expect_failure(db, home, settings, receipt, error_class, attempts, words):
    said = drain(db, home, settings)
    job, results = job_and_results(db, receipt.job_id)
    assert (job.state, job.error_class, job.attempt, results) == ("failed", error_class, attempts, []), said
    assert words in job.error_message
    assert job.log_tail  # the last lines of the evaluation's log, for the operator
    return job


def test_model_that_raises_fails_as_model_error(db, home):
    settings = fast_settings()
    receipt = enqueue(db, make_model(home, "raises", "raise"), "acme/raises", user(db), settings)
    job = _expect_failure(db, home, settings, receipt, "model_error", 2, "RuntimeError: forward pass exploded")
    assert "Traceback" in job.log_tail


def test_model_past_its_time_limit_fails_as_timeout(db, home):
    settings = fast_settings(time_limit_seconds=1.5)
    receipt = enqueue(db, make_model(home, "slow", "hang"), "acme/slow", user(db), settings)
    _expect_failure(db, home, settings, receipt, "timeout", 2, "did not finish within its time limit")


def test_corrupt_weights_fail_as_model_load(db, home, demo_models):
    settings = fast_settings()
    folder = copy_model(demo_models["podium-demo/gpt2-tiny"], home / "models", "acme/damaged")
    receipt = enqueue(db, folder, "acme/damaged", user(db), settings)
    make_corrupt(folder)  # damaged on disk after it was accepted
    _expect_failure(db, home, settings, receipt, "model_load", 1, "model.safetensors: file is truncated")


@pytest.mark.parametrize("mode, error_class, attempts, words", [
    ("oom", "out_of_memory", 3, "ran out of memory"),
    ("data_missing", "data_missing", 1, "Benchmark data arc is not on disk"),
    ("exit_silent", "crashed", 3, "exited with code 3 without reporting an error"),
    ("no_results", "crashed", 3, "without writing a complete results.json"),
    ("old_schema", "record_schema", 1, "written in schema 1; this Podium reads run record schema 2"),
])
def test_other_failures(sqlite_db, home, mode, error_class, attempts, words):
    settings = fast_settings()
    receipt = enqueue(sqlite_db, make_model(home, mode, mode), f"acme/{mode}", user(sqlite_db), settings)
    _expect_failure(sqlite_db, home, settings, receipt, error_class, attempts, words)


def test_changed_model_files_are_not_scored(sqlite_db, home):
    settings = fast_settings()
    folder = make_model(home, "changing")
    receipt = enqueue(sqlite_db, folder, "acme/changing", user(sqlite_db), settings)
    (folder / "config.json").write_text("{}")
    _expect_failure(sqlite_db, home, settings, receipt, "model_changed", 1, "files changed after submission")


def test_stopped_evaluation_leaves_no_process_behind(sqlite_db, home, monkeypatch):
    events = home / "events.jsonl"
    monkeypatch.setenv("FAKE_EVAL_EVENTS", str(events))
    settings = fast_settings(time_limit_seconds=2, max_attempts={"timeout": 1})
    receipt = enqueue(sqlite_db, make_model(home, "spawner", "orphan"), "acme/spawner", user(sqlite_db), settings)
    _expect_failure(sqlite_db, home, settings, receipt, "timeout", 1, "time limit")
    (start,) = [e for e in read_events(events) if e["event"] == "start"]
    (orphan,) = [e for e in read_events(events) if e["event"] == "orphan"]
    assert wait_for(lambda: not alive(start["pid"]) and not alive(orphan["grandchild"]), GONE_WITHIN)


def test_cancelling_a_running_job_stops_its_evaluation(sqlite_db, home, monkeypatch):
    events = home / "events.jsonl"
    monkeypatch.setenv("FAKE_EVAL_EVENTS", str(events))
    settings = fast_settings()
    receipt = enqueue(sqlite_db, make_model(home, "forever", "hang"), "acme/forever", user(sqlite_db), settings)
    worker = threading.Thread(target=drain, args=(sqlite_db, home, settings))
    worker.start()
    assert wait_for(lambda: read_events(events), 30)
    with sqlite_db.factory() as s:
        job_ops.cancel_job(s, receipt.job_id, user(sqlite_db, "root", "operator"))
        s.commit()
    worker.join(timeout=15)
    assert not worker.is_alive()
    assert wait_for(lambda: not alive(read_events(events)[0]["pid"]), GONE_WITHIN)
    job, results = job_and_results(sqlite_db, receipt.job_id)
    assert (job.state, results) == ("cancelled", [])


def test_worker_cut_off_from_the_database_stops_before_its_lease_expires(sqlite_db, home, monkeypatch):
    """While the jobs table is unreachable heartbeats fail; the run must stop by itself within
    the lease, so that when the job is handed out again no two runs of it overlap."""
    events = home / "events.jsonl"
    monkeypatch.setenv("FAKE_EVAL_EVENTS", str(events))
    settings = fast_settings()
    receipt = enqueue(sqlite_db, make_model(home, "cutoff", seconds=4), "acme/cutoff", user(sqlite_db), settings)
    worker = threading.Thread(target=drain, args=(sqlite_db, home, settings))
    worker.start()
    assert wait_for(lambda: read_events(events), 30)
    with sqlite_db.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE jobs RENAME TO jobs_unreachable")
    first = read_events(events)[0]
    stopped = wait_for(lambda: not alive(first["pid"]), settings.lease_seconds + 1)
    with sqlite_db.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE jobs_unreachable RENAME TO jobs")
    assert stopped
    worker.join(timeout=60)
    job, results = job_and_results(sqlite_db, receipt.job_id)
    assert (job.state, job.attempt, [r.attempt for r in results]) == ("finished", 2, [2])
    runs = [(e["event"], e["attempt"]) for e in read_events(events)]
    assert runs == [("start", "1"), ("start", "2"), ("end", "2")]


def test_sigkilled_workers_lose_nothing_and_duplicate_nothing(db, home):
    """A worker is SIGKILLed in the middle of a job twice; then one worker drains the queue.
    (benchmarks/worker_faults.py repeats this many more times.)"""
    report = Scenario(db, home, fast_settings(), jobs=2, run_seconds=1.5).run_kills(2)
    assert report.problems == [] and report.orphans == 0 and report.kills == 2
    assert sum(report.attempts.values()) == 2 and max(report.attempts) >= 2
    assert len(report.reclaim_seconds) == report.kills  # every killed run was taken up by a later attempt


def test_two_workers_never_run_the_same_job_at_once(db, home):
    report = Scenario(db, home, fast_settings(), jobs=20, run_seconds=0.3).run_drain(2)
    assert report.problems == []
    assert report.attempts == {1: 20}  # each job claimed once
    assert len(report.runs_per_worker) == 2 and sum(report.runs_per_worker.values()) == 20


@pytest.mark.slow
def test_end_to_end_with_podium_eval(sqlite_db, home, demo_models, eval_data_dir, tmp_path):
    """Submit a demo model through validation, run the real `podium eval --limit 2`, export."""
    copy_model(demo_models["podium-demo/gpt2-tiny"], home / "models", "podium-demo/gpt2-tiny")
    settings = fast_settings(eval_command=[sys.executable, "-m", "podium.cli.main", "eval"], heartbeat_seconds=2.0,
                             lease_seconds=30, eval_limit=2,
                             eval_extra_args=["--tasks", "arc_challenge", "--data-dir", str(eval_data_dir)])
    request = SubmissionRequest(model="podium-demo/gpt2-tiny", precision="float32", model_type="pretrained",
                                suite="openllm-v1")
    with sqlite_db.factory() as s:
        receipt = submit(s, request, user(sqlite_db), settings)
        s.commit()
    said = drain(sqlite_db, home, settings)
    job, results = job_and_results(sqlite_db, receipt.job_id)
    assert job.state == "finished", (job.error_message, job.log_tail, said)
    assert Provenance.from_json(results[0].provenance).model.content_hash == receipt.revision
    with sqlite_db.factory() as s:
        board = leaderboard(s, settings, "openllm-v1")
    path = write_export(board, tmp_path / "board.parquet")
    row = pd.read_parquet(path).iloc[0]
    assert row["fullname"] == "podium-demo/gpt2-tiny" and row["Model sha"] == receipt.revision
    assert row["ARC (25-shot) Raw"] == tasks_from_json(results[0].tasks)["arc_challenge"].raw
    assert row["CO₂ cost (kg)"] > 0 and row["#Params (B)"] == pytest.approx(receipt.params_billion)



def test_a_worker_backs_off_while_its_database_is_down_and_keeps_running(tmp_path, home):
    """Errors in a row double the wait between tries (up to 8 polls); the worker never exits on them."""
    from podium.platform.db import make_engine, session_factory

    gone = session_factory(make_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'podium.db'}"))
    said: list[str] = []
    worker = Worker(gone, fast_settings(poll_seconds=0.01), home=home, say=said.append)
    threading.Timer(1.5, worker.request_stop).start()
    assert worker.run() == 0
    waits = [line.split("retrying in ")[1].split(" s")[0] for line in said if "retrying in" in line]
    assert waits[:5] == ["0.01", "0.02", "0.04", "0.08", "0.08"] and "Traceback" in said[1]
    assert "5 in a row" in said[5]
