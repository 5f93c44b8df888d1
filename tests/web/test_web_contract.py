"""The API answers what its OpenAPI document says: 422 with the field for bad input, 401/403/404/409
documented where routes return them (with the error body's schema), 405 with `Allow`; and a
short schemathesis run over a live server finds no 5xx and no schema violation."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from support.seeded import Seeded, seed

FUZZ_SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "fuzz_api.py"


@pytest.fixture
def seeded(tmp_path, monkeypatch) -> Seeded:
    return seed(tmp_path, monkeypatch)


def _documented(doc: dict, method: str, template: str) -> dict:
    return doc["paths"][template][method.lower()]["responses"]


@pytest.mark.parametrize("method, template, url, role, body, status", [
    ("GET", "/api/compare", "/api/compare?ids=1", "anonymous", None, 422),
    ("GET", "/api/boards/{suite}", "/api/boards/openllm-v2?color=red", "anonymous", None, 422),
    ("POST", "/api/auth/signup", "/api/auth/signup", "anonymous", {"username": "a b", "password": "x" * 12}, 422),
    ("POST", "/api/auth/login", "/api/auth/login", "anonymous", b"\xff\xfe{", 422),
    ("GET", "/api/auth/me", "/api/auth/me", "anonymous", None, 401),
    ("POST", "/api/jobs/{job_id}/cancel", "/api/jobs/1/cancel", "anonymous", None, 401),
    ("POST", "/api/jobs/{job_id}/requeue", "/api/jobs/1/requeue", "submitter", None, 403),
    ("POST", "/api/flags", "/api/flags", "submitter", {"model": "org/x", "reason": "r"}, 403),
    ("GET", "/api/entries/{entry_id}/samples/{task}", "/api/entries/1/samples/gpqa", "owner", None, 403),
    ("GET", "/api/entries/{entry_id}", "/api/entries/4242", "anonymous", None, 404),
    ("GET", "/api/jobs/{job_id}", "/api/jobs/4242", "anonymous", None, 404),
    ("DELETE", "/api/tokens/{token_id}", "/api/tokens/4242", "owner", None, 404),
    ("GET", "/api/entries/{entry_id}/data-files.sha256", "/api/entries/4242/data-files.sha256", "anonymous", None, 404),
    ("POST", "/api/entries/{entry_id}/vote", "/api/entries/1/vote", "submitter", None, 409),
    ("POST", "/api/jobs/{job_id}/cancel", "/api/jobs/1/cancel", "owner", None, 409),
])
def test_errors_have_the_documented_status_and_body(seeded, method, template, url, role, body, status):
    client = seeded.web.client
    doc = client.get("/openapi.json").json()
    sent = {"content": body, "headers": {**seeded.headers(role), "Content-Type": "application/json"}} \
        if isinstance(body, bytes) else {"json": body, "headers": seeded.headers(role)}
    response = client.request(method, url, **sent)
    assert response.status_code == status, response.text
    documented = _documented(doc, method, template)
    assert str(status) in documented, f"{method} {template} answers {status} but documents {sorted(documented)}"
    error = response.json()["error"]
    assert error["code"] and error["message"]
    if status == 422:
        assert error["field"], error


def test_every_documented_error_carries_the_error_body(seeded):
    doc = seeded.web.client.get("/openapi.json").json()
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            codes = operation["responses"]
            assert "422" in codes, f"{method} {path}"
            for code, answer in codes.items():
                if code.startswith(("4", "5")):
                    assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
            if method != "get" and path not in ("/api/auth/login", "/api/auth/signup"):
                assert {"401", "403"} <= set(codes), f"{method} {path} needs a signed-in user: document 401 and 403"


@pytest.mark.parametrize("method, url, allowed", [
    ("PUT", "/api/entries/1/vote", "POST, DELETE"), ("DELETE", "/api/queue", "GET"),
    ("PATCH", "/api/tokens/1", "DELETE"),
    ("POST", "/about", "GET"),
])
def test_405_says_which_methods_are_allowed(seeded, method, url, allowed):
    response = seeded.web.client.request(method, url)
    assert response.status_code == 405 and response.headers["allow"] == allowed


@pytest.mark.slow
def test_a_short_schemathesis_run_finds_no_server_error_and_no_schema_violation(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("fuzz_api", FUZZ_SCRIPT)
    fuzz_api = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "fuzz_api", fuzz_api)  # its dataclasses look their module up
    spec.loader.exec_module(fuzz_api)
    runs = fuzz_api.run_fuzz(tmp_path, max_examples=6, entries=20, seed=1, phases="fuzzing", timeout=600)
    assert sum(r.requests for r in runs) >= 200, [r.line() for r in runs]
    for run in runs:
        assert run.server_errors == 0 and run.failures == 0 and run.exit_code == 0, run.report
