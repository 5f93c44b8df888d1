"""Fixtures of the platform tests: a migrated database on SQLite and on the real PostgreSQL,
an isolated PODIUM_HOME and model mirror, fast worker settings, and queue helpers.

PostgreSQL tests each get their own schema (selected through the URL's search_path, so
worker subprocesses given the URL land in it too) and drop it afterwards. When the server at
PODIUM_TEST_PG_URL (default 127.0.0.1:5432, database test) cannot be reached they skip with
the reason, and under CI (`CI=true`) they fail (`support.ci`).
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from podium.modelref import content_hash
from podium.platform.config import Settings
from podium.platform.db import make_engine, session_factory, transaction
from podium.platform.identity import Actor, get_or_create_user
from podium.platform.migrate import ensure_schema
from podium.platform.model_source import ResolvedModel
from podium.platform.submission import Inspection, SubmissionReceipt, record
from podium.platform.validation import SubmissionRequest
from support.ci import require_or_skip

PG_URL = os.environ.get("PODIUM_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FAKE_EVAL = Path(__file__).with_name("fake_eval.py")
REPO_ROOT = Path(__file__).resolve().parents[2]
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@functools.cache
def postgres_unavailable() -> str | None:
    """None when the test server answers, else why not."""
    try:
        engine = make_engine(PG_URL + ("&" if "?" in PG_URL else "?") + "connect_timeout=3")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as err:
        return f"PostgreSQL at {PG_URL} is not reachable ({type(err).__name__}: {str(err).splitlines()[0]})"
    return None


@dataclass
class Db:
    url: str
    engine: Engine
    factory: sessionmaker[Session]

    @property
    def backend(self) -> str:
        return self.engine.dialect.name


def open_db(backend: str, tmp_path: Path):
    """Yields a migrated Db; a PostgreSQL one lives in a fresh schema dropped afterwards."""
    if backend == "sqlite":
        url, schema = f"sqlite:///{tmp_path / 'podium.db'}", None
    else:
        reason = postgres_unavailable()
        if reason:
            require_or_skip(reason)
        schema = f"podium_test_{uuid.uuid4().hex[:12]}"
        admin = make_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = PG_URL + ("&" if "?" in PG_URL else "?") + f"options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    ensure_schema(engine)
    try:
        yield Db(url, engine, session_factory(engine))
    finally:
        engine.dispose()
        if schema:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path):
    yield from open_db(request.param, tmp_path)


@pytest.fixture
def sqlite_db(tmp_path):
    yield from open_db("sqlite", tmp_path)


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """An empty PODIUM_HOME with its own model mirror (PODIUM_MODELS_ROOT)."""
    home = tmp_path / "home"
    monkeypatch.setenv("PODIUM_HOME", str(home))
    monkeypatch.setenv("PODIUM_MODELS_ROOT", str(home / "models"))
    (home / "models").mkdir(parents=True)
    return home


def fast_settings(**overrides) -> Settings:
    """Short leases and polls, no quota, and the stand-in evaluator."""
    values = dict(eval_command=[sys.executable, str(FAKE_EVAL)], lease_seconds=2.0, heartbeat_seconds=0.3,
                  poll_seconds=0.2, kill_grace_seconds=1.0, time_limit_seconds=60.0, quota_per_org=1000)
    return Settings(**{**values, **overrides})


def user(db: Db, name: str = "alice", role: str = "user") -> Actor:
    with transaction(db.factory) as session:
        return get_or_create_user(session, name, role)


def enqueue(db: Db, folder: Path, repo_id: str, actor: Actor, settings: Settings, *, chat: bool = False,
            submitted_at: datetime | None = None, model_type: str = "pretrained") -> SubmissionReceipt:
    """Queue a job for a model folder without reading its files (the queue tests' shortcut;
    the submission tests go through `submit`). The revision is the folder's real content hash;
    for a worker to run it, the folder must be the mirror's `<org>/<name>` for `repo_id`."""
    resolved = ResolvedModel(repo_id, repo_id.split("/")[0], "mirror", str(folder), content_hash(folder), folder)
    inspection = Inspection(resolved, "GPT2LMHeadModel", 0.0005, "safetensors", "apache-2.0", chat, False, False)
    request = SubmissionRequest(model=repo_id, precision="float32", model_type=model_type, use_chat_template=chat)
    with transaction(db.factory) as session:
        return record(session, request, inspection, actor, settings, now=submitted_at)


def write_settings_file(path: Path, settings: Settings) -> Path:
    path.write_text(yaml.safe_dump(settings.model_dump(mode="json")))
    return path


def spawn_worker(db: Db, home: Path, config: Path, log: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    """`podium worker` as a separate process (what the fault tests kill)."""
    env = {**os.environ, "PODIUM_HOME": str(home), "PODIUM_MODELS_ROOT": str(home / "models"), **(env or {})}
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "podium.cli.main", "worker", "--db", db.url, "--config", str(config), *args],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
