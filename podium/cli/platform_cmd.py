"""Platform commands: submit, worker, workers, export, jobs, db (moderation: `moderation_cmd`).

Each command opens the database (--db, else PODIUM_DB_URL, else SQLite under PODIUM_HOME),
brings its schema up to date, and calls one service function of `podium.platform`. Whoever
runs these commands has the database in hand, so they act as an operator named after the
local user (`cli:<user>`). Services are imported inside each command: building the parser
must stay fast for every other `podium` command.
"""

from __future__ import annotations

import argparse
import getpass
import json
import shlex
import signal

from podium.errors import UsageError
from podium.platform.vocab import EXPORT_FORMATS, MODEL_TYPES, PRECISIONS, PRIORITY_FORMULA, WEIGHT_TYPES


def _open(args):
    from podium.platform.db import make_engine, session_factory
    from podium.platform.migrate import ensure_schema

    engine = make_engine(args.db)
    ensure_schema(engine)
    return session_factory(engine)


def _settings(args, **overrides):
    from podium.platform.config import load_settings

    return load_settings(args.config, **overrides)


def _operator(factory):
    from podium.platform.db import transaction
    from podium.platform.identity import get_or_create_user

    with transaction(factory) as session:
        return get_or_create_user(session, f"cli:{getpass.getuser()}", role="operator")


def _print_json(value) -> None:
    print(json.dumps(value, indent=2, default=str, ensure_ascii=False))


def _require(value, what: str):
    if value is None:
        raise UsageError(f"Give {what}.")
    return value


def _request(args):
    """The request from --request FILE (the JSON API) or from flags."""
    from podium.platform.submission import SubmissionRequest

    try:
        if args.request:
            with open(args.request) as f:
                return SubmissionRequest.model_validate(json.load(f))
        return SubmissionRequest(
            model=_require(args.model, "the model to submit (org/name)"), revision=args.revision,
            precision=args.precision, weight_type=args.weight_type, base_model=args.base_model,
            model_type=_require(args.type, f"the model type with --type ({', '.join(MODEL_TYPES)})"),
            use_chat_template=args.chat_template, suite=args.suite, idempotency_key=args.idempotency_key,
        )
    except (OSError, ValueError) as err:  # pydantic's ValidationError is a ValueError
        raise UsageError(f"Invalid submission request: {err}") from err


def cmd_submit(args) -> int:
    from podium.platform.submission import submit

    factory, settings = _open(args), _settings(args)
    request = _request(args)
    actor = _operator(factory)
    with factory() as session:
        receipt = submit(session, request, actor, settings)
        session.commit()
    if args.json:
        _print_json(receipt.__dict__)
    else:
        verb = "Queued" if receipt.created else "Already queued (same idempotency key)"
        print(f"{verb}: job #{receipt.job_id} for {receipt.repo_id} at {receipt.revision[:12]} "
              f"({receipt.precision}, {receipt.params_billion:.3g}B parameters, {receipt.gpus} GPU(s) on a GPU "
              f"worker), submission #{receipt.submission_id}.")
    return 0


def _ray_executor(args, factory, settings, worker_id: str):
    """The Ray executor for `podium worker --executor ray` (a loopback address unless --allow-remote-ray)."""
    from podium.paths import podium_home
    from podium.platform.executors.ray import RayExecutor
    from podium.platform.executors.ray_cluster import RayCluster, check_address

    if args.once or args.max_jobs:
        raise UsageError("--once and --max-jobs count jobs a worker runs itself; a Ray dispatcher hands them to the "
                         "cluster and keeps reconciling. Use --until-empty to stop when the queue is done.")
    address = check_address(_require(args.ray_address, "the Ray dashboard address: --ray-address "
                                     "http://127.0.0.1:8265"), args.allow_remote_ray)
    return RayExecutor(factory, settings, RayCluster(address), home=podium_home(), worker_id=worker_id,
                       say=lambda line: print(line, flush=True))


def cmd_worker(args) -> int:
    from podium.platform.worker import Worker, new_worker_id

    if args.executor == "local" and (args.ray_address or args.allow_remote_ray):
        raise UsageError("--ray-address and --allow-remote-ray need --executor ray.")
    ray = args.executor == "ray"
    overrides = dict(lease_seconds=args.lease, heartbeat_seconds=args.heartbeat, time_limit_seconds=args.time_limit,
                     poll_seconds=args.poll, eval_limit=args.limit,
                     eval_command=shlex.split(args.eval_command) if args.eval_command else None)
    factory, settings = _open(args), _settings(args, **overrides)
    if ray and args.lease is None:  # a dispatcher may restart and adopt its Ray jobs within this lease
        settings = settings.model_copy(update={"lease_seconds": settings.ray_lease_seconds})
    worker_id = new_worker_id("ray:" if ray else "")
    executor = _ray_executor(args, factory, settings, worker_id) if ray else None
    worker = Worker(factory, settings, worker_id=worker_id, executor=executor)
    signal.signal(signal.SIGTERM, worker.request_stop)
    signal.signal(signal.SIGINT, worker.request_stop)
    print(f"worker {worker.worker_id} started; {PRIORITY_FORMULA}", flush=True)
    done = worker.run(until_empty=args.until_empty, max_jobs=1 if args.once else args.max_jobs)
    print(f"worker {worker.worker_id} stopped after {done} job(s)")
    return 0


def cmd_workers(args) -> int:
    """The workers seen within `worker_seen_seconds`, with what each can run."""
    from podium.platform.workers import capabilities, registered

    if args.ray_resources:
        return cmd_ray_resources(args)
    factory, settings = _open(args), _settings(args)
    with factory() as session:
        rows = registered(session, settings)
    if args.json:
        return _print_json([{c.name: getattr(w, c.name) for c in w.__table__.columns} for w in rows]) or 0
    for w in rows:
        print(f"{w.id}  seen {w.seen_at:%Y-%m-%d %H:%M:%S}  {capabilities(w).describe()}")
    if not rows:
        print("No worker has registered yet: quantized submissions are refused until a GPU worker that runs them does.")
    return 0


def cmd_ray_resources(args) -> int:
    """This host's capability markers, for `ray start --resources "$(podium workers --ray-resources)"`."""
    from podium.platform.executors.ray_cluster import node_resources
    from podium.platform.workers import detect

    print(json.dumps(node_resources(detect(), _settings(args).gpu_memory_gb)))
    return 0


def cmd_export(args) -> int:
    from podium.platform.export import write_export
    from podium.platform.leaderboard import leaderboard

    factory, settings = _open(args), _settings(args)
    with factory() as session:
        board = leaderboard(session, settings, args.suite)
    path = write_export(board, args.output or f"leaderboard.{args.format}", args.format)
    print(f"Wrote {len(board.rows)} rows of suite {board.suite} to {path}")
    return 0


def cmd_jobs(args) -> int:
    from podium.platform import job_ops
    from podium.platform.db import transaction

    factory = _open(args)
    if args.action == "list":
        with factory() as session:
            jobs = job_ops.list_jobs(session, states=args.state, limit=args.limit)
        if args.json:
            return _print_json([j.as_dict() for j in jobs]) or 0
        print(f"Pending jobs run in this order: {PRIORITY_FORMULA}")
        print(f"{'pos':>4} {'job':>5} {'state':<9} {'try':>3} {'votes':>5}  {'submitted':<16}  model")
        for j in jobs:
            pos = str(j.queue_position or "")
            note = j.error_class or (j.progress or {}).get("task") or ""
            star = "⭐ " if j.picked else ""
            print(f"{pos:>4} {j.id:>5} {j.state:<9} {j.attempt:>3} {j.votes:>5}  {j.submitted_at:%Y-%m-%d %H:%M}  "
                  f"{star}{j.repo_id} {j.precision}{' chat' if j.use_chat_template else ''} {note}")
        return 0
    _require(args.job_id, f"the job id: podium jobs {args.action} JOB_ID")
    if args.action == "inspect":
        with factory() as session:
            return _print_json(job_ops.inspect_job(session, args.job_id)) or 0
    actor = _operator(factory)
    with transaction(factory) as session:
        if args.action == "cancel":
            job_ops.cancel_job(session, args.job_id, actor)
            print(f"Job #{args.job_id} cancelled.")
        else:
            new_id = job_ops.requeue_job(session, args.job_id, actor, _settings(args))
            print(f"Job #{args.job_id} requeued as job #{new_id}.")
    return 0


def cmd_db(args) -> int:
    from podium.platform.db import make_engine
    from podium.platform.migrate import upgrade

    engine = make_engine(args.db)
    upgrade(engine)
    print(f"Database {engine.url.render_as_string(hide_password=True)} is at the latest schema.")
    return 0


def _common() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--db", help="SQLAlchemy URL (default: PODIUM_DB_URL, else sqlite under PODIUM_HOME)")
    parent.add_argument("--config", help="platform settings YAML "
                        "(default: PODIUM_PLATFORM_CONFIG, else PODIUM_HOME/platform.yaml)")
    return parent


def register(subparsers) -> None:
    common = _common()
    p = subparsers.add_parser("submit", parents=[common], help="validate a model and queue its evaluation")
    p.add_argument("model", nargs="?", help="org/name (local mirror first, then the Hub), or a folder")
    p.add_argument("--request", help="a JSON file holding the request instead of flags")
    p.add_argument("--revision", help="branch, tag or commit; pinned to a commit sha at submit time")
    p.add_argument("--precision", choices=PRECISIONS, default="bfloat16")
    p.add_argument("--weight-type", choices=WEIGHT_TYPES, default="Original")
    p.add_argument("--base-model",
                   help="required for Delta and Adapter weights; for full weights, the model they derive from "
                   "(checked by model tracing after the evaluation)")
    p.add_argument("--type", choices=MODEL_TYPES, help="model type shown on the leaderboard")
    p.add_argument("--chat-template", action=argparse.BooleanOptionalAction, default=None,
                   help="evaluate with the tokenizer's chat template (default: on for --type chat, off otherwise)")
    p.add_argument("--suite")
    p.add_argument("--idempotency-key", help="resubmitting with the same key returns the same job")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_submit)

    p = subparsers.add_parser("worker", parents=[common], help="run queued evaluations")
    p.add_argument("--once", action="store_true", help="run at most one job")
    p.add_argument("--until-empty", action="store_true", help="exit when no job is pending")
    p.add_argument("--max-jobs", type=int)
    p.add_argument("--lease", type=float, help="lease seconds")
    p.add_argument("--heartbeat", type=float, help="heartbeat seconds")
    p.add_argument("--time-limit", type=float, help="wall-clock seconds per attempt")
    p.add_argument("--poll", type=float, help="seconds between queue polls")
    p.add_argument("--limit", type=int, help="documents per task (smoke runs)")
    p.add_argument("--eval-command", help="evaluator command line (default: python -m podium.cli.main eval)")
    p.add_argument("--executor", choices=["local", "ray"], default="local",
                   help="local: run each job here (default); ray: submit each job to a Ray cluster as a Ray job")
    p.add_argument("--ray-address", help="the Ray dashboard (Jobs API) address, e.g. http://127.0.0.1:8265")
    p.add_argument("--allow-remote-ray", action="store_true",
                   help="accept a non-loopback --ray-address: only on a private network (Ray's job API has no "
                   "authentication)")
    p.set_defaults(func=cmd_worker)

    p = subparsers.add_parser("workers", parents=[common], help="list the registered workers and what they can run")
    p.add_argument("--json", action="store_true")
    p.add_argument("--ray-resources", action="store_true",
                   help="print this host's capability markers for `ray start --resources` (no database needed)")
    p.set_defaults(func=cmd_workers)

    p = subparsers.add_parser("export", parents=[common], help="write the leaderboard (schema: podium.platform.export)")
    p.add_argument("--format", choices=EXPORT_FORMATS, default="parquet")
    p.add_argument("--suite")
    p.add_argument("-o", "--output")
    p.set_defaults(func=cmd_export)

    p = subparsers.add_parser("jobs", parents=[common], help="list, inspect, cancel or requeue jobs",
                              description=f"Pending jobs run in priority order: {PRIORITY_FORMULA}.")
    p.add_argument("action", choices=["list", "inspect", "cancel", "requeue"])
    p.add_argument("job_id", nargs="?", type=int)
    p.add_argument("--state", action="append", help="list only these states (repeatable)")
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_jobs)

    p = subparsers.add_parser("db", parents=[common], help="database maintenance")
    p.add_argument("action", choices=["upgrade"])
    p.set_defaults(func=cmd_db)
