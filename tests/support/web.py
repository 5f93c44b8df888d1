"""Fixtures and helpers shared by the web tests (this module holds no tests).

- `web`: the real app on a fresh SQLite file, driven through FastAPI's TestClient; any 500
  answer fails the test at once.
- `live`: a real `podium serve --demo` process on 127.0.0.1 and a random port, with its local
  worker evaluating the demo models for real on the current board (LIVE_SUITE, one small task
  LIVE_TASK, 2 documents) and the tracing suite, in its own PODIUM_HOME and with no data folder
  (PODIUM_DATA_DIR=none: the demo writes its synthetic fixture tasks and says so on its pages).
  Modules that need it early start it with `live_started` so the evaluations run while other
  tests do.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select

from podium.eval.suites import SUITES
from podium.platform.config import load_settings
from podium.platform.db import make_engine, session_factory, transaction, utcnow
from podium.platform.models import Job, Model, Submission, User
from podium.web import WebConfig, create_app
from podium.web.auth.passwords import hash_password
from podium.web.config import AbuseSettings
from workshop.synthetic import add_entries

PASSWORD = "correct horse battery"
LIVE_SUITE = "openllm-v2"  # the demo's landing board
LIVE_TASK = "mmlu_pro"  # one lm-eval task (no subtasks), 2 fixture questions: the quickest v2 task to run
LIVE_DEMO_SUITES = f"{LIVE_SUITE},trace"  # the full demo adds the v1 archive; the live tests need v2 and tracing
DEMO_MODELS = ("podium-demo/gpt2-tiny", "podium-demo/llama-tiny", "podium-demo/llama-tiny-chat",
               "podium-demo/gpt2-tiny-ft")


class StrictClient(TestClient):
    """A TestClient for which a 500 answer is a test failure, whatever the test expected."""

    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        assert response.status_code != 500, f"server error: {response.text[:500]}"
        return response


def add_user(factory, username: str, role: str = "user") -> int:
    with transaction(factory) as session:
        user = User(username=username, password_hash=hash_password(PASSWORD), role=role)
        session.add(user)
        session.flush()
        return user.id


def seasoned_user(factory, username: str, model: str | None = None, suite: str = "openllm-v1") -> int:
    """A user who may vote: a month-old account whose own submission (of `model`) has finished."""
    repo = model or f"seasoned-org/{username}"
    with transaction(factory) as session:
        user = User(username=username, password_hash=hash_password(PASSWORD), created_at=utcnow() - timedelta(days=30))
        session.add(user)
        session.flush()
        row = Model(repo_id=repo, org=repo.split("/")[0], source="mirror", location=repo,
                    revision=f"seasoned-{username}",
                    precision="float32", model_type="pretrained")
        sub = Submission(model=row, suite=suite, submitter_id=user.id)
        session.add_all([row, sub, Job(submission=sub, state="finished")])
        return user.id


def csrf_of(client: httpx.Client | TestClient, base: str = "") -> str:
    """The CSRF token a page hands to the signed-in browser (read from the meta tag)."""
    html = client.get(base + "/about").text
    return html.split('name="csrf-token" content="')[1].split('"')[0]


def sign_in(client, username: str, base: str = "") -> str:
    """Sign in through the JSON API; returns the CSRF token for later writes."""
    response = client.post(base + "/api/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return csrf_of(client, base)


@dataclass
class Web:
    client: StrictClient
    app: object
    factory: object

    def board(self, suite: str = "openllm-v2", **params) -> dict:
        response = self.client.get(f"/api/boards/{suite}", params=params)
        assert response.status_code == 200, response.text
        return response.json()


def make_web(tmp_path: Path, abuse: AbuseSettings | None = None, secure_cookies: bool = False,
             db_url: str | None = None, recheck_seconds: float = 0, **settings) -> Web:
    """The app on `db_url` (a migrated database, e.g. `support.db.open_db`'s), else a fresh SQLite file;
    its boards read the change log on every request unless `recheck_seconds` says otherwise."""
    config = WebConfig(db_url=db_url or f"sqlite:///{tmp_path / 'web.db'}",
                       settings=load_settings(None, **{"quota_per_org": 1000, **settings}),
                       secret_key=b"test-secret-key-test-secret-key!", recheck_seconds=recheck_seconds,
                       sync_build_seconds=60,  # always fresh: a test reads right after it writes
                       abuse=abuse or AbuseSettings(), secure_cookies=secure_cookies)
    app = create_app(config)
    return Web(StrictClient(app), app, app.state.web.factory)


@pytest.fixture
def web(tmp_path, demo_models) -> Web:
    return make_web(tmp_path)


@pytest.fixture
def synthetic_web(tmp_path, demo_models) -> Web:
    """An app whose v2 board holds 300 synthetic entries."""
    w = make_web(tmp_path)
    with transaction(w.factory) as session:
        add_entries(session, SUITES["openllm-v2"], 300, seed=1)
    return w


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Live:
    """A running `podium serve --demo`."""

    process: subprocess.Popen
    base: str
    home: Path
    factory: object
    log: Path
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    def tail(self) -> str:
        """The server's log without its access lines: what the worker and the app said."""
        lines = [line for line in self.log.read_text().splitlines() if ' HTTP/1.1" ' not in line]
        return "\n".join(lines)[-4000:]

    def url(self, path: str) -> str:
        return self.base + path

    def get(self, path: str, **kwargs) -> httpx.Response:
        response = self.http.get(self.url(path), **kwargs)
        assert response.status_code != 500, response.text[:500]
        return response

    def wait_ready(self, timeout: float = 90) -> None:
        deadline, last = time.monotonic() + timeout, "no answer yet"
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"podium serve exited:\n{self.tail()}"
            try:
                status = httpx.get(self.url("/api/boards"), timeout=2).status_code
            except httpx.HTTPError as err:  # not listening yet: try again
                last = f"{type(err).__name__}: {err}"
            else:
                if status == 200:
                    return
                last = f"HTTP {status}"
            time.sleep(0.3)
        raise AssertionError(f"podium serve did not answer within {timeout} s ({last}):\n{self.tail()}")

    def wait_for(self, predicate, what: str, timeout: float = 420, every: float = 1.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"podium serve exited:\n{self.tail()}"
            value = predicate()
            if value:
                return value
            time.sleep(every)
        raise AssertionError(f"timed out waiting for {what}:\n{self.tail()}")

    def demo_jobs(self, suite: str = LIVE_SUITE) -> list[dict]:
        """The demo models' jobs on `suite`, read from the server's database."""
        with self.factory() as session:
            rows = session.execute(
                select(Model.repo_id, Submission.id, Job.id, Job.state)
                .join(Submission, Submission.model_id == Model.id)
                .join(Job, Job.submission_id == Submission.id)
                .where(Model.repo_id.in_(DEMO_MODELS), Model.precision == "float32", Submission.suite == suite)
                .order_by(Job.id)).all()
        return [{"model": m, "entry": e, "job": j, "state": s} for m, e, j, s in rows]

    def demo_finished(self, suite: str = LIVE_SUITE) -> list[dict]:
        """Wait until every demo model has a finished evaluation on `suite`; returns their jobs."""
        def done():
            jobs = self.demo_jobs(suite)
            return jobs if len(jobs) == len(DEMO_MODELS) and all(j["state"] == "finished" for j in jobs) else None
        return self.wait_for(done, f"the demo evaluations on {suite}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


BROKEN_MODEL = "broken-lab/gpt2-broken"


def live_models_root(home: Path, demo_models: dict[str, Path]) -> Path:
    """The live server's model mirror: copies of the demo models, and one whose config no longer
    matches its weights (it passes submission checks, then fails to load in the evaluator)."""
    root = home / "models"
    for name, folder in demo_models.items():
        shutil.copytree(folder, root / name)
    broken = root / BROKEN_MODEL
    shutil.copytree(demo_models["podium-demo/gpt2-tiny"], broken)
    (broken / ".podium-demo.json").unlink()
    config = json.loads((broken / "config.json").read_text())
    (broken / "config.json").write_text(json.dumps({**config, "n_embd": config["n_embd"] // 2}))
    return root


_LIVE: list[Live] = []  # one server per test session, however many modules import the fixtures


def start_live(tmp_path_factory, demo_models: dict[str, Path]) -> Live:
    home = tmp_path_factory.mktemp("live-home")
    models = live_models_root(home, demo_models)
    config = home / "platform.yaml"
    config.write_text(yaml.safe_dump({"quota_per_org": 1000, "poll_seconds": 0.5, "heartbeat_seconds": 1.0,
                                      "max_attempts": {"default": 1}}))
    port = free_port()
    env = {**os.environ, "PODIUM_HOME": str(home), "PODIUM_PLATFORM_CONFIG": str(config),
           "PODIUM_MODELS_ROOT": str(models),
           "PODIUM_DATA_DIR": "none", "PODIUM_SECRET_KEY": "live-test-secret"}
    log = home / "serve.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "podium.cli.main", "serve", "--demo", "--demo-suites", LIVE_DEMO_SUITES, "--limit", "2",
         "--tasks", LIVE_TASK, "--port", str(port)], env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    factory = session_factory(make_engine(f"sqlite:///{home / 'podium.db'}"))
    return Live(process, f"http://127.0.0.1:{port}", home, factory, log)


@pytest.fixture(scope="session")
def live_started(tmp_path_factory, demo_models):
    """Start `podium serve --demo` (not waiting for it): the demo evaluations begin at once.

    Each module that imports this fixture gets its own fixture instance, so the server itself
    is kept in a module global: every module shares one server and its evaluations."""
    if not _LIVE:
        _LIVE.append(start_live(tmp_path_factory, demo_models))
    yield _LIVE[0]
    _LIVE[0].stop()  # idempotent: the first module's teardown at session end stops it


@pytest.fixture(scope="session")
def live(live_started) -> Live:
    live_started.wait_ready()
    return live_started
