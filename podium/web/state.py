"""The objects one app instance shares across requests."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from podium.web.auth.sessions import Signer
from podium.web.auth.throttle import Guard
from podium.web.board.cache import SnapshotCache
from podium.web.config import WebConfig


@dataclass
class WebState:
    config: WebConfig
    engine: Engine
    factory: sessionmaker[Session]  # writes (the platform's engine)
    read_factory: sessionmaker[Session]  # reads that never wait for a writer (see podium.web.db)
    signer: Signer
    templates: Jinja2Templates
    boards: SnapshotCache
    guard: Guard  # rate limits and the password-hash concurrency limit
