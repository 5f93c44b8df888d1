"""`podium serve`: the web leaderboard with its embedded store and a local worker.

    podium serve [--host H] [--port P] [--demo] [--limit N] [--tasks T,...] [--no-worker] [--secure-cookies]

The app and one worker thread share the database (SQLite under PODIUM_HOME unless --db or
PODIUM_DB_URL say otherwise). `--demo` builds the tiny demo models, submits them to the
demo board and to the tracing suite (traced against podium-demo/gpt2-tiny) and lets the worker
evaluate them on a small --limit, all offline, so the boards fill up while you watch.
"""

from __future__ import annotations

import threading

DEMO_SUITE = "openllm-v1"
DEMO_LIMIT = 3
DEMO_TRACE_BASE = "podium-demo/gpt2-tiny"  # the demo's tracing board is traced against this model


def _settings(args):
    """Operator settings, plus what the flags add to every evaluation: --limit, --tasks, the demo's data."""
    from podium.platform.config import load_settings

    settings = load_settings(args.config, eval_limit=args.limit)
    extra = list(settings.eval_extra_args)
    if args.tasks:  # a subset of the suite, for quick demos and tests
        extra += ["--tasks", args.tasks]
    if args.demo:
        from podium.cli.demo_cmd import demo_data_dir

        data, is_fixture = demo_data_dir()
        extra += ["--data-dir", str(data)]
        if is_fixture:
            print(f"No benchmark data folder found: the demo uses the synthetic fixture tasks in {data}.")
        return settings.model_copy(update={"eval_extra_args": extra,
                                           "trace_base": settings.trace_base or DEMO_TRACE_BASE,
                                           "trace_command": [*settings.trace_command, "--data-dir", str(data)]})
    return settings.model_copy(update={"eval_extra_args": extra})


DEMO_SUBMITTER = "podium-demo-operator"  # an operator without a password: the quota does not apply


def submit_demo_models(factory, settings, suite: str) -> list[str]:
    """Queue every demo model on `suite` (already-queued ones are left as they are)."""
    from podium.engine.demo import DEMO_MODELS, DEMO_ORG, build_demo_models
    from podium.platform.db import transaction
    from podium.platform.errors import DuplicateSubmission
    from podium.platform.identity import get_or_create_user
    from podium.platform.submission import SubmissionRequest, submit

    build_demo_models()
    with transaction(factory) as session:
        actor = get_or_create_user(session, DEMO_SUBMITTER, role="operator")
    queued = []
    for spec in DEMO_MODELS:
        request = SubmissionRequest(model=f"{DEMO_ORG}/{spec.name}", model_type=spec.model_type, precision="float32",
                                    use_chat_template=spec.chat, suite=suite, base_model=spec.base_model)
        try:
            with transaction(factory) as session:
                submit(session, request, actor, settings)
            queued.append(request.model)
        except DuplicateSubmission:
            pass
    return queued


def _promote(factory, username: str) -> None:
    from podium.platform.db import transaction
    from podium.web.auth.accounts import set_role

    with transaction(factory) as session:
        set_role(session, username, "operator")
    print(f"{username} is an operator.")


def _worker_thread(app, settings, args) -> tuple[threading.Thread, object]:
    from podium.errors import PodiumError
    from podium.eval.kinds.tracing import TRACE
    from podium.platform.worker import Worker

    factory = app.state.web.factory
    worker = Worker(factory, settings, say=lambda line: print(f"[worker] {line}", flush=True))

    def run():
        if args.demo:
            for suite in (DEMO_SUITE, TRACE.name):
                try:
                    queued = submit_demo_models(factory, settings, suite)
                except PodiumError as err:  # the worker still serves the queue
                    print(f"[demo] could not queue the demo models on {suite}: {err.render()}", flush=True)
                    continue
                print(f"[demo] queued {len(queued)} demo model(s) on {suite} (limit {settings.eval_limit}): "
                      "watch them on /queue", flush=True)
        worker.run()

    return threading.Thread(target=run, name="podium-worker", daemon=True), worker


def web_config(args, settings):
    """The web app's configuration from the flags (`settings`: the operator settings, None for the defaults)."""
    from podium.eval.suites import DEFAULT_SUITE
    from podium.web import WebConfig

    extra = {} if settings is None else {"settings": settings}
    return WebConfig(db_url=args.db, landing_suite=DEMO_SUITE if args.demo else DEFAULT_SUITE,
                     secure_cookies=args.secure_cookies, **extra)


def _run(args) -> int:
    import uvicorn

    from podium.web import create_app

    if args.demo and args.limit is None:
        args.limit = DEMO_LIMIT
    settings = _settings(args)
    app = create_app(web_config(args, settings))
    if args.operator:
        _promote(app.state.web.factory, args.operator)
    thread, worker = (None, None) if args.no_worker else _worker_thread(app, settings, args)
    server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, log_level="info"))
    if thread:
        thread.start()
    print(f"Podium at http://{args.host}:{args.port}/  (API docs at /docs)", flush=True)
    try:
        server.run()
    finally:
        if worker is not None:
            worker.request_stop()  # the running evaluation is stopped and its job goes back to pending
            thread.join(timeout=settings.kill_grace_seconds + 5)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("serve", help="run the web leaderboard with a local worker (--demo: offline demo)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--demo", action="store_true",
                   help=f"build the demo models, submit them to {DEMO_SUITE} and evaluate them (offline)")
    p.add_argument("--limit", type=int, help=f"documents per task for every evaluation (demo default: {DEMO_LIMIT})")
    p.add_argument("--tasks", help="evaluate only these tasks of the suite (comma-separated), for quick runs")
    p.add_argument("--no-worker", action="store_true", help="serve only; run `podium worker` elsewhere")
    p.add_argument("--db", help="database URL (default: PODIUM_DB_URL, else SQLite under PODIUM_HOME)")
    p.add_argument("--config",
                   help="platform settings file (default: PODIUM_PLATFORM_CONFIG or PODIUM_HOME/platform.yaml)")
    p.add_argument("--operator", metavar="USERNAME", help="make this existing account an operator")
    p.add_argument("--secure-cookies", action="store_true",
                   help="mark the session and CSRF cookies Secure (browsers then send them only over HTTPS): "
                        "for deployments behind TLS")
    p.set_defaults(func=_run)
