"""Several app instances (replicas) over one database: each keeps its own board snapshot and
updates it in place from the store's change log (PostgreSQL LISTEN/NOTIFY, SQLite polling),
so a result the worker publishes, or a flag or vote made through another replica, shows on
its board without a rebuild; and an updated snapshot is the snapshot a rebuild would make."""

from __future__ import annotations

import time

from sqlalchemy import update

from podium.eval.suites import SUITES
from podium.platform import moderation, queue
from podium.platform.db import transaction
from podium.platform.identity import Actor
from podium.platform.models import Model, Pick
from podium.web.board.snapshot import MODES, build
from support.db import db, enqueue, user  # noqa: F401
from support.records import record, score
from support.web import add_user, make_web, seasoned_user, sign_in, synthetic_web  # noqa: F401
from workshop.synthetic import add_entries


def _same(updated, rebuilt) -> None:
    assert updated.rows == rebuilt.rows  # every cell
    for mode in MODES:
        assert [r["id"] for r in updated.ranked[mode]] == [r["id"] for r in rebuilt.ranked[mode]]
        ours, theirs = updated.ranking(mode), rebuilt.ranking(mode)  # ranks and rank ranges
        assert [(ours.rank(i), ours.range(i)) for i in rebuilt.by_id] == [
            (theirs.rank(i), theirs.range(i)) for i in rebuilt.by_id]
    ours, theirs = updated.indexes, rebuilt.indexes
    assert ours.names == theirs.names and ours.by_params == theirs.by_params
    assert ours.by_value == theirs.by_value and ours.sets == theirs.sets
    assert (updated.version, updated.versions) == (rebuilt.version, rebuilt.versions)


def test_an_updated_board_is_the_board_a_rebuild_makes(synthetic_web):
    boards, suite = synthetic_web.app.state.web.boards, SUITES["openllm-v2"]
    first = boards.get(suite)
    rows = list(first.rows)
    operator = Actor(add_user(synthetic_web.factory, "olga", "operator"), "olga", "operator")
    with transaction(synthetic_web.factory) as session:
        new = add_entries(session, suite, 3, seed=42)
    after_results = boards.get(suite)
    assert after_results is not first and set(new) <= after_results.everything
    with transaction(synthetic_web.factory) as session:
        moderation.flag_model(session, rows[5]["model"], "contaminated", operator)
        session.add(Pick(repo_id=rows[7]["model"], reason="a good one"))
        session.execute(update(Model).where(Model.repo_id == rows[0]["model"]).values(available=False))
        session.execute(update(Model).where(Model.repo_id == rows[9]["model"]).values(params_billion=3.14))
        moderation.set_official_provider(session, rows[11]["org"], not rows[11]["official"], operator)
        moderation.delete_model(session, rows[1]["model"], operator)
    updated = boards.get(suite)
    assert rows[1]["id"] not in updated.by_id and updated.by_id[rows[5]["id"]]["flagged"]
    assert boards.rebuilds == 1 and boards.updates == 2
    with synthetic_web.app.state.web.read_factory() as session:
        _same(updated, build(session, synthetic_web.app.state.web.config.settings, suite))
    with transaction(synthetic_web.factory) as session:  # nothing ranking reads: the ranks are kept, not redone
        moderation.flag_model(session, rows[20]["model"], "contaminated", operator)
    flagged = boards.get(suite)
    assert flagged.by_id[rows[20]["id"]]["flagged"] and boards.updates == 3
    with synthetic_web.app.state.web.read_factory() as session:
        _same(flagged, build(session, synthetic_web.app.state.web.config.settings, suite))


def _publish(db, settings, folder) -> None:
    """What a worker does once an evaluation finishes: claim, run, record the result."""
    with transaction(db.factory) as session:
        claim = queue.claim_next(session, "worker-1", settings)
        queue.complete(session, claim, record=record([score("arc", "ARC", 0.5, 50.0)], 50.0, suite="openllm-v2"),
                       details_path=str(folder), wall_seconds=1.0)


def _until(replica, predicate, what: str) -> dict:
    """Replica's board once `predicate` holds (changes reach another replica asynchronously)."""
    deadline = time.monotonic() + 30
    while not predicate(board := replica.board("openllm-v2", per_page=200, incomplete="show")):
        assert time.monotonic() < deadline, f"{what} never reached the other replica"
        time.sleep(0.05)
    return board


def test_a_change_made_through_one_replica_or_by_the_worker_shows_on_the_other_without_a_rebuild(db, tmp_path,
                                                                                                 demo_models):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"\0" * 8)
    one = make_web(tmp_path, db_url=db.url)
    # On PostgreSQL the other replica never polls: only the database's notifications can update it.
    other = make_web(tmp_path, db_url=db.url, recheck_seconds=3600 if db.backend == "postgresql" else 0)
    settings = one.app.state.web.config.settings
    try:
        owner = user(db, "owner")
        enqueue(db, folder, "acme/first", owner, settings)
        _publish(db, settings, folder)
        assert [r["model"] for r in one.board("openllm-v2", incomplete="show")["rows"]] == ["acme/first"]
        assert [r["model"] for r in other.board("openllm-v2", incomplete="show")["rows"]] == ["acme/first"]
        second = enqueue(db, folder, "acme/second", owner, settings).submission_id
        seasoned_user(one.factory, "voter")
        csrf = sign_in(one.client, "voter")
        assert one.client.post(f"/api/entries/{second}/vote", headers={"X-CSRF-Token": csrf}).status_code == 200
        _publish(db, settings, folder)
        board = _until(other, lambda b: len(b["rows"]) == 2, "the worker's result")
        assert {r["model"]: r["votes"] for r in board["rows"]} == {"acme/first": 0, "acme/second": 1}
        one.client.cookies.clear()
        add_user(one.factory, "op", role="operator")
        csrf = sign_in(one.client, "op")
        flagged = one.client.post("/api/flags", json={"model": "acme/first", "reason": "contaminated"},
                                  headers={"X-CSRF-Token": csrf})
        assert flagged.status_code == 201
        board = _until(other, lambda b: any(r["flag_reason"] for r in b["rows"]), "the flag")
        assert {r["model"]: r["flag_reason"] for r in board["rows"]} == {"acme/first": "contaminated",
                                                                          "acme/second": None}
        boards = other.app.state.web.boards
        assert boards.rebuilds == 1 and boards.updates >= 2  # built once, then only updated
    finally:
        for replica in (one, other):
            replica.app.state.web.boards.close()
