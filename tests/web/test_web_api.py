"""The JSON API over the real app and real SQLite: accounts, tokens, submissions, the queue,
votes, flags, entries and bad input of every kind. No request may answer 500."""

from __future__ import annotations

import pytest

from podium.eval.suites import SUITES
from podium.platform.db import transaction
from podium.platform.models import Job
from support.web import PASSWORD, add_user, live_started, seasoned_user, sign_in, synthetic_web, web  # noqa: F401
from workshop.synthetic import add_entries

# Start the live server now: its demo evaluations run while these tests do.
pytestmark = pytest.mark.usefixtures("live_started")

DEMO = "podium-demo/gpt2-tiny"


def submit(w, csrf, **fields):
    body = {"model": DEMO, "model_type": "pretrained", "precision": "float32", "suite": "openllm-v1", **fields}
    return w.client.post("/api/submissions", json=body, headers={"X-CSRF-Token": csrf})


# ---- accounts and tokens --------------------------------------------------------------------

def test_sign_up_sets_a_hardened_session_cookie_and_me_answers(web):
    response = web.client.post("/api/auth/signup", json={"username": "alice", "password": PASSWORD})
    assert response.status_code == 201 and response.json()["username"] == "alice"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("podium_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert web.client.get("/api/auth/me").json() == {"id": 1, "username": "alice", "role": "user", "via": "session"}


@pytest.mark.parametrize("body, status, phrase", [
    ({"username": "al", "password": PASSWORD}, 422, "3 to 40 characters"),
    ({"username": "bad name!", "password": PASSWORD}, 422, "3 to 40 characters"),
    ({"username": "bob", "password": "short"}, 422, "at least 10"),
    ({"username": "bob"}, 422, "password"),
    ({"username": "bob", "password": PASSWORD, "role": "operator"}, 422, "Extra inputs"),
])
def test_sign_up_refuses_bad_input_with_a_reason(web, body, status, phrase):
    response = web.client.post("/api/auth/signup", json=body)
    assert response.status_code == status and phrase in response.json()["error"]["message"]


def test_usernames_are_unique_regardless_of_case(web):
    assert web.client.post("/api/auth/signup", json={"username": "Carol", "password": PASSWORD}).status_code == 201
    response = web.client.post("/api/auth/signup", json={"username": "carol", "password": PASSWORD})
    assert response.status_code == 409 and "taken" in response.json()["error"]["message"]


def test_wrong_password_and_anonymous_me_are_401(web):
    add_user(web.factory, "dave")
    response = web.client.post("/api/auth/login", json={"username": "dave", "password": "wrong password!"})
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert web.client.get("/api/auth/me").status_code == 401


def test_cookie_writes_need_the_csrf_token_but_token_writes_do_not(web):
    add_user(web.factory, "erin")
    csrf = sign_in(web.client, "erin")
    assert web.client.post("/api/tokens", json={"name": "ci"}).json()["error"]["code"] == "csrf"
    assert web.client.post("/api/tokens", json={"name": "ci"}, headers={"X-CSRF-Token": "forged"}).status_code == 403
    created = web.client.post("/api/tokens", json={"name": "ci"}, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201 and created.json()["token"].startswith("pod_")
    token = created.json()["token"]
    web.client.cookies.clear()
    auth = {"Authorization": f"Bearer {token}"}
    assert web.client.get("/api/auth/me", headers=auth).json()["via"] == "token"
    listed = web.client.get("/api/tokens", headers=auth).json()
    assert [t["name"] for t in listed] == ["ci"] and "token" not in listed[0] and listed[0]["last_used_at"]
    assert web.client.delete(f"/api/tokens/{listed[0]['id']}", headers=auth).json()["revoked"] is True
    assert web.client.get("/api/auth/me", headers=auth).status_code == 401


def test_bad_or_foreign_tokens_are_refused(web):
    add_user(web.factory, "frank")
    add_user(web.factory, "grace")
    csrf = sign_in(web.client, "frank")
    token_id = web.client.post("/api/tokens", json={"name": "x"}, headers={"X-CSRF-Token": csrf}).json()["id"]
    web.client.cookies.clear()
    for header in ("Bearer pod_nope", "Bearer " + "x" * 500, "Basic Zm9vOmJhcg==", "Bearer"):
        assert web.client.get("/api/auth/me", headers={"Authorization": header}).status_code == 401
    csrf = sign_in(web.client, "grace")
    assert web.client.delete(f"/api/tokens/{token_id}", headers={"X-CSRF-Token": csrf}).status_code == 404


def test_sign_out_needs_csrf_and_ends_the_session(web):
    add_user(web.factory, "heidi")
    csrf = sign_in(web.client, "heidi")
    assert web.client.post("/api/auth/logout").status_code == 403
    assert web.client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).json() == {"signed_out": "heidi"}
    assert web.client.get("/api/auth/me").status_code == 401


# ---- submissions --------------------------------------------------------------------------

def test_submitting_needs_an_authenticated_user(web):
    response = web.client.post("/api/submissions", json={"model": DEMO, "model_type": "pretrained"})
    assert response.status_code == 401 and "sign in" in response.json()["error"]["message"]


@pytest.mark.parametrize("fields, status, field, phrase", [
    ({"model": "../../etc/passwd"}, 422, "model", "not a model id"),
    ({"model": "org/a..b"}, 422, "model", "not a model id"),
    ({"model": "-org/x"}, 422, "model", "not a model id"),
    ({"model": "/etc"}, 422, "model", "operators only"),
    ({"model": "org/" + "n" * 97}, 422, "model", "not a model id"),
    ({"revision": "../../x"}, 422, "revision", "not a valid revision"),
    ({"revision": "--upload-pack=evil"}, 422, "revision", "not a valid revision"),
    ({"revision": "x" * 129}, 422, "revision", "not a valid revision"),
    ({"precision": "float64"}, 422, "precision", "Input should be"),
    ({"model_type": "robot"}, 422, "model_type", "Input should be"),
    ({"suite": "openllm-v9"}, 422, "suite", "no suite"),  # the platform's suite rule names the field
    ({"submitter_id": 1}, 422, "submitter_id", "Extra inputs"),
    ({"weight_type": "Adapter"}, 422, "base_model", "need the base model"),
    ({"weight_type": "Delta", "base_model": "not an id"}, 422, "base_model", "not a model id"),
    ({"model": "nobody-org/no-such-model"}, 422, "model", "was not found"),
])
def test_malformed_submissions_say_which_field_is_wrong(web, fields, status, field, phrase):
    add_user(web.factory, "ivan")
    response = submit(web, sign_in(web.client, "ivan"), **fields)
    error = response.json()["error"]
    assert response.status_code == status, error
    assert error["field"] == field and phrase in error["message"]
    assert "Traceback" not in error["message"] and "/work" not in error["message"]


def test_a_valid_submission_is_queued_with_a_status_link_and_duplicates_are_refused(web):
    add_user(web.factory, "judy")
    csrf = sign_in(web.client, "judy")
    response = submit(web, csrf)
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["status_url"] == f"/jobs/{receipt['job_id']}" and receipt["created"] is True
    job = web.client.get(f"/api/jobs/{receipt['job_id']}").json()
    assert job["state"] == "pending" and job["model"]["repo_id"] == DEMO and "run_dir" not in job
    again = submit(web, csrf)
    assert again.status_code == 409 and again.json()["error"]["rule"] == "duplicate"


def test_chat_models_use_the_chat_template_by_default(web):
    add_user(web.factory, "kim")
    response = submit(web, sign_in(web.client, "kim"), model="podium-demo/llama-tiny-chat", model_type="chat")
    assert response.status_code == 201, response.text
    queued = web.client.get("/api/queue").json()["pending"]
    assert [j["chat_template"] for j in queued] == [True]


def test_operators_may_submit_folders_only_inside_the_models_root(web, demo_models, tmp_path):
    add_user(web.factory, "root", role="operator")
    csrf = sign_in(web.client, "root")
    outside = submit(web, csrf, model=str(tmp_path))
    assert outside.status_code == 422 and "inside the models root" in outside.json()["error"]["message"]
    inside = submit(web, csrf, model=str(demo_models["podium-demo/llama-tiny"]))
    assert inside.status_code == 201, inside.text


# ---- queue: votes, cancel, requeue -------------------------------------------------------------

def queued_job(web, username="owner") -> tuple[dict, str]:
    add_user(web.factory, username)
    csrf = sign_in(web.client, username)
    receipt = submit(web, csrf).json()
    return receipt, csrf


def test_votes_are_one_per_user_and_reorder_nothing_once_running(web):
    receipt, _ = queued_job(web)
    seasoned_user(web.factory, "voter")
    web.client.cookies.clear()
    entry = receipt["submission_id"]
    assert web.client.post(f"/api/entries/{entry}/vote").status_code == 401
    csrf = sign_in(web.client, "voter")
    first = web.client.post(f"/api/entries/{entry}/vote", headers={"X-CSRF-Token": csrf}).json()
    second = web.client.post(f"/api/entries/{entry}/vote", headers={"X-CSRF-Token": csrf}).json()
    assert (first["new"], second["new"]) == (True, False)
    pending = web.client.get("/api/queue").json()["pending"][0]
    assert pending["votes"] == 1 and pending["voted"] is True and pending["position"] == 1
    assert web.client.delete(f"/api/entries/{entry}/vote", headers={"X-CSRF-Token": csrf}).json()["removed"] is True
    with transaction(web.factory) as session:
        session.get(Job, receipt["job_id"]).state = "running"
    late = web.client.post(f"/api/entries/{entry}/vote", headers={"X-CSRF-Token": csrf})
    assert late.status_code == 409 and "not waiting" in late.json()["error"]["message"]
    assert web.client.post("/api/entries/999999/vote", headers={"X-CSRF-Token": csrf}).status_code == 404


def test_only_the_submitter_or_an_operator_may_cancel_and_requeue(web):
    receipt, owner_csrf = queued_job(web)
    job = receipt["job_id"]
    add_user(web.factory, "stranger")
    add_user(web.factory, "op", role="operator")
    web.client.cookies.clear()
    csrf = sign_in(web.client, "stranger")
    refused = web.client.post(f"/api/jobs/{job}/cancel", headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403 and "submitter" in refused.json()["error"]["message"]
    web.client.cookies.clear()
    csrf = sign_in(web.client, "owner")
    cancelled = web.client.post(f"/api/jobs/{job}/cancel", headers={"X-CSRF-Token": csrf}).json()
    assert cancelled["state"] == "cancelled" and "owner" in cancelled["error_message"]
    assert web.client.post(f"/api/jobs/{job}/cancel", headers={"X-CSRF-Token": csrf}).status_code == 409
    web.client.cookies.clear()
    csrf = sign_in(web.client, "stranger")
    assert web.client.post(f"/api/jobs/{job}/requeue", headers={"X-CSRF-Token": csrf}).status_code == 403
    web.client.cookies.clear()
    csrf = sign_in(web.client, "owner")  # the submitter may retry their own cancelled job
    rerun = web.client.post(f"/api/jobs/{job}/requeue", headers={"X-CSRF-Token": csrf}).json()
    assert rerun["state"] == "pending" and rerun["rerun_of_id"] == job
    web.client.cookies.clear()
    csrf = sign_in(web.client, "op")
    assert web.client.post(f"/api/jobs/{job}/requeue", headers={"X-CSRF-Token": csrf}).status_code == 409
    assert web.client.post("/api/jobs/2147483647/cancel", headers={"X-CSRF-Token": csrf}).status_code == 404


# ---- flags ---------------------------------------------------------------------------------

def test_flags_are_for_operators_and_show_on_the_board_with_evidence(synthetic_web):
    w = synthetic_web
    model = w.board()["rows"][0]["model"]
    add_user(w.factory, "user1")
    add_user(w.factory, "mod", role="operator")
    body = {"model": model, "reason": "trained on the test set", "evidence_url": "https://example.org/proof"}
    csrf = sign_in(w.client, "user1")
    assert w.client.post("/api/flags", json=body, headers={"X-CSRF-Token": csrf}).status_code == 403
    w.client.cookies.clear()
    csrf = sign_in(w.client, "mod")
    bad = w.client.post("/api/flags", json={**body, "evidence_url": "javascript:alert(1)"},
                        headers={"X-CSRF-Token": csrf})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "evidence_url"
    assert w.client.post("/api/flags", json=body, headers={"X-CSRF-Token": csrf}).status_code == 201
    row = next(r for r in w.board(q=model.split("/")[1])["rows"] if r["model"] == model)
    assert row["flagged"] and row["flag_url"] == "https://example.org/proof"
    resolved = w.client.post("/api/flags/resolve", json={"model": model}, headers={"X-CSRF-Token": csrf})
    assert resolved.json()["resolved"] == 1
    assert not next(r for r in w.board(q=model.split("/")[1])["rows"] if r["model"] == model)["flagged"]


# ---- entries --------------------------------------------------------------------------------

def test_an_entry_has_every_score_with_stderr_and_provenance(synthetic_web):
    entry = synthetic_web.client.get("/api/entries/1").json()
    tasks = entry["result"]["tasks"]
    assert [t["key"] for t in tasks] == [t.key for t in SUITES["openllm-v2"].tasks]
    assert all(t["stderr"] is not None and t["n_samples"] > 0 and t["raw"] is not None for t in tasks)
    assert entry["provenance"]["reproduce"].startswith("podium eval --model ")
    assert entry["metadata"]["precision"] in ("bfloat16", "float16", "float32")


@pytest.mark.parametrize("path, status", [
    ("/api/entries/0", 422), ("/api/entries/-1", 422), ("/api/entries/abc", 422),
    ("/api/entries/99999999999999999999", 422), ("/api/entries/424242", 404),
    ("/api/entries/1/samples/bbh", 404), ("/api/entries/1/samples/no_such_task", 404),
    ("/api/entries/1/samples/..%2F..%2Fetc", 404), ("/api/entries/1/samples/bbh?page=0", 422),
    ("/api/compare?ids=1", 422), ("/api/compare?ids=1,2,3,4,5", 422), ("/api/compare?ids=1,x", 422),
    ("/api/compare?ids=1,999999", 404), ("/api/compare/samples?ids=1,2", 422),
    ("/api/jobs/0", 422), ("/api/jobs/31337", 404), ("/api/nope", 404),
])
def test_bad_paths_and_ids_get_clear_errors(synthetic_web, path, status):
    response = synthetic_web.client.get(path)
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]


def test_private_tasks_show_aggregates_only_to_everyone_but_operators(web, tmp_path):
    from podium.eval.details import write_details

    folder = tmp_path / "result"
    sample = {"doc_id": 0, "arguments": [("Q: 1+1=", " 2"), ("Q: 1+1=", " 3")],
              "resps": [[(-1.0, True)], [(-3.0, False)]],
              "target": 0, "metrics": ["acc"], "acc": 1.0, "filter": "none", "doc": {}}
    write_details({"ko_hellaswag": [sample], "ko_commongen_v2": [sample]}, folder / "details")
    with transaction(web.factory) as session:
        [entry] = add_entries(session, SUITES["ko-h5"], 1, seed=3)
        from podium.platform.models import Result
        session.query(Result).update({"details_path": str(folder)})
    assert web.client.get(f"/api/entries/{entry}/samples/ko_commongen_v2").json()["samples"][0]["correct"] is True
    private = web.client.get(f"/api/entries/{entry}/samples/ko_hellaswag")
    assert private.status_code == 403 and "private" in private.json()["error"]["message"]
    add_user(web.factory, "keeper", role="operator")
    sign_in(web.client, "keeper")
    assert web.client.get(f"/api/entries/{entry}/samples/ko_hellaswag").json()["total"] == 1


# ---- limits and documentation ------------------------------------------------------------------

def test_request_bodies_over_64_kib_are_refused_before_they_are_read(web):
    big = {"model": "x" * (70 * 1024), "model_type": "chat"}
    response = web.client.post("/api/submissions", json=big)
    assert response.status_code == 413 and "64 KiB" in response.json()["error"]["message"]

    def chunks():
        for _ in range(100):
            yield b"x" * 1024

    streamed = web.client.post("/api/auth/login", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413
    assert web.client.post("/api/auth/login", content=b"{", headers={"Content-Length": "abc"}).status_code in (400, 413)


def test_malformed_json_is_a_422_not_a_crash(web):
    response = web.client.post("/api/auth/login", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422


def test_the_openapi_document_lists_every_api_route(web):
    paths = web.client.get("/openapi.json").json()["paths"]
    for path in ("/api/boards", "/api/boards/{suite}", "/api/boards/{suite}/export.csv", "/api/entries/{entry_id}",
                 "/api/entries/{entry_id}/samples/{task}", "/api/compare", "/api/compare/samples", "/api/submissions",
                 "/api/queue", "/api/jobs/{job_id}", "/api/jobs/{job_id}/cancel", "/api/jobs/{job_id}/requeue",
                 "/api/entries/{entry_id}/vote", "/api/flags", "/api/flags/resolve", "/api/auth/signup",
                 "/api/auth/login", "/api/auth/logout", "/api/auth/me", "/api/tokens", "/api/tokens/{token_id}",
                 "/api/tracing", "/api/entries/{entry_id}/tasks", "/api/users/{username}/sessions", "/api/picks",
                 "/api/picks/remove"):
        assert path in paths, path
    assert not any(p.startswith(("/board", "/login")) for p in paths)
    assert web.client.get("/docs").status_code == 200
