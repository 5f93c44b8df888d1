"""Adapter and delta submissions: the base is pinned, bad overlays are refused with their rule and
message, the GPU count is stored on the job and shown in the queue API, and both kinds of
weights run end to end through submit -> worker (the real `podium eval`) -> board -> entry page."""

from __future__ import annotations

import json
import math
import shutil
import sys

import pytest

from podium.modelref import content_hash
from podium.platform.capacity import Capabilities
from podium.platform.db import transaction
from podium.platform.errors import SubmissionRejected
from podium.platform.leaderboard import leaderboard
from podium.platform.models import Job, Model, Result
from podium.platform.submission import SubmissionRequest, submit
from podium.platform.worker import Worker
from podium.platform.workers import advertise
from podium.web.entries import entry_detail
from podium.web.queue_view import queue
from support.db import db, fast_settings, home, sqlite_db, user  # noqa: F401
from support.models import build_delta, build_lora, copy_model, make_remote_code


@pytest.fixture
def mirror(home, demo_models):
    """acme/good (GPT-2), acme/good-ft (its fine-tune), acme/llama; an adapter and a delta of acme/good."""
    root = home / "models"
    good = copy_model(demo_models["podium-demo/gpt2-tiny"], root, "acme/good")
    ft = copy_model(demo_models["podium-demo/gpt2-tiny-ft"], root, "acme/good-ft")
    copy_model(demo_models["podium-demo/llama-tiny"], root, "acme/llama")
    for folder in (build_lora(good, root / "acme" / "lora", base_name="acme/good"),
                   build_delta(good, ft, root / "acme" / "delta")):
        shutil.copy(good / "README.md", folder)
    return root


def request(model: str, weight_type: str = "Adapter", base_model: str | None = "acme/good", **fields):
    return SubmissionRequest(model=model, weight_type=weight_type, base_model=base_model, model_type="fine-tuned",
                             precision=fields.pop("precision", "float32"), **fields)


def do_submit(db, req, settings=None):
    with db.factory() as session:
        receipt = submit(session, req, user(db), settings or fast_settings())
        session.commit()
    return receipt


def rejected(db, req, settings=None) -> SubmissionRejected:
    with pytest.raises(SubmissionRejected) as info:
        do_submit(db, req, settings)
    return info.value


def test_overlays_are_queued_with_their_base_pinned(db, mirror):
    for name, kind in (("acme/lora", "Adapter"), ("acme/delta", "Delta")):
        receipt = do_submit(db, request(name, kind))
        with db.factory() as s:
            model = s.get(Model, receipt.model_id)
            assert (model.weight_type, model.base_model) == (kind, "acme/good")
            assert model.base_revision == content_hash(mirror / "acme" / "good")
            assert s.get(Job, receipt.job_id).gpus == receipt.gpus == 1


def _mismatched_adapter(mirror):
    build_lora(mirror / "acme" / "good", mirror / "acme" / "lora-llama", base_name="acme/llama")
    shutil.copy(mirror / "acme" / "good" / "README.md", mirror / "acme" / "lora-llama")
    return request("acme/lora-llama", base_model="acme/llama")


def _remote_code_base(mirror):
    make_remote_code(copy_model(mirror / "acme" / "good", mirror, "acme/custom"))
    build_lora(mirror / "acme" / "good", mirror / "acme" / "lora-custom", base_name="acme/custom")
    shutil.copy(mirror / "acme" / "good" / "README.md", mirror / "acme" / "lora-custom")
    return request("acme/lora-custom", base_model="acme/custom")


@pytest.mark.parametrize("make, rule, words", [
    (lambda m: request("acme/lora", base_model="acme/llama"), "base_model",
     "The adapter was trained on acme/good (base_model_name_or_path in its adapter_config.json), not on the "
     "declared base acme/llama."),
    (_mismatched_adapter, "shapes", "The adapter does not fit the base model: Target modules"),
    (lambda m: request("acme/delta", "Adapter"), "adapter", "is not a PEFT adapter: it has no adapter_config.json"),
    (lambda m: request("acme/delta", "Delta", "acme/llama"), "shapes",
     "The delta weights do not match the base model: the base has no tensor"),
    (lambda m: request("acme/lora", base_model="acme/nope"), "base_model",
     "The declared base model acme/nope cannot be used. Model acme/nope was not found"),
    (_remote_code_base, "remote_code", "The base model acme/custom needs trust_remote_code=True"),
    (lambda m: request("acme/lora", precision="gptq"), "precision", "cannot be gptq models"),
])
def test_bad_overlays_are_refused_at_submission(sqlite_db, mirror, make, rule, words):
    settings = fast_settings(accepted_precisions=["float32", "gptq"])
    error = rejected(sqlite_db, make(mirror), settings)
    assert error.rule == rule and words in error.message, error.message
    with sqlite_db.factory() as s:
        assert s.query(Job).count() == 0


def test_gpu_count_is_computed_at_submission_and_shown_in_the_queue(sqlite_db, mirror):
    receipt = do_submit(sqlite_db, request("acme/good", "Original", None, precision="float32"),
                        fast_settings(gpu_memory_gb=0.001, memory_overhead=1.5))
    needed = receipt.params_billion * 4 * 1.5 / 0.001  # GB of float32 weights x overhead / GB per GPU
    assert receipt.gpus == math.ceil(needed) and receipt.gpus > 1
    with sqlite_db.factory() as s:
        shown = queue(s, None)["pending"]
    assert [(j["id"], j["gpus"]) for j in shown] == [(receipt.job_id, receipt.gpus)]


def test_more_gpus_than_any_gpu_worker_holds_is_refused(sqlite_db, mirror):
    settings = fast_settings(gpu_memory_gb=0.001)
    with transaction(sqlite_db.factory) as s:
        advertise(s, "gpu-1", Capabilities("cuda", 1, 0.001, "Tiny GPU"))
    error = rejected(sqlite_db, request("acme/good", "Original", None), settings)
    assert error.rule == "hardware" and "GPUs in float32; the largest GPU worker on this leaderboard has 1" \
        in error.message
    with transaction(sqlite_db.factory) as s:
        advertise(s, "cpu-1", Capabilities("cpu"))  # a CPU worker runs full precision in its RAM
    assert do_submit(sqlite_db, request("acme/good", "Original", None), settings).gpus > 1


def e2e_settings(eval_data_dir):
    return fast_settings(eval_command=[sys.executable, "-m", "podium.cli.main", "eval"], heartbeat_seconds=2.0,
                         lease_seconds=60, eval_limit=2,
                         eval_extra_args=["--tasks", "arc_challenge", "--data-dir", str(eval_data_dir)])


@pytest.mark.parametrize("name, kind", [("acme/lora", "Adapter"), ("acme/delta", "Delta")])
def test_overlay_end_to_end_through_the_worker_to_the_board(sqlite_db, home, mirror, eval_data_dir, name, kind):
    settings = e2e_settings(eval_data_dir)
    receipt = do_submit(sqlite_db, request(name, kind, suite="openllm-v1"), settings)
    said: list[str] = []
    Worker(sqlite_db.factory, settings, home=home, say=said.append, capabilities=Capabilities("cpu")) \
        .run(until_empty=True)
    with sqlite_db.factory() as s:
        job = s.get(Job, receipt.job_id)
        assert job.state == "finished", (job.error_message, job.log_tail, said)
        result = s.query(Result).filter_by(job_id=job.id).one()
        weights = result.provenance["model"]["weights"]
        assert weights["kind"] == kind.lower() and weights["base"]["id"] == "acme/good"
        assert weights["base"]["content_hash"] == content_hash(mirror / "acme" / "good")
        assert result.provenance["model"]["content_hash"] == receipt.revision  # the overlay's own files
        row = leaderboard(s, settings, "openllm-v1").rows[0]
        assert (row.repo_id, row.weight_type, row.base_model) == (name, kind, "acme/good")
        assert row.tasks["arc_challenge"].raw == result.tasks["arc_challenge"]["raw"]
        entry = entry_detail(s, receipt.submission_id)
    assert entry["metadata"]["base_revision"] == content_hash(mirror / "acme" / "good")
    assert f"--weights {kind.lower()} --base-model acme/good --base-revision" in entry["provenance"]["reproduce"]
    assert not list((home / "scratch").iterdir())  # the merged copy is removed after the run


def test_a_model_quantized_in_a_format_podium_does_not_run_is_refused(sqlite_db, mirror):
    folder = copy_model(mirror / "acme" / "good", mirror, "acme/awq")
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "quantization_config": {"quant_method": "awq"}}))
    error = rejected(sqlite_db, request("acme/awq", "Original", None, precision="float32"))
    assert error.rule == "precision" and "The model is awq-quantized" in error.message
