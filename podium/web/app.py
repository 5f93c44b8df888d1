"""The app factory: database, auth, limits, error handling, the JSON API, pages and static files."""

from __future__ import annotations

import contextlib
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from podium import __version__
from podium.platform.db import make_engine, session_factory
from podium.platform.migrate import ensure_schema
from podium.web import errors
from podium.web.api import accounts, boards, entries, jobs, moderation, picks, submissions, tracing, variants, workers
from podium.web.auth.csrf import CsrfCookie
from podium.web.auth.sessions import Signer
from podium.web.auth.throttle import Guard
from podium.web.board.cache import SnapshotCache
from podium.web.config import WebConfig, secret_key
from podium.web.db import read_engine
from podium.web.limits import BodyLimit
from podium.web.pages import account, board, charts, entry, info, queue, submit
from podium.web.pages import variants as variants_page
from podium.web.pages import workers as workers_page
from podium.web.pages.render import duration, number, plain
from podium.web.state import WebState

HERE = Path(__file__).resolve().parent
API_ROUTERS = (boards, entries, submissions, jobs, moderation, picks, accounts, tracing, variants, workers)
PAGE_ROUTERS = (board, entry, charts, submit, queue, account, info, workers_page, variants_page)


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["duration"] = duration
    templates.env.filters["number"] = number
    templates.env.filters["plain"] = plain
    templates.env.globals["version"] = __version__
    return templates


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI):
    yield
    app.state.web.boards.close()


def create_app(config: WebConfig | None = None) -> FastAPI:
    config = config or WebConfig()
    engine = make_engine(config.database_url)
    ensure_schema(engine)
    factory = session_factory(engine)
    reads = session_factory(read_engine(engine))
    app = FastAPI(title="Podium", version=__version__, lifespan=_lifespan, description="Open LLM leaderboard: "
                  "boards, models, submissions and the evaluation queue. Writes need a session cookie (+ CSRF token) "
                  "or an API token sent as `Authorization: Bearer <token>`.")
    app.state.web = WebState(config, engine, factory, reads, Signer(secret_key(config)), _templates(),
                             SnapshotCache(reads, config.settings, config.recheck_seconds, config.sync_build_seconds,
                                           engine.url if engine.dialect.name == "postgresql" else None),
                             Guard(config.abuse))
    errors.install(app)
    for module in (*API_ROUTERS, *PAGE_ROUTERS):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.add_middleware(CsrfCookie, secure=config.secure_cookies)
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes)
    return app
