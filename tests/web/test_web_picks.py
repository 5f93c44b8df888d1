"""Maintainer's picks through the web, on SQLite and the real PostgreSQL: the API (operators mark
and unmark with a reason; everyone sees who and when), the board's filter and preset, the entry
API and page, the CSV and the queue order."""

from __future__ import annotations

from datetime import timedelta

import pytest

from podium.eval.suites import SUITES
from podium.platform.db import transaction, utcnow
from podium.platform.models import Job, Model, Submission
from support.db import BACKENDS, open_db
from support.web import add_user, make_web, sign_in
from workshop.synthetic import add_entries


@pytest.fixture(params=BACKENDS)
def pick_web(request, tmp_path):
    """The app on a migrated SQLite or PostgreSQL database, with an operator and a user."""
    for db in open_db(request.param, tmp_path):
        w = make_web(tmp_path, db_url=db.url)
        add_user(w.factory, "mod", role="operator")
        add_user(w.factory, "user1")
        yield w
        w.app.state.web.engine.dispose()  # before the PostgreSQL schema is dropped


def _entries(w, n: int = 6) -> None:
    with transaction(w.factory) as session:
        add_entries(session, SUITES["openllm-v2"], n, seed=3)


def test_operators_pick_with_a_reason_and_everyone_sees_it(pick_web):
    w = pick_web
    _entries(w)
    row = w.board()["rows"][2]
    model, entry = row["model"], row["id"]
    assert row["picked"] is False and row["pick_reason"] is None
    body = {"model": model, "reason": "Documented data, strong on MATH."}
    csrf = sign_in(w.client, "user1")
    refused = w.client.post("/api/picks", json=body, headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403 and "Only operators may pick models" in refused.json()["error"]["message"]
    w.client.cookies.clear()
    csrf = sign_in(w.client, "mod")
    headers = {"X-CSRF-Token": csrf}
    blank = w.client.post("/api/picks", json={**body, "reason": "   "}, headers=headers)
    assert blank.status_code == 409 and "needs a reason" in blank.json()["error"]["message"]
    unknown = w.client.post("/api/picks", json={**body, "model": "nobody/nothing"}, headers=headers)
    assert unknown.status_code == 404 and "There is no model nobody/nothing" in unknown.json()["error"]["message"]
    extra = w.client.post("/api/picks", json={**body, "picked_by": "someone-else"}, headers=headers)
    assert extra.status_code == 422  # identity comes from the session, never from the body
    created = w.client.post("/api/picks", json=body, headers=headers)
    assert created.status_code == 201 and created.json()["picked"] is True
    again = w.client.post("/api/picks", json=body, headers=headers)
    assert again.status_code == 409 and "already a maintainer's pick by mod" in again.json()["error"]["message"]

    (listed,) = w.client.get("/api/picks").json()
    assert (listed["model"], listed["reason"], listed["picked_by"]) == (model, body["reason"], "mod")
    assert listed["picked_at"]
    pick = w.client.get(f"/api/entries/{entry}").json()["pick"]
    assert (pick["reason"], pick["picked_by"]) == (body["reason"], "mod")
    board = w.board()
    shown = next(r for r in board["rows"] if r["id"] == entry)
    assert (shown["picked"], shown["pick_reason"]) == (True, body["reason"])
    assert [r["id"] for r in board["rows"] if r["picked"]] == [entry]
    for params in ({"only": "picked"}, {"preset": "picks"}):
        only = w.board(**params)
        assert (only["total"], [r["id"] for r in only["rows"]]) == (1, [entry])
    bad = w.client.get("/api/boards/openllm-v2", params={"only": "favourites"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "only"
    csv = w.client.get("/api/boards/openllm-v2/export.csv", params={"only": "picked", "cols": "picked"}).text
    header, line = csv.splitlines()
    assert header.endswith(",picked,data notice") and model in line and line.endswith(",True,")  # no data notice

    removed = w.client.post("/api/picks/remove", json={"model": model}, headers=headers)
    assert removed.json() == {"model": model, "picked": False, "removed": True}
    assert w.board(only="picked")["total"] == 0
    assert w.client.get(f"/api/entries/{entry}").json()["pick"] is None
    assert w.client.get("/api/picks").json() == []


def test_picks_are_first_in_the_queue(pick_web):
    w = pick_web
    t0 = utcnow() - timedelta(hours=3)
    with transaction(w.factory) as session:
        for i in range(3):
            repo = f"acme/queued-{i}"
            model = Model(repo_id=repo, org="acme", source="hub", location=repo, revision=f"{i:040x}",
                          precision="float32", model_type="pretrained")
            sub = Submission(model=model, suite="openllm-v2", submitted_at=t0 + timedelta(hours=i))
            session.add_all([model, sub, Job(submission=sub)])
    csrf = sign_in(w.client, "mod")
    before = [j["model"] for j in w.client.get("/api/queue").json()["pending"]]
    assert before == ["acme/queued-0", "acme/queued-1", "acme/queued-2"]
    w.client.post("/api/picks", json={"model": "acme/queued-2", "reason": "Asked for by many."},
                  headers={"X-CSRF-Token": csrf})
    pending = w.client.get("/api/queue").json()["pending"]
    assert [(j["model"], j["position"], j["picked"]) for j in pending] == [
        ("acme/queued-2", 1, True), ("acme/queued-0", 2, False), ("acme/queued-1", 3, False)]
    assert "maintainer's picks (⭐) first" in w.client.get("/queue").text


def test_the_entry_page_form_picks_and_unpicks(pick_web):
    w = pick_web
    _entries(w, 3)
    row = w.board()["rows"][0]
    entry, model = row["id"], row["model"]
    csrf = sign_in(w.client, "user1")
    assert "⭐ Pick (operators)" not in w.client.get(f"/entries/{entry}").text
    refused = w.client.post(f"/entries/{entry}/pick", data={"reason": "Nice.", "csrf_token": csrf})
    assert refused.status_code == 403
    w.client.cookies.clear()
    csrf = sign_in(w.client, "mod")
    assert "⭐ Pick (operators)" in w.client.get(f"/entries/{entry}").text
    done = w.client.post(f"/entries/{entry}/pick", data={"reason": "Small and honest.", "csrf_token": csrf},
                         follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/entries/{entry}#pick"
    page = w.client.get(f"/entries/{entry}").text
    assert "⭐ Maintainer's pick: Small and honest." in page and "picked by mod on" in page
    assert f"Unpick {model}" in page
    w.client.cookies.clear()
    assert "⭐ Maintainer's pick: Small and honest." in w.client.get(f"/entries/{entry}").text  # visitors see it
    csrf = sign_in(w.client, "mod")
    w.client.post(f"/entries/{entry}/unpick", data={"csrf_token": csrf})
    assert "Maintainer's pick:" not in w.client.get(f"/entries/{entry}").text
    missing = w.client.post("/entries/999999/pick", data={"reason": "x", "csrf_token": csrf})
    assert missing.status_code == 422
