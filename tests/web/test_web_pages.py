"""HTML pages and their forms over the real app: CSRF on every form, errors next to the field,
redirects that stay on the site, and every page answering for anonymous and signed-in users."""

from __future__ import annotations

import re

import pytest

from support.web import PASSWORD, add_user, seasoned_user, sign_in, synthetic_web, web  # noqa: F401

PAGES = ("/", "/board/openllm-v1", "/board/ko-h5", "/board/mmlu-variants", "/variants/mmlu-variants", "/archive",
         "/trends",
         "/trends?suite=ko-h5", "/tracing", "/about", "/citation", "/queue", "/compare", "/compare?ids=1,2",
         "/entries/1", "/login", "/signup", "/?q=llama;gemma&sort=params&order=asc&cols=license&pins=3")


def form_csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_for_anonymous_visitors(synthetic_web, path):
    response = synthetic_web.client.get(path)
    assert response.status_code == 200 and "<main>" in response.text


def test_pages_for_signed_in_users_and_operators(synthetic_web):
    add_user(synthetic_web.factory, "opal", role="operator")
    sign_in(synthetic_web.client, "opal")
    for path in ("/submit", "/account", "/entries/1", "/queue"):
        response = synthetic_web.client.get(path)
        assert response.status_code == 200 and "opal" in response.text and "operator" in response.text
    assert "Moderate (operators)" in synthetic_web.client.get("/entries/1").text


def test_pages_that_need_an_account_send_visitors_to_sign_in(web):
    for path in ("/submit", "/account"):
        response = web.client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == f"/login?next={path}"


@pytest.mark.parametrize("path, status", [("/board/nope", 404), ("/entries/999", 404), ("/jobs/99999", 404),
                                          ("/?color=red", 422), ("/?q=(a%2B)%2B", 422), ("/compare?ids=1,2,3,4,5", 422),
                                          ("/trends?suite=nope", 404), ("/nowhere", 404)])
def test_error_pages_say_what_to_do_without_internals(synthetic_web, path, status):
    response = synthetic_web.client.get(path)
    assert response.status_code == status and 'class="error-box"' in response.text
    assert "Traceback" not in response.text and "/work/" not in response.text


def test_sign_up_and_sign_in_forms_need_their_csrf_token(web):
    page = web.client.get("/signup").text
    body = {"username": "mallory", "password": PASSWORD}
    assert web.client.post("/signup", data=body).status_code == 403
    response = web.client.post("/signup", data={**body, "csrf_token": form_csrf(page)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/account"
    web.client.cookies.delete("podium_session")
    login = web.client.get("/login").text
    wrong = web.client.post("/login", data={**body, "password": "not the password", "csrf_token": form_csrf(login)})
    assert wrong.status_code == 401 and "wrong" in wrong.text
    evil = web.client.post("/login", data={**body, "next": "//evil.example/", "csrf_token": form_csrf(login)},
                           follow_redirects=False)
    assert evil.status_code == 303 and evil.headers["location"] == "/"


def test_sign_up_form_errors_are_shown_next_to_the_field(web):
    csrf = form_csrf(web.client.get("/signup").text)
    response = web.client.post("/signup", data={"username": "x", "password": PASSWORD, "csrf_token": csrf})
    assert response.status_code == 422 and "3 to 40 characters" in response.text


def test_submit_form_shows_platform_errors_by_field_and_links_to_the_status(web):
    add_user(web.factory, "sub")
    sign_in(web.client, "sub")
    csrf = form_csrf(web.client.get("/submit").text)
    fields = {"model": "podium-demo/gpt2-tiny", "revision": "", "precision": "float32", "weight_type": "Original",
              "model_type": "pretrained", "suite": "openllm-v1", "csrf_token": csrf}
    assert web.client.post("/submit", data={**fields, "csrf_token": "forged"}).status_code == 403
    bad = web.client.post("/submit", data={**fields, "revision": "../x"})
    assert bad.status_code == 422 and 'id="err-revision"' in bad.text and "not a valid revision" in bad.text
    missing = web.client.post("/submit", data={**fields, "model": "ghost-org/ghost"})
    assert 'id="err-model"' in missing.text and "&lt;model mirror&gt;" in missing.text
    assert "/work/" not in missing.text
    ok = web.client.post("/submit", data=fields)
    assert ok.status_code == 201 and re.search(r'href="/jobs/\d+"', ok.text)
    again = web.client.post("/submit", data=fields)
    assert again.status_code == 409 and "already submitted" in again.text


def test_queue_buttons_vote_cancel_and_requeue_through_forms(web):
    add_user(web.factory, "sub2")
    add_user(web.factory, "boss", role="operator")
    seasoned_user(web.factory, "fan")
    csrf = sign_in(web.client, "sub2")
    receipt = web.client.post("/api/submissions", headers={"X-CSRF-Token": csrf}, json={
        "model": "podium-demo/llama-tiny", "model_type": "pretrained", "precision": "float32",
        "suite": "openllm-v1"}).json()
    queue = web.client.get("/queue").text
    vote_button = f'action="/entries/{receipt["submission_id"]}/vote"'
    assert vote_button not in queue and "Cancel" in queue and "Requeue" not in queue  # no voting for your own
    token = form_csrf(queue)
    own = web.client.post(f"/entries/{receipt['submission_id']}/vote", data={"csrf_token": token, "back": "/queue"})
    assert own.status_code == 403 and "not your own" in own.text
    cancelled = web.client.post(f"/jobs/{receipt['job_id']}/cancel", data={"csrf_token": token}, follow_redirects=False)
    assert cancelled.headers["location"] == f"/jobs/{receipt['job_id']}"
    assert "cancelled" in web.client.get(cancelled.headers["location"]).text
    web.client.cookies.delete("podium_session")
    sign_in(web.client, "fan")
    token = form_csrf(web.client.get("/queue").text)  # the token of this session: sub2's is worthless now
    requeued = web.client.post(f"/jobs/{receipt['job_id']}/requeue", data={"csrf_token": token},
                               follow_redirects=False)
    assert requeued.status_code == 403
    web.client.cookies.delete("podium_session")
    sign_in(web.client, "boss")
    token = form_csrf(web.client.get("/queue").text)
    requeued = web.client.post(f"/jobs/{receipt['job_id']}/requeue", data={"csrf_token": token}, follow_redirects=False)
    assert requeued.status_code == 303 and "pending" in web.client.get(requeued.headers["location"]).text
    web.client.cookies.delete("podium_session")
    sign_in(web.client, "fan")
    queue = web.client.get("/queue").text
    assert vote_button in queue
    token = form_csrf(queue)
    voted = web.client.post(f"/entries/{receipt['submission_id']}/vote", data={"csrf_token": token, "back": "/queue"},
                            follow_redirects=False)
    assert voted.status_code == 303 and voted.headers["location"] == "/queue"
    assert "Voted" in web.client.get("/queue").text


def test_tokens_page_shows_a_new_token_once_and_revokes(web):
    add_user(web.factory, "tok")
    sign_in(web.client, "tok")
    csrf = form_csrf(web.client.get("/account").text)
    created = web.client.post("/account/tokens", data={"name": "laptop", "csrf_token": csrf})
    token = re.search(r'id="new-token">(pod_[^<]+)<', created.text).group(1)
    assert web.client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert token not in web.client.get("/account").text
    token_id = re.search(r'/account/tokens/(\d+)/revoke', created.text).group(1)
    web.client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert web.client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_operators_flag_and_unflag_from_the_model_page(synthetic_web):
    add_user(synthetic_web.factory, "judge", role="operator")
    sign_in(synthetic_web.client, "judge")
    csrf = form_csrf(synthetic_web.client.get("/entries/2").text)
    synthetic_web.client.post("/entries/2/flag", data={"reason": "contamination", "evidence_url": "https://e.org/1",
                                                        "csrf_token": csrf})
    page = synthetic_web.client.get("/entries/2").text
    assert "Flagged: contamination" in page and 'href="https://e.org/1"' in page
    synthetic_web.client.post("/entries/2/unflag", data={"csrf_token": csrf})
    assert "Flagged: contamination" not in synthetic_web.client.get("/entries/2").text


def test_user_text_is_escaped_in_pages(web):
    add_user(web.factory, "esc")
    sign_in(web.client, "esc")
    csrf = form_csrf(web.client.get("/submit").text)
    response = web.client.post("/submit", data={"model": "<script>alert(1)</script>", "model_type": "pretrained",
                                                "csrf_token": csrf})
    assert "<script>alert(1)" not in response.text and "&lt;script&gt;alert(1)" in response.text


def test_tracing_board_shows_trace_suite_results_from_the_store(web):
    """The `trace` suite has no score board: /board/trace leads to /tracing, which lists the store's rows."""
    from podium.eval.suites import SUITES
    from podium.platform.db import transaction
    from workshop.synthetic import add_entries

    with transaction(web.factory) as session:
        entries = add_entries(session, SUITES["trace"], 2, seed=5)
    response = web.client.get("/board/trace", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/tracing"
    api = web.client.get("/api/boards/trace")
    assert api.status_code == 404 and "/tracing" in api.text
    rows = web.client.get("/api/tracing").json()
    assert sorted(r["entry"] for r in rows if r["source"] == "store") == sorted(entries)
    page = web.client.get("/tracing").text
    assert all(f'href="/entries/{e}"' in page for e in entries) and "Provenance checks" in page
    assert web.client.get(f"/entries/{entries[0]}").status_code == 200
    assert web.client.get("/api/tracing/checks").json() == []
    assert 'href="/board/trace"' not in web.client.get("/archive").text
