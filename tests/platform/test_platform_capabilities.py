"""Workers advertise what they can run; submissions no registered worker can run are refused
with the reason; a worker never claims a job it cannot run; a quantized job is never run in
another precision (an operator enabling 8bit used to get a silent float32 run)."""

from __future__ import annotations

import sys

import pytest

from podium.platform import queue
from podium.platform.capacity import Capabilities, Needs, cannot_run, gpus_needed
from podium.platform.db import transaction
from podium.platform.errors import SubmissionRejected
from podium.platform.models import Job
from podium.platform.models import Worker as WorkerRow
from podium.platform.queue import Claim
from podium.platform.submission import SubmissionRequest, submit
from podium.platform.worker import Worker, eval_command
from podium.platform.workers import advertise, claimable, detect
from support.db import db, fast_settings, home, sqlite_db, user  # noqa: F401
from support.models import copy_model

CPU = Capabilities("cpu")
GPU_4BIT = Capabilities("cuda", 2, 80.0, "H100", ("8bit", "4bit"))
GPU_PLAIN = Capabilities("cuda", 8, 80.0, "H100")
QUANTIZED = ["float32", "8bit", "4bit", "gptq"]


@pytest.fixture
def mirror(home, demo_models):
    copy_model(demo_models["podium-demo/gpt2-tiny"], home / "models", "acme/good")
    return home / "models"


def do_submit(db, precision: str, settings=None):
    request = SubmissionRequest(model="acme/good", precision=precision, model_type="pretrained")
    with db.factory() as session:
        receipt = submit(session, request, user(db), settings or fast_settings(accepted_precisions=QUANTIZED))
        session.commit()
    return receipt


def register(db, worker_id: str, caps: Capabilities) -> None:
    with transaction(db.factory) as s:
        advertise(s, worker_id, caps)


def test_gpu_count_and_what_each_worker_can_run():
    assert gpus_needed(70, "bfloat16", 80, 1.2) == 3 and gpus_needed(70, "4bit", 80, 1.2) == 1
    assert gpus_needed(7, "float32", 80, 1.2) == 1 and gpus_needed(None, "float32", 80, 1.2) == 1
    assert cannot_run(CPU, Needs("4bit", 1)) == "4bit runs on CUDA GPUs only"
    assert cannot_run(CPU, Needs("bfloat16", 3)) is None  # full precision runs in RAM
    assert cannot_run(GPU_PLAIN, Needs("8bit", 1)) == "8bit needs a library the GPU worker lacks"
    assert cannot_run(GPU_4BIT, Needs("bfloat16", 3)) == "the job needs 3 GPUs, the worker has 2"
    assert cannot_run(GPU_4BIT, Needs("4bit", 2)) is None


def test_this_machine_advertises_what_it_has():
    caps = detect()
    import torch

    assert (caps.device_kind == "cuda") == torch.cuda.is_available()
    if caps.device_kind == "cpu":
        assert (caps.gpu_count, caps.quantization) == (0, ())


@pytest.mark.parametrize("workers", [[], [CPU], [CPU, GPU_PLAIN]])
def test_quantized_submission_without_a_capable_worker_is_refused(db, mirror, workers):
    for i, caps in enumerate(workers):
        register(db, f"w{i}", caps)
    with pytest.raises(SubmissionRejected) as info:
        do_submit(db, "4bit")
    assert info.value.rule == "hardware"
    assert info.value.message.startswith("This leaderboard has no GPU worker for 4bit: ")
    with db.factory() as s:
        assert s.query(Job).count() == 0


def test_quantized_job_needing_more_gpus_than_any_capable_worker_is_refused(sqlite_db, mirror):
    register(sqlite_db, "gpu", GPU_4BIT)
    with pytest.raises(SubmissionRejected) as info:
        do_submit(sqlite_db, "8bit", fast_settings(accepted_precisions=QUANTIZED, gpu_memory_gb=0.0001))
    assert "GPUs in 8bit; the largest GPU worker for 8bit on this leaderboard has 2" in info.value.message


def test_stale_workers_do_not_count(sqlite_db, mirror):
    register(sqlite_db, "gpu", GPU_4BIT)
    with pytest.raises(SubmissionRejected, match="no GPU worker for 4bit"):
        do_submit(sqlite_db, "4bit", fast_settings(accepted_precisions=QUANTIZED, worker_seen_seconds=-1))


def test_a_cpu_worker_never_claims_a_job_that_needs_cuda(db, home, mirror):
    register(db, "gpu", GPU_4BIT)
    quantized = do_submit(db, "4bit")
    settings = fast_settings()
    said: list[str] = []
    cpu_worker = Worker(db.factory, settings, home=home, worker_id="cpu-worker", say=said.append, capabilities=CPU)
    assert cpu_worker.run_one() is False
    with db.factory() as s:
        assert s.get(Job, quantized.job_id).state == "pending"
        row = s.get(WorkerRow, "cpu-worker")  # it advertised itself while polling
        assert (row.device_kind, row.gpu_count, row.quantization) == ("cpu", 0, [])
    with transaction(db.factory) as s:
        assert queue.claim_next(s, "plain", settings, runs=claimable(GPU_PLAIN)) is None
        claim = queue.claim_next(s, "gpu", settings, runs=claimable(GPU_4BIT))
    assert claim.job_id == quantized.job_id and claim.precision == "4bit"


def test_a_gpu_worker_never_claims_a_job_needing_more_gpus(sqlite_db, home, mirror):
    register(sqlite_db, "cpu", CPU)
    receipt = do_submit(sqlite_db, "float32", fast_settings(gpu_memory_gb=0.0001))
    settings = fast_settings()
    with transaction(sqlite_db.factory) as s:
        assert queue.claim_next(s, "gpu", settings, runs=claimable(GPU_4BIT)) is None
        assert queue.claim_next(s, "cpu", settings, runs=claimable(CPU)).job_id == receipt.job_id


def test_quantized_and_overlay_jobs_keep_their_options_on_the_command_line():
    settings = fast_settings(eval_command=["podium", "eval"])
    quantized = Claim(1, 1, "w", "org/m", "hub", "org/m", "abc", "4bit", False, "openllm-v2")
    assert eval_command(quantized, settings, "/out")[-4:] == ["--quantization", "4bit", "--dtype", "float16"]
    adapter = Claim(2, 1, "w", "org/lora", "mirror", "/m/org/lora", "f00d", "bfloat16", False, "openllm-v2",
                    "Adapter", "org/base", "beef")
    assert eval_command(adapter, settings, "/out")[-8:] == [
        "--dtype", "bfloat16", "--weights", "adapter", "--base-model", "org/base", "--base-revision", "beef"]


def test_an_8bit_job_fails_with_the_reason_instead_of_running_in_float32(sqlite_db, home, mirror, eval_data_dir):
    """A worker that wrongly advertises CUDA claims the job; the real `podium eval` still refuses."""
    liar = Capabilities("cuda", 1, 80.0, "claimed GPU", ("8bit",))
    register(sqlite_db, "liar", liar)
    receipt = do_submit(sqlite_db, "8bit")
    settings = fast_settings(eval_command=[sys.executable, "-m", "podium.cli.main", "eval"], lease_seconds=60,
                             heartbeat_seconds=2.0, eval_limit=2,
                             eval_extra_args=["--tasks", "arc_challenge", "--data-dir", str(eval_data_dir)])
    Worker(sqlite_db.factory, settings, home=home, say=lambda _: None, capabilities=liar).run(max_jobs=1)
    with sqlite_db.factory() as s:
        job = s.get(Job, receipt.job_id)
        assert job.state in ("failed", "pending") and job.error_class == "usage", job.log_tail
        assert "8bit weights run on CUDA GPUs only" in job.error_message
        assert not s.query(Job).filter(Job.state == "finished").count()


def test_the_job_gpu_count_reaches_the_evaluator_only_where_there_are_gpus(tmp_path):
    """A 4-GPU job is split over 4 GPUs by a GPU worker (and on Ray, which reserves them); a CPU
    worker, which may run full-precision jobs in RAM, runs it on the CPU without --gpus."""
    import dataclasses

    from podium.platform.capacity import Capabilities
    from podium.platform.queue import Claim
    from podium.platform.worker import Worker, eval_command

    claim = dataclasses.replace(Claim(7, 1, "w", "org/m", "mirror", "org/m", "f00d", "bfloat16", False, "openllm-v1"),
                                gpus=4)
    settings = fast_settings(eval_command=["podium", "eval"])
    assert "--gpus" not in eval_command(claim, settings, tmp_path)
    assert "--gpus 4" in " ".join(eval_command(claim, settings, tmp_path, gpus=4))
    for kind, expected in (("cuda", 4), ("cpu", 1)):
        caps = Capabilities(kind, gpu_count=8 if kind == "cuda" else 0)
        worker = Worker(None, settings, home=tmp_path, capabilities=caps)
        assert worker._gpus_for(claim) == expected
