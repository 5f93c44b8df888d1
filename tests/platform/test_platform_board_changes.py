"""The board change log (migration 0012) on SQLite and the real PostgreSQL: the database's
triggers log every write that can change a board, and a reader applies each change once,
including one committed after a later id, and knows when the log no longer covers it."""

from __future__ import annotations

from alembic import command
from sqlalchemy import func, insert, select, text, update

from podium.eval.suites import SUITES
from podium.platform import board_changes, moderation
from podium.platform.board_changes import RETAIN, Cursor, pending
from podium.platform.db import transaction
from podium.platform.migrate import HEAD, alembic_config, current_revision, upgrade
from podium.platform.models import BoardChange, Job, Model, OfficialProvider, Pick, Submission
from support.db import db, user  # noqa: F401
from workshop.synthetic import add_entries


def _logged(db, cursor: Cursor) -> tuple[Cursor, frozenset]:
    with db.factory() as session:
        batch = pending(session, cursor)
    assert not batch.missed
    return batch.cursor, batch.changes


def test_every_write_that_changes_a_board_is_logged_by_the_database(db):
    operator = user(db, "olga", "operator")
    voter = user(db, "vic")
    with db.factory() as session:
        start = board_changes.start(session)
    with transaction(db.factory) as session:  # a finished result, as the worker publishes one
        entry, = add_entries(session, SUITES["openllm-v2"], 1, seed=5)
    with db.factory() as session:
        repo = session.scalar(select(Model.repo_id).join(Submission).where(Submission.id == entry))
    cursor, changes = _logged(db, start)
    assert {c for c in changes if c[0] != "org"} == {("submission", str(entry))}  # and its official providers
    with transaction(db.factory) as session:
        moderation.vote(session, entry, voter)
        moderation.flag_model(session, repo, "contaminated", operator)
        session.add(Pick(repo_id=repo, reason="a good one"))
        session.execute(update(Model).where(Model.repo_id == repo).values(available=False))
        moderation.set_official_provider(session, "neworg", True, operator)
    cursor, changes = _logged(db, cursor)
    assert changes == {("submission", str(entry)), ("repo", repo), ("org", "neworg")}
    with transaction(db.factory) as session:  # a job that has not finished changes no board
        other, = add_entries(session, SUITES["openllm-v2"], 1, seed=6)
        session.add(Job(id=10_000, submission_id=other, state="pending"))  # add_entries sets ids itself
    cursor, _ = _logged(db, cursor)
    with transaction(db.factory) as session:
        session.execute(update(Job).where(Job.state == "pending").values(state="running"))
    assert _logged(db, cursor)[1] == frozenset()
    with transaction(db.factory) as session:  # deleting the model deletes its entries: both logged
        moderation.delete_model(session, repo, operator)
    assert _logged(db, cursor)[1] == {("repo", repo), ("submission", str(entry))}


def test_a_change_committed_after_a_later_one_is_still_applied_once(db):
    with transaction(db.factory) as session:
        session.add_all([BoardChange(id=5, kind="submission", key="5", at=9e9),
                         BoardChange(id=7, kind="submission", key="7", at=9e9)])
    cursor, changes = _logged(db, Cursor())
    assert changes == {("submission", "5"), ("submission", "7")} and cursor == Cursor(0, frozenset({5, 7}))
    with transaction(db.factory) as session:  # id 6's transaction commits last
        session.add(BoardChange(id=6, kind="submission", key="6", at=9e9))
    cursor, changes = _logged(db, cursor)
    assert changes == {("submission", "6")} and cursor.seen == {5, 6, 7}
    assert _logged(db, cursor) == (cursor, frozenset())
    with transaction(db.factory) as session:  # once settled, the floor moves past them and forgets their ids
        session.execute(update(BoardChange).values(at=0.0))
    assert _logged(db, cursor) == (Cursor(7, frozenset()), frozenset())


def test_a_reader_further_behind_than_the_log_keeps_is_told_to_rebuild(db):
    with transaction(db.factory) as session:
        session.add(BoardChange(id=RETAIN + 5, kind="org", key="acme", at=0.0))
    with db.factory() as session:
        assert pending(session, Cursor(1)).missed and not pending(session, Cursor(5)).missed


def test_the_log_keeps_the_newest_changes_only(db):
    with transaction(db.factory) as session:
        session.execute(insert(BoardChange), [{"id": i, "kind": "org", "key": "old", "at": 0.0}
                                              for i in range(1, RETAIN + 1000)])
        if db.backend == "postgresql":  # the ids above were given, not drawn: draw the next from there
            session.execute(text("SELECT setval(pg_get_serial_sequence('board_changes', 'id'), :n)"),
                            {"n": RETAIN + 999})
        session.add(OfficialProvider(org="acme"))  # logged as change RETAIN + 1000
    with db.factory() as session:
        low, high, count = session.execute(select(func.min(BoardChange.id), func.max(BoardChange.id),
                                                  func.count(BoardChange.id))).one()
    assert (low, high, count) == (1001, RETAIN + 1000, RETAIN)


def test_the_change_log_migration_goes_down_and_up_again(db):
    config = alembic_config()
    with db.engine.connect() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0011")
        conn.commit()
    assert current_revision(db.engine) == "0011"
    with transaction(db.factory) as session:  # without the triggers, writes go on as before
        add_entries(session, SUITES["openllm-v2"], 1, seed=7)
    upgrade(db.engine)
    assert current_revision(db.engine) == HEAD
    with transaction(db.factory) as session:
        entry, = add_entries(session, SUITES["openllm-v2"], 1, seed=8)
    assert _logged(db, Cursor())[1] == {("submission", str(entry))}  # the providers were made before
