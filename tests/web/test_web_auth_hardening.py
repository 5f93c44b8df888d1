"""Authentication under hostile input and abuse, through the real app on real SQLite: odd
cookies and tokens, no password hash inside the write lock, throttled sign-in and sign-up,
per-user limits on submissions, votes and requeues, vote gating, server-side sessions that
sign-out and operators end, CSRF tokens bound to the session, and Secure cookies."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from podium.cli.main import build_parser
from podium.cli.serve_cmd import web_config
from podium.platform.db import transaction, utcnow
from podium.platform.errors import Forbidden
from podium.platform.identity import get_or_create_user
from podium.platform.models import Job, User, WebSession
from podium.web.auth import passwords, session_store
from podium.web.auth.throttle import Throttle
from podium.web.config import AbuseSettings
from support.db import db  # noqa: F401
from support.web import PASSWORD, add_user, csrf_of, make_web, seasoned_user, sign_in  # noqa: F401

DEMO = "podium-demo/gpt2-tiny"


@pytest.fixture
def web(tmp_path, demo_models):
    return make_web(tmp_path)


def submit(w, csrf, model=DEMO):
    body = {"model": model, "model_type": "pretrained", "precision": "float32", "suite": "openllm-v1"}
    return w.client.post("/api/submissions", json=body, headers={"X-CSRF-Token": csrf})


# ---- odd cookies and tokens are invalid, never a 500 -------------------------------------------

@pytest.mark.parametrize("cookie", ['podium_session="a.\\351"', 'podium_csrf="\\351\\351\\351\\351\\351\\351\\351'
                                    '\\351\\351\\351\\351\\351\\351\\351\\351\\351"',
                                    "podium_session=\xe9\xe9".encode("latin-1")])
def test_a_non_ascii_cookie_is_anonymous_not_a_server_error(web, cookie):
    for path in ("/", "/api/queue", "/about"):
        assert web.client.get(path, headers={"Cookie": cookie}).status_code == 200
    assert web.client.get("/api/auth/me", headers={"Cookie": cookie}).status_code == 401


def test_a_non_ascii_csrf_token_is_refused_with_a_message(web):
    add_user(web.factory, "alice")
    web.client.get("/login")
    for path in ("/login", "/signup"):
        response = web.client.post(path, content=b"username=alice&password=x&csrf_token=%C3%A9",
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert response.status_code == 403 and "security token" in response.text
    sign_in(web.client, "alice")
    logout = web.client.post("/logout", content=b"csrf_token=%C3%A9",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert logout.status_code == 403 and "security token" in logout.text
    header = web.client.post("/api/tokens", json={"name": "x"}, headers={"X-CSRF-Token": "\xe9t\xe9".encode("latin-1")})
    assert header.status_code == 403 and header.json()["error"]["code"] == "csrf"


# ---- no password hash inside the database's write lock -----------------------------------------

def test_passwords_are_hashed_outside_the_write_lock(web, tmp_path, monkeypatch):
    """Each scrypt run tries to take SQLite's write lock from another connection: it must be free."""
    derive, locked = passwords._derive, []

    def probing_derive(*args, **kwargs):
        probe = sqlite3.connect(tmp_path / "web.db", timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
        except sqlite3.OperationalError as err:
            locked.append(str(err))
        finally:
            probe.close()
        return derive(*args, **kwargs)

    monkeypatch.setattr(passwords, "_derive", probing_derive)
    add_user(web.factory, "bob")
    assert web.client.post("/api/auth/login", json={"username": "bob", "password": "wrong password"}).status_code == 401
    assert web.client.post("/api/auth/login", json={"username": "nobody", "password": PASSWORD}).status_code == 401
    assert web.client.post("/api/auth/login", json={"username": "bob", "password": PASSWORD}).status_code == 200
    assert web.client.post("/api/auth/signup", json={"username": "carl", "password": PASSWORD}).status_code == 201
    form = csrf_of(web.client)
    assert web.client.post("/signup", data={"username": "dora", "password": PASSWORD, "csrf_token": form},
                           follow_redirects=False).status_code == 303
    assert locked == []


# ---- throttling ---------------------------------------------------------------------------------

def test_sign_in_is_throttled_per_address_before_any_hash_is_computed(tmp_path, demo_models, monkeypatch):
    w = make_web(tmp_path, abuse=AbuseSettings(sign_in_per_minute_per_address=3))
    add_user(w.factory, "erin")
    calls = []
    derive = passwords._derive
    monkeypatch.setattr(passwords, "_derive", lambda *a, **k: calls.append(1) or derive(*a, **k))
    answers = [w.client.post("/api/auth/login", json={"username": f"guess{i}", "password": "wrong password"})
               for i in range(6)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429, 429, 429]
    assert len(calls) == 3  # a throttled attempt never pays for scrypt
    refused = answers[-1]
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["error"]["code"] == "throttled" and "sign-in attempts" in refused.json()["error"]["message"]
    form = w.client.post("/login", data={"username": "erin", "password": PASSWORD, "csrf_token": csrf_of(w.client)})
    assert form.status_code == 429 and "retry-after" in form.headers and "Too many sign-in attempts" in form.text


def test_sign_in_is_throttled_per_account_and_sign_up_per_address(tmp_path, demo_models):
    w = make_web(tmp_path, abuse=AbuseSettings(sign_in_per_minute_per_account=2, sign_up_per_minute_per_address=2))
    add_user(w.factory, "fay")
    codes = [w.client.post("/api/auth/login", json={"username": name, "password": "wrong password"}).status_code
             for name in ("fay", "FAY ", "fay", "other")]
    assert codes == [401, 401, 429, 401]  # the account is throttled, not the address
    created = [w.client.post("/api/auth/signup", json={"username": f"new{i}", "password": PASSWORD}).status_code
               for i in range(3)]
    assert created == [201, 201, 429]
    with w.factory() as session:
        assert session.scalar(select(User.id).where(User.username == "new2")) is None


def test_the_throttle_table_has_a_fixed_size():
    throttle = Throttle(max_keys=3)
    for i in range(50):
        assert throttle.take([(("sign_in", f"10.0.0.{i}"), 1, 60.0)], now=100.0) == 0
    assert len(throttle) == 3
    assert throttle.take([(("sign_in", "10.0.0.49"), 1, 60.0)], now=100.0) == pytest.approx(60.0)
    assert throttle.take([(("sign_in", "10.0.0.49"), 1, 60.0)], now=160.0) == 0  # refilled after a minute


def test_submissions_votes_and_requeues_are_rate_limited_per_user(tmp_path, demo_models):
    w = make_web(tmp_path, abuse=AbuseSettings(submissions_per_hour_per_user=1, votes_per_hour_per_user=1,
                                               requeues_per_hour_per_user=1))
    add_user(w.factory, "gil")
    csrf = sign_in(w.client, "gil")
    first = submit(w, csrf)
    assert first.status_code == 201
    second = submit(w, csrf, "podium-demo/llama-tiny")
    assert second.status_code == 429 and "submissions" in second.json()["error"]["message"]
    entry = first.json()["submission_id"]
    seasoned_user(w.factory, "hal")
    w.client.cookies.clear()
    csrf = sign_in(w.client, "hal")
    assert w.client.post(f"/api/entries/{entry}/vote", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert w.client.delete(f"/api/entries/{entry}/vote", headers={"X-CSRF-Token": csrf}).status_code == 200
    again = w.client.post(f"/api/entries/{entry}/vote", headers={"X-CSRF-Token": csrf})
    assert again.status_code == 429 and "votes" in again.json()["error"]["message"]
    w.client.cookies.clear()
    csrf = sign_in(w.client, "gil")
    job = first.json()["job_id"]
    for _ in range(2):
        with transaction(w.factory) as session:
            session.query(Job).filter(Job.state == "pending").update({"state": "failed", "error_class": "model_load"})
        answer = w.client.post(f"/api/jobs/{job}/requeue", headers={"X-CSRF-Token": csrf})
        job = answer.json().get("id", job)
    assert answer.status_code == 429 and "requeues" in answer.json()["error"]["message"]


# ---- votes cannot be stuffed ------------------------------------------------------------------

def test_fresh_accounts_cannot_reorder_the_queue(tmp_path, demo_models):
    # 21 sign-ins from one test address: more than the default burst, which another test covers
    web = make_web(tmp_path, abuse=AbuseSettings(sign_in_per_minute_per_address=100))
    add_user(web.factory, "sub")
    csrf = sign_in(web.client, "sub")
    entries = [submit(web, csrf, m).json() for m in (DEMO, "podium-demo/llama-tiny", "podium-demo/llama-tiny-chat")]
    target = entries[2]["job_id"]
    for i in range(20):
        add_user(web.factory, f"sock{i}")
        web.client.cookies.clear()
        csrf = sign_in(web.client, f"sock{i}")
        refused = web.client.post(f"/api/entries/{entries[2]['submission_id']}/vote", headers={"X-CSRF-Token": csrf})
        assert refused.status_code == 403 and "days old" in refused.json()["error"]["message"]
    position = {j["id"]: j["position"] for j in web.client.get("/api/queue").json()["pending"]}
    assert position[target] == 3


def test_votes_need_an_aged_account_with_a_finished_submission_and_never_for_your_own_model(web):
    add_user(web.factory, "maker")
    csrf = sign_in(web.client, "maker")
    entry = submit(web, csrf).json()["submission_id"]
    old_id = add_user(web.factory, "old-but-idle")
    with transaction(web.factory) as session:
        session.get(User, old_id).created_at = utcnow() - timedelta(days=30)
    web.client.cookies.clear()
    csrf = sign_in(web.client, "old-but-idle")
    idle = web.client.post(f"/api/entries/{entry}/vote", headers={"X-CSRF-Token": csrf})
    assert idle.status_code == 403 and "finished" in idle.json()["error"]["message"]
    seasoned_user(web.factory, "regular", model="podium-demo/llama-tiny")
    web.client.cookies.clear()
    csrf = sign_in(web.client, "regular")
    assert web.client.post(f"/api/entries/{entry}/vote", headers={"X-CSRF-Token": csrf}).json()["new"] is True
    seasoned_user(web.factory, "owner", model=DEMO, suite="openllm-v2")  # submitted the same model before
    web.client.cookies.clear()
    csrf = sign_in(web.client, "owner")
    own = web.client.post(f"/api/entries/{entry}/vote", headers={"X-CSRF-Token": csrf})
    assert own.status_code == 403 and "your own" in own.json()["error"]["message"]


# ---- server-side sessions ----------------------------------------------------------------------

def test_sign_out_ends_the_session_on_the_server(web):
    add_user(web.factory, "ivy")
    csrf = sign_in(web.client, "ivy")
    cookie = web.client.cookies.get("podium_session")
    assert web.client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    web.client.cookies.set("podium_session", cookie)  # the old cookie, replayed
    assert web.client.get("/api/auth/me").status_code == 401
    with web.factory() as session:
        assert session.scalars(select(WebSession)).all() == []


def test_an_operator_revokes_a_users_sessions_by_api_and_by_cli(web, tmp_path):
    add_user(web.factory, "jay")
    add_user(web.factory, "boss", role="operator")

    def me_with(cookie):
        web.client.cookies.clear()
        web.client.cookies.set("podium_session", cookie)
        return web.client.get("/api/auth/me")

    sign_in(web.client, "jay")
    jay = web.client.cookies.get("podium_session")
    web.client.cookies.clear()
    csrf = sign_in(web.client, "boss")
    boss = web.client.cookies.get("podium_session")
    listed = web.client.get("/api/users/jay/sessions").json()
    assert len(listed) == 1 and set(listed[0]) == {"id", "created_at", "expires_at"}
    assert web.client.delete("/api/users/jay/sessions", headers={"X-CSRF-Token": csrf}).json() == {
        "username": "jay", "revoked": 1}
    assert me_with(jay).status_code == 401
    assert me_with(boss).json()["username"] == "boss"

    web.client.cookies.clear()
    csrf = sign_in(web.client, "jay")
    forbidden = web.client.delete("/api/users/boss/sessions", headers={"X-CSRF-Token": csrf})
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "forbidden"
    args = build_parser().parse_args(["sessions", "revoke", "jay", "--db", f"sqlite:///{tmp_path / 'web.db'}"])
    assert args.func(args) == 0
    assert web.client.get("/api/auth/me").status_code == 401
    assert me_with(boss).status_code == 200


# ---- CSRF tokens belong to one session ---------------------------------------------------------

def test_csrf_tokens_are_bound_to_the_session_and_rotate_at_sign_in(web):
    add_user(web.factory, "kim")
    add_user(web.factory, "lee")
    anonymous = csrf_of(web.client)
    kim = sign_in(web.client, "kim")
    assert kim != anonymous
    web.client.cookies.delete("podium_session")
    lee = sign_in(web.client, "lee")  # same browser (same CSRF cookie), another session
    assert lee != kim
    refused = web.client.post("/api/tokens", json={"name": "ci"}, headers={"X-CSRF-Token": kim})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf"
    assert web.client.post("/api/tokens", json={"name": "ci"}, headers={"X-CSRF-Token": lee}).status_code == 201


# ---- Secure cookies ----------------------------------------------------------------------------

def test_secure_cookies_setting_and_serve_flag(tmp_path, demo_models):
    w = make_web(tmp_path, secure_cookies=True)
    add_user(w.factory, "max")
    response = w.client.post("/api/auth/login", json={"username": "max", "password": PASSWORD})
    cookies = response.headers.get_list("set-cookie")
    assert {c.split("=")[0] for c in cookies} == {"podium_session", "podium_csrf"}
    assert all("Secure" in c for c in cookies)
    args = build_parser().parse_args(["serve", "--secure-cookies"])
    assert web_config(args, None).secure_cookies is True
    assert web_config(build_parser().parse_args(["serve"]), None).secure_cookies is False


# ---- requeue: one documented rule --------------------------------------------------------------

def test_a_submitter_requeues_a_failed_job_against_the_quota(tmp_path, demo_models):
    w = make_web(tmp_path, quota_per_org=2)
    add_user(w.factory, "ned")
    csrf = sign_in(w.client, "ned")
    receipt = submit(w, csrf).json()
    with transaction(w.factory) as session:
        session.get(Job, receipt["job_id"]).state = "failed"
    page = w.client.get(f"/jobs/{receipt['job_id']}").text
    assert f'action="/jobs/{receipt["job_id"]}/requeue"' in page
    rerun = w.client.post(f"/api/jobs/{receipt['job_id']}/requeue", headers={"X-CSRF-Token": csrf})
    assert rerun.status_code == 200 and rerun.json()["rerun_of_id"] == receipt["job_id"]
    with transaction(w.factory) as session:
        session.get(Job, rerun.json()["id"]).state = "failed"
    over = w.client.post(f"/api/jobs/{rerun.json()['id']}/requeue", headers={"X-CSRF-Token": csrf})
    assert over.status_code == 422 and over.json()["error"]["rule"] == "quota"
    doc = w.client.get("/openapi.json").json()["paths"]["/api/jobs/{job_id}/requeue"]["post"]
    assert "submitter" in doc["summary"] and "quota" in doc["description"]


# ---- the session store on both databases -------------------------------------------------------

def test_the_session_store_on_both_databases(db):
    with transaction(db.factory) as session:
        ann = get_or_create_user(session, "ann")
        root = get_or_create_user(session, "root", role="operator")
    with transaction(db.factory) as session:
        cookies = [session_store.start(session, ann.id) for _ in range(session_store.MAX_SESSIONS_PER_USER + 3)]
    with db.factory() as session:
        assert session_store.user_of(session, cookies[0]) is None  # the oldest beyond the cap are gone
        assert session_store.user_of(session, cookies[-1]).username == "ann"
        assert session_store.user_of(session, "a.\xe9") is None and session_store.user_of(session, None) is None
        assert len(session_store.list_live(session, "ann", root)) == session_store.MAX_SESSIONS_PER_USER
    with transaction(db.factory) as session:
        assert session_store.end(session, cookies[-1]) and not session_store.end(session, cookies[-1])
        session.execute(update(WebSession).where(WebSession.user_id == ann.id)
                        .values(expires_at=utcnow() - timedelta(seconds=1)))
    with db.factory() as session:
        assert session_store.user_of(session, cookies[-2]) is None  # expired
    with transaction(db.factory) as session:
        fresh = session_store.start(session, ann.id)  # also sweeps the expired rows
        assert session.scalar(select(func.count(WebSession.id))) == 1
        with pytest.raises(Forbidden):
            session_store.revoke_all(session, "root", ann)
        assert session_store.revoke_all(session, "ann", root) == 1
    with db.factory() as session:
        assert session_store.user_of(session, fresh) is None
