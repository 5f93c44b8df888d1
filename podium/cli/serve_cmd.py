"""`podium serve`: the web leaderboard with its embedded store and a local worker.

    podium serve [--host H] [--port P] [--demo [--demo-suites S,...]] [--limit N] [--tasks T,...]
                 [--no-worker] [--secure-cookies]

The app and one worker thread share the database (SQLite under PODIUM_HOME unless --db or
PODIUM_DB_URL say otherwise). `--demo` builds the tiny demo models, submits them to the current
board (openllm-v2, the landing page), the archived v1 board and the tracing suite (traced
against podium-demo/gpt2-tiny) and lets the worker evaluate them on a small --limit with
generation capped at DEMO_MAX_GEN_TOKS new tokens, all offline, so the boards fill up while you
watch. The board and entry pages say what the demo's data is: synthetic fixture tasks when there
is no data folder (`podium.web.notices`).
"""

from __future__ import annotations

import threading

DEMO_SCORE_SUITES = ("openllm-v2", "openllm-v1")  # queued in this order, then tracing: the current board fills first
DEMO_LIMIT = 2
DEMO_MAX_GEN_TOKENS = 16  # IFEval's and MATH's 1,024+ new tokens would take the tiny models minutes per document
DEMO_TRACE_BASE = "podium-demo/gpt2-tiny"  # the demo's tracing board is traced against this model


def default_demo_suites() -> tuple[str, ...]:
    """The score suites, then the tracing suite (named by its kind, imported only when asked)."""
    from podium.eval.kinds.tracing import TRACE

    return (*DEMO_SCORE_SUITES, TRACE.name)


def demo_suites(args) -> tuple[str, ...]:
    """The suites `--demo` queues, checked against --tasks: a task every evaluation must run has to
    be in every score suite chosen (the trace suite runs both its columns whatever --tasks says)."""
    from podium.errors import UsageError
    from podium.eval.suites import SUITES

    chosen = tuple(s.strip() for s in (args.demo_suites or ",".join(default_demo_suites())).split(",") if s.strip())
    unknown = [s for s in chosen if s not in SUITES]
    if unknown or not chosen:
        raise UsageError(f"Unknown demo suite {unknown[0]!r}." if unknown else "--demo-suites names no suite.",
                         hint=f"Choose among: {', '.join(SUITES)}.")
    tasks = [t.strip() for t in (args.tasks or "").split(",") if t.strip()]
    for name in chosen:
        if tasks:  # UsageError naming the suite and the task it lacks (a tracing suite runs all its columns)
            SUITES[name].kind.select(SUITES[name], tasks)
    return chosen


def demo_notice(limit: int | None, fixture_data: str | None) -> str:
    """What the demo's board and entry pages say about how its numbers were made."""
    text = (f"Demo: tiny demo models evaluated offline on the first {limit} documents of each task, generation "
            f"capped at {DEMO_MAX_GEN_TOKENS} new tokens (both recorded in each result's provenance).")
    if fixture_data:
        text += (f" No benchmark data folder was found (PODIUM_DATA_DIR), so the tasks run on synthetic fixture "
                 f"records ({fixture_data}): the scores only show the pipeline working and mean nothing.")
    return text


def _settings(args):
    """Operator settings, plus what the flags add to every evaluation: --limit, --tasks, the demo's
    data and generation cap. Sets `args.fixture_data` (the fixture folder, when the demo uses one)."""
    from podium.platform.config import load_settings

    settings = load_settings(args.config, eval_limit=args.limit)
    extra = list(settings.eval_extra_args)
    if args.tasks:  # a subset of the suite, for quick demos and tests
        extra += ["--tasks", args.tasks]
    if args.demo:
        from podium.cli.demo_cmd import demo_data_dir

        data, is_fixture = demo_data_dir()
        extra += ["--data-dir", str(data), "--gen-kwargs", f"max_gen_toks={DEMO_MAX_GEN_TOKENS}"]
        args.fixture_data = str(data) if is_fixture else None
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
    from podium.platform.worker import Worker

    factory = app.state.web.factory
    worker = Worker(factory, settings, say=lambda line: print(f"[worker] {line}", flush=True))

    def run():
        if args.demo:
            for suite in args.demo_suites:
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
    notice = demo_notice(args.limit, getattr(args, "fixture_data", None)) if args.demo else None
    return WebConfig(db_url=args.db, landing_suite=DEFAULT_SUITE, secure_cookies=args.secure_cookies,
                     data_notice=notice, **extra)


def _run(args) -> int:
    import uvicorn

    from podium.web import create_app

    if args.demo_suites and not args.demo:
        from podium.errors import UsageError

        raise UsageError("--demo-suites chooses what --demo queues; add --demo (or drop --demo-suites).")
    if args.demo:
        args.demo_suites = demo_suites(args)
        args.limit = DEMO_LIMIT if args.limit is None else args.limit
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
                   help=f"build the demo models, submit them to {', '.join(DEMO_SCORE_SUITES)} and the tracing "
                   "suite, and evaluate them (offline)")
    p.add_argument("--demo-suites", metavar="S,...",
                   help="with --demo: the suites to queue the demo models on (default: "
                   f"{','.join(DEMO_SCORE_SUITES)} and the tracing suite)")
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
