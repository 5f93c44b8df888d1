"""The Ray executor: the reconciler's decisions, the address check, and `podium worker --executor
ray` running real `podium eval` jobs on the demo models through a real local Ray cluster (head
plus nodes declaring 1 and 2 GPUs), including a node killed mid-job and a cancelled job."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from podium.errors import UsageError
from podium.platform import fleet, job_ops, queue
from podium.platform.capacity import Capabilities
from podium.platform.db import transaction
from podium.platform.executors.ray import entrypoint
from podium.platform.executors.ray_cluster import (
    RayCluster,
    RayJob,
    RayNode,
    check_address,
    job_resources,
    node_resources,
)
from podium.platform.models import ClusterNode, Job, Result
from podium.platform.queue import Claim
from podium.platform.reconcile import Attempt, decide, job_name, parse_name
from podium.platform.submission import SubmissionRequest, submit
from podium.platform.worker import eval_command
from support.db import REPO_ROOT, db, enqueue, fast_settings, sqlite_db, user, write_settings_file  # noqa: F401
from support.faults import wait_for
from support.ray_cluster import LocalRay

NOW = datetime(2026, 12, 5, 12, 0, 0)
NODE_A = RayNode("a" * 56, "10.0.0.1", True, False, {"GPU": 1.0, "podium_gpu_memory": 1.0})
NODE_B = RayNode("b" * 56, "10.0.0.2", False, False, {"GPU": 2.0, "podium_gpu_memory": 1.0})


def ray_job(name: str, status: str, node: str | None = NODE_A.node_id, code: int | None = None, message: str = "",
            start_ms: int | None = 1_000) -> RayJob:
    return RayJob(name, status, node, message, code, start_ms, 5_000 if status not in ("PENDING", "RUNNING") else None,
                  1.0)


def decide_one(ray_jobs: dict, attempt: Attempt | None = None, current: dict | None = None, **kw):
    attempts = [attempt or Attempt(7, 2, "ray:d1", NOW - timedelta(seconds=120))]
    params = dict(prefix="podium", me="ray:d2", now=NOW, now_ms=10_000, submit_grace=60, time_limit=3600) | kw
    current = {7: ("running", 2, "ray")} if current is None else current
    return [(d.action, d.job_id, d.attempt) for d in decide(attempts, ray_jobs, [NODE_A, NODE_B], current, **params)]


def test_job_names_round_trip():
    assert job_name("podium", 7, 2) == "podium-job-7-attempt-2"
    assert parse_name("podium", "podium-job-7-attempt-2") == (7, 2)
    assert parse_name("podium", "other-job-7-attempt-2") is None and parse_name("podium", "podium-job-x") is None


@pytest.mark.parametrize("status, node, code, message, action", [
    ("RUNNING", NODE_A.node_id, None, "", "keep"),
    ("PENDING", None, None, "", "keep"),
    ("RUNNING", NODE_B.node_id, None, "", "lost"),  # its node is dead
    ("RUNNING", "c" * 56, None, "", "lost"),  # its node is gone from the cluster's list
    ("SUCCEEDED", NODE_A.node_id, 0, "", "ended"),
    ("FAILED", NODE_A.node_id, 2, "exit code 2", "ended"),  # the evaluation failed: classified by the worker
    ("FAILED", NODE_A.node_id, None, "Job supervisor actor died: the actor's node has died", "lost"),
    ("STOPPED", NODE_A.node_id, None, "", "lost"),  # stopped outside Podium
])
def test_reconciler_decides_each_running_attempt(status, node, code, message, action):
    name = "podium-job-7-attempt-2"
    assert decide_one({name: ray_job(name, status, node, code, message)}) == [(action, 7, 2)]


def test_reconciler_resubmits_its_own_attempts_and_waits_for_others_then_calls_them_lost():
    fresh = Attempt(7, 2, "ray:d1", NOW - timedelta(seconds=5))
    assert decide_one({}, fresh) == []  # another dispatcher is submitting it
    assert decide_one({}, fresh, me="ray:d1") == [("submit", 7, 2)]  # this one's submission failed: again
    assert decide_one({}) == [("lost", 7, 2)]
    assert decide_one({}, me="ray:d1") == [("lost", 7, 2)]


def test_reconciler_stops_a_job_past_its_time_limit():
    name = "podium-job-7-attempt-2"
    assert decide_one({name: ray_job(name, "RUNNING")}, time_limit=5) == [("timed_out", 7, 2)]


def test_reconciler_stops_superseded_and_cancelled_ray_jobs():
    old, other = "podium-job-7-attempt-1", "podium-job-8-attempt-1"
    jobs = {old: ray_job(old, "RUNNING"), other: ray_job(other, "RUNNING"),
            "podium-job-7-attempt-2": ray_job("podium-job-7-attempt-2", "RUNNING"),
            "someone-elses-job": ray_job("someone-elses-job", "RUNNING")}
    current = {7: ("running", 2, "ray"), 8: ("cancelled", 1, "ray")}
    assert sorted(decide_one(jobs, current=current)) == [("keep", 7, 2), ("stop", 7, 1), ("stop", 8, 1)]


def test_node_markers_say_what_a_host_can_run():
    h100 = Capabilities("cuda", 8, 80.0, "H100", ("4bit", "8bit"))
    assert node_resources(h100, 80.0) == {"podium_quant_4bit": 1.0, "podium_quant_8bit": 1.0,
                                          "podium_gpu_memory": 1.0}
    assert node_resources(Capabilities("cuda", 2, 40.0, "A100"), 80.0) == {}  # GPUs too small for this platform
    assert node_resources(Capabilities("cpu"), 80.0) == {}


def test_remote_ray_addresses_need_the_explicit_flag():
    assert check_address("127.0.0.1:8265", False) == "http://127.0.0.1:8265"
    assert check_address("http://localhost:8265/", False) == "http://localhost:8265"
    assert check_address("http://[::1]:8265", False) == "http://[::1]:8265"
    with pytest.raises(UsageError, match="--allow-remote-ray"):
        check_address("http://10.1.2.3:8265", False)
    assert check_address("http://10.1.2.3:8265", True) == "http://10.1.2.3:8265"
    with pytest.raises(UsageError, match="not a Ray dashboard address"):
        check_address("ftp://", False)


def test_cli_refuses_a_remote_ray_address_and_ray_flags_without_the_executor(tmp_path):
    base = [sys.executable, "-m", "podium.cli.main", "worker", "--db", f"sqlite:///{tmp_path / 'p.db'}"]
    remote = subprocess.run([*base, "--executor", "ray", "--ray-address", "http://192.0.2.7:8265"],
                            capture_output=True, text=True, cwd=REPO_ROOT)
    assert remote.returncode == 2 and "--allow-remote-ray" in remote.stderr
    stray = subprocess.run([*base, "--ray-address", "http://127.0.0.1:8265"], capture_output=True, text=True,
                           cwd=REPO_ROOT)
    assert stray.returncode == 2 and "need --executor ray" in stray.stderr


def test_the_ray_job_runs_the_local_executors_command():
    claim = Claim(7, 2, "w", "org/m", "hub", "org/m", "abc123", "4bit", False, "openllm-v2", gpus=2)
    settings = fast_settings(eval_command=["podium", "eval"], eval_limit=2)
    folder = REPO_ROOT / "runs" / "job-7" / "attempt-2"
    line = entrypoint(claim, settings, folder)
    assert line == " ".join(eval_command(claim, settings, folder / "out", gpus=2))  # the GPUs Ray reserves
    assert line.endswith("--gpus 2")
    assert job_resources("4bit", True) == {"podium_gpu_memory": 0.001, "podium_quant_4bit": 0.001}
    with_base = Claim(7, 2, "w", "org/m", "hub", "org/m", "abc123", "float16", False, "openllm-v2",
                      base_model="org/base")
    line = entrypoint(with_base, settings, folder)
    assert " && { " in line and "--check --json" in line and "base_check.rc" in line


def test_public_fleet_report_has_no_addresses(sqlite_db):
    with transaction(sqlite_db.factory) as s:
        fleet.record_nodes(s, "http://127.0.0.1:8265", [NODE_A], {NODE_A.node_id: [(7, 1.0)]})
    settings = fast_settings()
    with sqlite_db.factory() as s:
        full = fleet.report(s, settings)
    assert full["nodes"][0]["host"] == "10.0.0.1" and full["ray_dashboards"] == ["http://127.0.0.1:8265"]
    assert full["nodes"][0]["jobs"] == [7] and full["totals"]["gpus_used"] == 1.0
    shown = repr(fleet.public(full))
    # ":8265", not "8265": a timestamp's microseconds may contain those digits (826536 once did)
    assert "10.0.0.1" not in shown and ":8265" not in shown and NODE_A.node_id not in shown


def test_ray_attempt_bookkeeping_is_fenced(db, tmp_path):
    """set_executor and take_over write only for the attempt holding the job; of two dispatchers that
    saw the same owner, one takes the ended attempt over; a failure hands the job back as local."""
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"\0" * 8)
    settings = fast_settings()
    job_id = enqueue(db, folder, "acme/one", user(db), settings).job_id
    with transaction(db.factory) as s:
        claim = queue.claim_next(s, "ray:d1", settings)
        assert queue.set_executor(s, claim, "ray", "/shared/runs/job-1/attempt-1")
    with transaction(db.factory) as s:
        assert queue.take_over(s, job_id, 1, "ray:d1", "ray:d2")
        assert not queue.take_over(s, job_id, 1, "ray:d1", "ray:d3")  # d2 got there first
        assert queue.fail(s, claim, "worker_lost", "node lost", None, settings) == "pending"
    with db.factory() as s:
        job = s.get(Job, job_id)
        assert (job.state, job.executor, job.lease_owner) == ("pending", "local", None)
    with transaction(db.factory) as s:
        assert not queue.set_executor(s, claim, "ray", "/x")  # attempt 1 no longer holds the job
        assert not queue.take_over(s, job_id, 1, "ray:d2", "ray:d3")


# A real cluster: module-scoped (starting it costs ~30 s), shut down whatever happens.

@pytest.fixture(scope="module")
def local_ray(demo_models):  # the nodes inherit PODIUM_MODELS_ROOT (the demo mirror) from this process
    with LocalRay(gpus=(1, 2)) as ray:
        yield ray


@pytest.fixture
def ray_setup(tmp_path, sqlite_db, demo_models, eval_data_dir, local_ray):
    """A shared PODIUM_HOME, demo models in the mirror the nodes use, and settings for a real `podium eval`."""
    settings = fast_settings(eval_command=[sys.executable, "-m", "podium.cli.main", "eval"], eval_limit=1,
                             eval_extra_args=["--tasks", "arc_challenge", "--data-dir", str(eval_data_dir)],
                             heartbeat_seconds=1.0, poll_seconds=0.5, lease_seconds=30.0, ray_lease_seconds=120.0,
                             ray_job_prefix=f"t{tmp_path.name[-8:].replace('_', '').lower()}"[:40])
    home = tmp_path / "shared-home"
    home.mkdir()
    return home, settings, write_settings_file(tmp_path / "platform.yaml", settings)


def submit_demo(db, repo_id: str, settings) -> int:
    request = SubmissionRequest(model=repo_id, precision="float32", model_type="pretrained", suite="openllm-v1")
    with db.factory() as s:
        receipt = submit(s, request, user(db, "operator", "operator"), settings)
        s.commit()
    return receipt.job_id


def dispatcher(db, home, config, log, *args):
    import os

    env = {**os.environ, "PODIUM_HOME": str(home)}
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "podium.cli.main", "worker", "--db", db.url, "--config",
                                 str(config), "--executor", "ray", *args], cwd=REPO_ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)


def job_row(db, job_id) -> Job:
    with db.factory() as s:
        return s.get(Job, job_id)


def results_of(db, job_id) -> list[Result]:
    with db.factory() as s:
        return list(s.scalars(select(Result).where(Result.job_id == job_id)))


@pytest.mark.slow
def test_ray_dispatcher_runs_demo_jobs_end_to_end(sqlite_db, ray_setup, local_ray, tmp_path):
    home, settings, config = ray_setup
    ids = [submit_demo(sqlite_db, r, settings) for r in ("podium-demo/gpt2-tiny", "podium-demo/llama-tiny")]
    log = tmp_path / "dispatcher.log"
    proc = dispatcher(sqlite_db, home, config, log, "--ray-address", local_ray.dashboard, "--until-empty")
    try:
        assert proc.wait(timeout=600) == 0, log.read_text()
    finally:
        proc.kill()
    said = log.read_text()
    for job_id in ids:
        job, results = job_row(sqlite_db, job_id), results_of(sqlite_db, job_id)
        assert job.state == "finished" and job.executor == "ray", (job.error_message, job.log_tail, said)
        assert job.log_tail  # streamed from the Ray job while it ran
        assert len(results) == 1 and results[0].attempt == job.attempt == 1
        assert (home / "results" / f"job-{job_id}" / "attempt-1" / "results.json").exists()
        assert "arc_challenge" in (home / "results" / f"job-{job_id}" / "attempt-1" / "eval.log").read_text()
        assert results[0].tasks["arc_challenge"]["raw"] is not None
    statuses = {n: j.status for n, j in RayCluster(local_ray.dashboard).jobs(settings.ray_job_prefix).items()}
    assert statuses == {job_name(settings.ray_job_prefix, i, 1): "SUCCEEDED" for i in ids}
    with sqlite_db.factory() as s:
        nodes = {n.id: n for n in s.scalars(select(ClusterNode))}
    assert sorted(n.gpus for n in nodes.values() if n.alive) == [0.0, 1.0, 2.0]


def wait_running_on_ray(cluster: RayCluster, name: str, timeout: float = 180) -> RayJob:
    assert wait_for(lambda: (cluster.jobs(name).get(name) or ray_job(name, "PENDING", None)).node_id is not None
                    and cluster.jobs(name)[name].status == "RUNNING", timeout, interval=0.5), name
    return cluster.jobs(name)[name]


@pytest.mark.slow
def test_node_killed_mid_job_is_requeued_and_finishes_and_cancel_stops_the_ray_job(sqlite_db, ray_setup, local_ray,
                                                                                  tmp_path):
    home, settings, config = ray_setup
    cluster = RayCluster(local_ray.dashboard)
    job_id = submit_demo(sqlite_db, "podium-demo/gpt2-tiny", settings)
    log = tmp_path / "dispatcher.log"
    proc = dispatcher(sqlite_db, home, config, log, "--ray-address", local_ray.dashboard)
    try:
        first = wait_running_on_ray(cluster, job_name(settings.ray_job_prefix, job_id, 1))
        victim = local_ray.node(first.node_id)
        assert local_ray.kill_node(victim) >= 2  # the raylet and the processes under it
        local_ray.add_node(local_ray.gpus_of[victim.node_id])  # a replacement host joins, as in a real pool
        assert wait_for(lambda: job_row(sqlite_db, job_id).state == "finished", 400, interval=1), log.read_text()
        job = job_row(sqlite_db, job_id)
        assert job.attempt == 2 and [r.attempt for r in results_of(sqlite_db, job_id)] == [2]
        assert "worker_lost" in log.read_text() and "was lost" in log.read_text()
        assert cluster.jobs(job_name(settings.ray_job_prefix, job_id, 1))[
            job_name(settings.ray_job_prefix, job_id, 1)].status == "FAILED"

        cancelled = submit_demo(sqlite_db, "podium-demo/llama-tiny", settings)
        name = job_name(settings.ray_job_prefix, cancelled, 1)
        wait_running_on_ray(cluster, name)
        with transaction(sqlite_db.factory) as s:
            job_ops.cancel_job(s, cancelled, user(sqlite_db, "operator", "operator"))
        assert wait_for(lambda: cluster.jobs(name)[name].status == "STOPPED", 60, interval=0.5), log.read_text()
        assert job_row(sqlite_db, cancelled).state == "cancelled" and results_of(sqlite_db, cancelled) == []
    finally:
        proc.terminate()
        proc.wait(timeout=30)
