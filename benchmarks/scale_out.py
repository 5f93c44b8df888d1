"""Scale-out reliability promises P1-P6 on a real local Ray cluster, on SQLite and PostgreSQL.

    python benchmarks/scale_out.py                            # the stand-in evaluator, both databases
    python benchmarks/scale_out.py --evaluator real --backend sqlite --only P2,P3

A head and two worker nodes (1 and 2 GPUs declared as Ray resources, `tests/support/ray_cluster.py`)
run `podium worker --executor ray` dispatchers' jobs. The evaluator is the test suite's stand-in
(`tests/support/fake_eval.py`: the same command line and files as `podium eval`, a few seconds
of sleep) or, with `--evaluator real`, the real `podium eval --limit 1` on copies of a demo model.
Ray, the dispatcher, the reconciler, leases, fencing and result publishing are the real ones.

P1 node loss: SIGKILL of a node's raylet and every process under it, mid-job, `--kills` times
(a replacement node joins after each kill; `worker_lost` attempts raised to kills + 1, since a
kill also takes jobs Ray had just placed on the node): time until each job seen running there is
requeued, then every job finishes with exactly one result.
P2 dispatcher loss: SIGKILL of the dispatcher with 3 jobs running; the Ray jobs keep running; a
new dispatcher adopts them: one result per job, of attempt 1.
P3 exactly one result: a node frozen (SIGSTOP) for `--freeze` seconds with a job on it; the job is
re-run elsewhere; after SIGCONT the stale run finishes and must not publish.
P4 placement: `--placement-jobs` jobs needing 1 or 2 GPUs, two dispatchers at once; Ray's job list
sampled every 0.25 s: no node ever runs more GPU-jobs than its GPUs, every job finishes, one Ray
job per job (no attempt ran twice).
P5 bounded retries: a job whose node is killed at every attempt fails after 3 attempts
(worker_lost); a bad model (corrupt weights, model_load) fails after 1 attempt (the shipped
`max_attempts`); a good job behind them finishes.
P6 PostgreSQL down: a throwaway PostgreSQL (initdb/pg_ctl as the `postgres` user, another port;
never the shared server) stopped for `--outage` seconds while jobs run; they are recorded once it
is back, by the same dispatcher.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale_out_support import Bench, throwaway_postgres  # noqa: E402, I001
from support.db import open_db, postgres_unavailable  # noqa: E402
from support.ray_cluster import LocalRay  # noqa: E402


def p1_node_loss(b: Bench, kills: int) -> dict:
    """Every kill requeues each job on the node, including one Ray had just placed there, so a job may be
    hit more often than the 3 attempts of `worker_lost` allow (that bound is P5's): here it is raised to
    kills + 1, and every job must finish."""
    b.configure(max_attempts={"worker_lost": kills + 1})
    jobs = b.queue_jobs(kills + 1, seconds=b.run_seconds * 2)
    d = b.dispatcher()
    latencies, done = [], 0
    while done < kills:
        found = b.victim(lambda job_id: True, timeout=300)
        if found is None:
            break
        node_id, running = found
        t = time.monotonic()
        b.ray.replace_node(b.ray.node(node_id))
        done += 1
        for job_id, attempt in running:
            if not b.wait(lambda job_id=job_id, attempt=attempt: b.row(job_id)[:2] != ("running", attempt), 120):
                return {"problems": [f"job {job_id} not requeued within 120 s"], **b.stop(d)}
            latencies.append(round(time.monotonic() - t, 2))
    b.wait_ended(jobs, 600)
    attempts = sorted(b.row(j)[1] for j in jobs)
    return {"kills": done, "jobs": len(jobs), "jobs_requeued": len(latencies), "requeue_seconds": b.spread(latencies),
            "requeued_within_60s": sum(x <= 60 for x in latencies), "attempts_per_job": attempts,
            **b.check_finished(jobs), **b.stop(d)}


def p2_dispatcher_loss(b: Bench) -> dict:
    jobs = b.queue_jobs(3, seconds=b.run_seconds * 10)
    d = b.dispatcher()
    b.wait(lambda: sum(j.status == "RUNNING" and j.node_id is not None for j in b.ray_jobs().values()) == 3, 300)
    d.kill()
    d.wait()
    time.sleep(5)
    alive = sum(j.status in ("RUNNING", "SUCCEEDED") for j in b.ray_jobs().values())
    t = time.monotonic()
    d2 = b.dispatcher()
    b.wait_ended(jobs, 600)
    adopted = b.log_text().count("following its Ray job")
    return {"jobs": len(jobs), "ray_jobs_alive_after_kill": alive, "adopted": adopted,
            "recorded_after_restart_seconds": round(time.monotonic() - t, 1),
            "attempts": sorted(b.row(j)[1] for j in jobs), **b.check_finished(jobs), **b.stop(d2)}


def p3_stale_attempt(b: Bench, freeze: float) -> dict:
    [job_id] = b.queue_jobs(1, seconds=b.run_seconds * 3)
    d = b.dispatcher()
    node_id, [(_, attempt)] = b.victim(lambda _: True, timeout=300)
    node = b.ray.node(node_id)
    frozen, t = b.ray.freeze_node(node), time.monotonic()
    rerun = b.wait(lambda: b.row(job_id)[1] > attempt, 120)
    rerun_s = round(time.monotonic() - t, 1)
    b.wait(lambda: b.row(job_id)[0] == "finished", max(1.0, freeze - (time.monotonic() - t)))
    time.sleep(max(0.0, freeze - (time.monotonic() - t)))
    b.ray.thaw_node(frozen)
    stale_out = b.home / "runs" / f"job-{job_id}" / f"attempt-{attempt}" / "out" / "results.json"
    stale_finished = b.wait(stale_out.exists, 60 + b.run_seconds * 3)
    time.sleep(5)  # a few reconciliations after the stale run ended
    b.ray.kill_node(node)  # whatever of the frozen node is still alive
    b.ray.add_node(b.ray.gpus_of[node.node_id])
    b.wait_ended([job_id], 300)
    published = sorted(p.name for p in (b.home / "results" / f"job-{job_id}").glob("attempt-*"))
    return {"rerun_within_seconds": rerun_s if rerun else None, "stale_run_finished": stale_finished,
            "published_folders": published, **b.check_finished([job_id]), **b.stop(d)}


def p4_placement(b: Bench, count: int) -> dict:
    """Two dispatchers at once, so this also checks that no attempt runs twice."""
    jobs = b.queue_jobs(count, seconds=b.run_seconds)
    b.set_gpus({j: 2 if i % 2 else 1 for i, j in enumerate(jobs)})
    d1, d2 = b.dispatcher(), b.dispatcher()
    peaks = b.sample_placement(lambda: all(b.row(j)[0] in ("finished", "failed", "cancelled") for j in jobs), 900)
    ray_jobs = [b.ray_job_count(j) for j in jobs]
    b.stop(d1)
    return {"jobs": len(jobs), "dispatchers": 2, **peaks, "ray_jobs_per_job_max": max(ray_jobs),
            **b.check_finished(jobs), **b.stop(d2)}


def p5_retries(b: Bench) -> dict:
    b.configure()  # the shipped max_attempts: a bad model (model_load) gets 1 attempt
    bad = b.queue_jobs(1, bad=True)
    good = b.queue_jobs(1, seconds=b.run_seconds)
    d = b.dispatcher()
    b.wait_ended(bad + good, 600)
    out = {"bad_model": {"state": b.row(bad[0])[0], "attempts": b.row(bad[0])[1], "error_class": b.error_class(bad[0]),
                         "ray_jobs": b.ray_job_count(bad[0])},
           "good_job_after_bad": b.row(good[0])[0]}
    b.stop(d)
    [infra] = b.queue_jobs(1, seconds=b.run_seconds * 4)
    d = b.dispatcher()
    kills = 0
    while b.row(infra)[0] not in ("finished", "failed") and kills < 5:
        found = b.victim(lambda j: j == infra, timeout=120)
        if found is None:
            break
        node_id, [(_, attempt)] = found
        b.ray.replace_node(b.ray.node(node_id))
        kills += 1
        b.wait(lambda attempt=attempt: b.row(infra)[:2] != ("running", attempt), 120)
    b.wait_ended([infra], 300)
    time.sleep(3)  # the dispatcher must not pick the failed job up again
    out["infra"] = {"kills": kills, "state": b.row(infra)[0], "attempts": b.row(infra)[1],
                    "error_class": b.error_class(infra), "ray_jobs": b.ray_job_count(infra)}
    return {**out, **b.stop(d)}


def p6_database_down(b: Bench, outage: float) -> dict:
    jobs = b.queue_jobs(3, seconds=max(outage / 2, b.run_seconds * 3))
    d = b.dispatcher()
    b.wait(lambda: sum(j.status == "RUNNING" for j in b.ray_jobs().values()) == 3, 300)
    b.postgres.stop()
    time.sleep(outage)
    ended_during = sum(j.status == "SUCCEEDED" for j in b.ray_jobs().values())
    b.postgres.start()
    t = time.monotonic()
    b.wait_ended(jobs, 600)
    return {"jobs": len(jobs), "outage_seconds": outage, "ray_jobs_succeeded_during_outage": ended_during,
            "recorded_after_restart_seconds": round(time.monotonic() - t, 1),
            "dispatcher_restarted": False, "dispatcher_alive": d.poll() is None,
            "errors_logged": b.log_text().count("worker error"), **b.check_finished(jobs), **b.stop(d)}


SCENARIOS = ("P1", "P2", "P3", "P4", "P5", "P6")


def measure(name: str, b: Bench, args) -> dict:
    if name == "P1":
        return p1_node_loss(b, args.kills)
    if name == "P2":
        return p2_dispatcher_loss(b)
    if name == "P3":
        return p3_stale_attempt(b, args.freeze)
    if name == "P4":
        return p4_placement(b, args.placement_jobs)
    return p5_retries(b)


def run(args, ray: LocalRay, backend: str, tmp: Path) -> list[dict]:
    results = []
    for name in args.only:
        if name == "P6" and backend != "postgresql":
            continue
        started = time.monotonic()
        with tempfile.TemporaryDirectory(dir=tmp, prefix=f"{name}-{backend}-") as folder:
            folder = Path(folder)
            if name == "P6":
                with throwaway_postgres(folder) as pg:
                    if isinstance(pg, str):
                        results.append({"promise": name, "backend": backend, "not_measured": pg})
                        continue
                    b = Bench(args, ray, pg.db(), folder, name, postgres=pg)
                    figures = p6_database_down(b, args.outage)
            else:
                db_gen = open_db(backend, folder)
                db = next(db_gen)
                try:
                    figures = measure(name, Bench(args, ray, db, folder, name), args)
                finally:
                    db_gen.close()
        summary = {"promise": name, "backend": backend, "evaluator": args.evaluator,
                   "seconds": round(time.monotonic() - started, 1), **figures}
        print(json.dumps(summary), flush=True)
        results.append(summary)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--evaluator", choices=["stand-in", "real"], default="stand-in")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated promises, e.g. P1,P4")
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--freeze", type=float, default=60.0)
    parser.add_argument("--placement-jobs", type=int, default=20)
    parser.add_argument("--outage", type=float, default=30.0)
    parser.add_argument("--run-seconds", type=float, default=3.0, help="run time of one stand-in evaluation")
    parser.add_argument("--logs", type=Path, help="copy each dispatcher's log into this folder")
    args = parser.parse_args()
    args.only = [s.strip().upper() for s in args.only.split(",") if s.strip()]
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if "postgresql" in backends and postgres_unavailable():
        print(f"skipping postgresql: {postgres_unavailable()}", file=sys.stderr)
        backends.remove("postgresql")
    with tempfile.TemporaryDirectory(prefix="podium-scale-out-") as tmp:
        tmp = Path(tmp)
        Bench.prepare_environment(args, tmp)
        with LocalRay(gpus=(1, 2)) as ray:
            results = [r for backend in backends for r in run(args, ray, backend, tmp)]
    bad = [r for r in results if r.get("problems")]
    print(f"{len(results) - len(bad)}/{len(results)} promise runs without problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
