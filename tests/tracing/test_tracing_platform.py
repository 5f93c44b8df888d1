"""Tracing on the platform: the `trace` suite's results, the tracing board read from the store,
and the worker's provenance check of a declared base (ok, or flagged for review).

Models: the demo's gpt2-tiny, its noisy copy gpt2-tiny-ft (declares gpt2-tiny as its base)
and llama-tiny (another architecture family: cannot be compared with a GPT-2 base).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from podium.eval.runner import EvalRequest, run_evaluation
from podium.eval.summary import summary_table
from podium.platform.db import transaction
from podium.platform.models import Flag, Job, Result
from podium.platform.provenance import FLAG_PREFIX, check_command, skip_reason, verdict
from podium.platform.queue import Claim
from podium.platform.submission import SubmissionRequest, submit
from podium.platform.supervisor import RunOutcome
from podium.platform.worker import Worker, eval_command
from podium.record import Provenance
from podium.web.tracing_board import provenance_checks, tracing_rows
from support.db import enqueue, fast_settings, home, sqlite_db, user  # noqa: F401
from support.models import copy_model, make_fake_eval

BASE, DERIVED, OTHER = "podium-demo/gpt2-tiny", "podium-demo/gpt2-tiny-ft", "podium-demo/llama-tiny"


def trace(model, demo_models, data, tmp_path):
    return run_evaluation(EvalRequest(model=model, output=tmp_path / "run", suite="trace", trace_base=BASE,
                                      data_dir=data))


def test_trace_suite_scores_perplexity_and_the_match_against_the_base(demo_models, eval_data_dir, tmp_path):
    record = trace(DERIVED, demo_models, eval_data_dir, tmp_path)
    ppl, match, traced = record.tasks["perplexity"], record.tasks["match"], record.provenance.kind_detail
    assert ppl.status == "ok" and ppl.raw > 1 and traced["bits_per_byte"] > 0 and ppl.n_samples > 10
    assert match.status == "ok" and match.raw < -6 and traced["test"] == "gpt2-fc-proj"
    assert traced["base"] == BASE and len(traced["per_layer"]) == 2
    assert (ppl.raw, match.raw) == (traced["perplexity"], traced["log10_p"])  # the columns are the record's values
    assert record.average is None and not ppl.in_average and not match.in_average
    assert "perplexity/passage.txt" in record.provenance.data.files
    assert record.provenance.model.id == DERIVED and record.provenance.versions["torch"]
    assert (tmp_path / "run" / "results.json").exists()
    assert "tracing suite, no average" in summary_table(record)


def test_trace_suite_on_another_architecture_keeps_the_perplexity(demo_models, eval_data_dir, tmp_path):
    record = trace(OTHER, demo_models, eval_data_dir, tmp_path)
    ppl, match = record.tasks["perplexity"], record.tasks["match"]
    assert ppl.status == "ok" and ppl.raw > 1
    assert match.status == "unavailable" and match.raw is None
    assert "architecture" in match.error or "tokenizer" in match.error
    assert record.missing_tasks == ["match"]


def test_provenance_check_applies_only_to_full_weights_with_a_declared_base():
    claim = Claim(1, 1, "w", "org/m", "mirror", "/m", "abc", "float32", False, "openllm-v1", "Original", "org/base")
    assert skip_reason(claim, True) is None
    assert "switched off" in skip_reason(claim, False)
    adapter = Claim(1, 1, "w", "org/m", "mirror", "/m", "abc", "float32", False, "openllm-v1", "Adapter", "org/base")
    assert "by construction" in skip_reason(adapter, True)
    none = Claim(1, 1, "w", "org/m", "mirror", "/m", "abc", "float32", False, "openllm-v1")
    assert skip_reason(none, True) == "no base model declared"
    traced = Claim(1, 1, "w", "org/m", "mirror", "/m", "abc", "float32", False, "trace", "Original", "org/base")
    assert "tracing suite" in skip_reason(traced, True)
    settings = fast_settings(trace_base="org/base")
    cmd = eval_command(traced, settings, Path("/o"))
    assert cmd[cmd.index("--trace-base") + 1] == "org/base"
    hub = Claim(1, 1, "w", "org/m", "hub", "org/m", "abc123", "bfloat16", False, "openllm-v1", "Original", "org/base")
    check = check_command(hub, ["podium", "trace"], "org/m", Path("/o.json"))
    assert check[check.index("--revision") + 1] == "abc123" and check[check.index("--base") + 1] == "org/base"
    assert "--revision" not in check_command(claim, ["podium", "trace"], "/m", Path("/o.json"))


def test_a_check_that_cannot_run_is_recorded_as_unchecked(tmp_path):
    claim = Claim(1, 1, "w", "org/m", "mirror", "/m", "abc", "float32", False, "openllm-v1", "Original", "org/base")
    failed = verdict(claim, RunOutcome(2, False, False, 3.0), tmp_path / "none.json",
                     "loading...\nError [model_load]: Model 'org/base' is not in the local model mirror\n")
    assert failed.status == "unchecked" and "not in the local model mirror" in failed.reason
    late = verdict(claim, RunOutcome(-9, True, False, 60.0), tmp_path / "none.json", "")
    assert late.status == "unchecked" and "time budget" in late.reason
    stopped = verdict(claim, RunOutcome(-15, False, True, 5.0), tmp_path / "none.json", "")
    assert stopped.status == "unchecked" and "shut down" in stopped.reason


def test_a_worker_stopped_during_the_check_publishes_the_result_as_unchecked(sqlite_db, home):
    """Drained (SIGTERM) while the check runs: the evaluation is kept, its base check says why it has no verdict."""
    folder = home / "models" / "acme" / "derived"
    folder.mkdir(parents=True)
    (folder / "model.safetensors").write_bytes(b"\x02\0\0\0\0\0\0\0{}")  # an empty, valid safetensors file
    make_fake_eval(folder, "ok", 0.2)
    settings = fast_settings(trace_command=[sys.executable, "-c", "import time; time.sleep(120)"])
    receipt = enqueue(sqlite_db, folder, "acme/derived", user(sqlite_db), settings)
    with transaction(sqlite_db.factory) as s:
        s.get(Job, receipt.job_id).submission.model.base_model = "acme/base"
    said: list[str] = []
    worker = Worker(sqlite_db.factory, settings, home=home)

    def say(line: str) -> None:
        said.append(line)
        if "checking the declared base" in line:
            worker.request_stop()  # what the SIGTERM handler does

    worker.say = say
    assert worker.run(max_jobs=1) == 1
    with sqlite_db.factory() as s:
        job = s.get(Job, receipt.job_id)
        result = s.scalar(select(Result).where(Result.job_id == receipt.job_id))
        assert job.state == "finished", said
        check = Provenance.from_json(result.provenance).base_check
    assert check is not None, said
    assert (check.status, check.declared_base) == ("unchecked", "acme/base") and "shut down" in check.reason


@pytest.mark.slow
def test_worker_checks_declared_bases_and_fills_the_tracing_board(sqlite_db, home, demo_models, eval_data_dir):
    for name in (BASE, DERIVED, OTHER):
        copy_model(demo_models[name], home / "models", name)
    cli = [sys.executable, "-m", "podium.cli.main"]
    settings = fast_settings(eval_command=[*cli, "eval"],
                             trace_command=[*cli, "trace", "--data-dir", str(eval_data_dir)],
                             heartbeat_seconds=2.0, lease_seconds=60, eval_limit=1, trace_base=BASE,
                             eval_extra_args=["--tasks", "arc_challenge", "--data-dir", str(eval_data_dir)])
    requests = [
        SubmissionRequest(model=DERIVED, precision="float32", model_type="fine-tuned", suite="openllm-v1",
                          base_model=BASE),
        SubmissionRequest(model=OTHER, precision="float32", model_type="fine-tuned", suite="openllm-v1",
                          base_model=BASE),  # a false claim: another architecture
        SubmissionRequest(model=DERIVED, precision="float32", model_type="fine-tuned", suite="trace"),
    ]
    actor = user(sqlite_db)
    with sqlite_db.factory() as s:
        receipts = [submit(s, r, actor, settings) for r in requests]
        s.commit()
    said: list[str] = []
    Worker(sqlite_db.factory, settings, home=home, say=said.append).run(until_empty=True)
    with sqlite_db.factory() as s:
        jobs = [s.get(Job, r.job_id) for r in receipts]
        assert [j.state for j in jobs] == ["finished"] * 3, ([j.error_message for j in jobs], said)
        results = [s.scalar(select(Result).where(Result.job_id == r.job_id)) for r in receipts]
        ok, review, traced = (Provenance.from_json(r.provenance).base_check for r in results)
        assert ok.status == "ok" and ok.log10_p < -6 and ok.declared_base == BASE, ok
        assert review.status == "review" and "cannot compare" in review.reason, review
        assert traced is None
        flags = s.scalars(select(Flag).where(Flag.resolved_at.is_(None))).all()
        assert [(f.repo_id, f.reason.startswith(FLAG_PREFIX)) for f in flags] == [(OTHER, True)]

        [row] = tracing_rows(s, folder=home / "no-traces")
        assert (row["model"], row["base"], row["verdict"], row["source"]) == (DERIVED, BASE, "derived", "store")
        assert row["perplexity"] > 1 and row["entry"] == receipts[2].submission_id
        checks = provenance_checks(s)
        assert {(c["model"], c["status"]) for c in checks} == {(DERIVED, "ok"), (OTHER, "review")}
    assert any("checking the declared base" in line for line in said)
