"""`podium submit` decides what the web decides: the platform fills the chat-template default."""

from __future__ import annotations

import json

import pytest

from podium.cli.main import main
from podium.platform.models import Submission
from support.web import add_user, make_web, sign_in

CHAT_MODEL = "podium-demo/llama-tiny-chat"


def cli_submit(capsys, db_url: str, *flags: str) -> bool:
    """Submit the chat demo model with the real command; returns its entry's use_chat_template."""
    from podium.platform.db import make_engine, session_factory

    assert main(["submit", CHAT_MODEL, "--precision", "float32", "--suite", "openllm-v1", "--db", db_url, "--json",
                 *flags]) == 0
    receipt = json.loads(capsys.readouterr().out)
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            return session.get(Submission, receipt["submission_id"]).use_chat_template
    finally:
        engine.dispose()


def web_submit(tmp_path, **fields) -> bool:
    """Submit the chat demo model through the web API; returns the queued job's chat template."""
    web = make_web(tmp_path / "web")
    add_user(web.factory, "kim")
    body = {"model": CHAT_MODEL, "precision": "float32", "suite": "openllm-v1", **fields}
    response = web.client.post("/api/submissions", json=body, headers={"X-CSRF-Token": sign_in(web.client, "kim")})
    assert response.status_code == 201, response.text
    (job,) = web.client.get("/api/queue").json()["pending"]
    return job["chat_template"]


@pytest.mark.parametrize("model_type, flags, fields, expected", [
    ("chat", [], {}, True),  # the default: chat models use the chat template
    ("fine-tuned", [], {}, False),
    ("chat", ["--no-chat-template"], {"use_chat_template": False}, False),
    ("fine-tuned", ["--chat-template"], {"use_chat_template": True}, True),
])
def test_cli_and_web_choose_the_same_chat_template(demo_models, tmp_path, capsys, model_type, flags, fields,
                                                   expected):
    (tmp_path / "web").mkdir()
    from_cli = cli_submit(capsys, f"sqlite:///{tmp_path / 'cli.db'}", "--type", model_type, *flags)
    from_web = web_submit(tmp_path, model_type=model_type, **fields)
    assert from_cli is from_web is expected
