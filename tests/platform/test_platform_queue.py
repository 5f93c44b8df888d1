"""The store and the queue on SQLite and the real PostgreSQL: schema, state machine, claims,
priority, leases, fencing, retry bounds, cancel and requeue."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text

from podium.platform import job_ops, moderation, queue
from podium.platform.db import default_url, transaction, utcnow
from podium.platform.errors import Conflict, Forbidden
from podium.platform.migrate import HEAD, current_revision, head_revision
from podium.platform.models import Base, Job, Result
from podium.platform.states import TERMINAL, TRANSITIONS, can_transition
from support.db import db, enqueue, fast_settings, home, sqlite_db, user  # noqa: F401
from support.records import record, score

RECORD = record([score("arc", "ARC", 0.5, 33.3)], 33.3)


@pytest.fixture
def model_dir(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"\0" * 8)
    return folder


def _complete(session, claim, **kw):
    return queue.complete(session, claim, record=RECORD, details_path="/nowhere",
                          wall_seconds=kw.pop("wall_seconds", 60.0), **kw)


def _job(db, job_id) -> Job:
    with db.factory() as session:
        return session.get(Job, job_id)


def test_migrations_match_the_models(db):
    assert current_revision(db.engine) == HEAD == head_revision()
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_sqlite_is_in_wal_mode_under_podium_home(sqlite_db, home, monkeypatch):
    monkeypatch.delenv("PODIUM_DB_URL", raising=False)
    assert default_url() == f"sqlite:///{home / 'podium.db'}"
    with sqlite_db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_state_machine():
    assert TRANSITIONS["pending"] == {"running", "cancelled"}
    assert TRANSITIONS["running"] == {"pending", "finished", "failed", "cancelled"}
    assert all(not TRANSITIONS[s] for s in TERMINAL)
    assert not can_transition("finished", "pending") and not can_transition("pending", "finished")


def test_claim_complete_exactly_once(db, model_dir):
    settings = fast_settings()
    receipt = enqueue(db, model_dir, "acme/one", user(db), settings)
    with transaction(db.factory) as s:
        claim = queue.claim_next(s, "w1", settings)
    assert (claim.job_id, claim.attempt, claim.repo_id) == (receipt.job_id, 1, "acme/one")
    assert _job(db, claim.job_id).state == "running"
    with transaction(db.factory) as s:
        assert queue.claim_next(s, "w2", settings) is None  # nothing else pending
        assert _complete(s, claim)
    with transaction(db.factory) as s:
        assert not _complete(s, claim)  # a duplicated report is refused
        assert queue.fail(s, claim, "crashed", "late", None, settings) is None
    job = _job(db, claim.job_id)
    assert (job.state, job.wall_seconds, job.lease_owner) == ("finished", 60.0, None)
    with db.factory() as s:
        assert s.scalar(select(func.count(Result.id))) == 1


def test_stale_attempt_is_fenced_out(db, model_dir):
    settings = fast_settings()
    enqueue(db, model_dir, "acme/one", user(db), settings)
    with transaction(db.factory) as s:
        first = queue.claim_next(s, "w1", settings)
    later = utcnow() + timedelta(seconds=settings.lease_seconds + 1)
    with transaction(db.factory) as s:
        assert queue.reap_expired(s, settings, now=later) == [(first.job_id, "pending")]
        second = queue.claim_next(s, "w2", settings, now=later)
    assert second.attempt == 2
    with transaction(db.factory) as s:
        assert not queue.heartbeat(s, first, settings)
        assert not _complete(s, first)
        assert queue.fail(s, first, "crashed", "stale", None, settings) is None
        assert queue.heartbeat(s, second, settings, {"task_index": 1})
        assert _complete(s, second)
    with db.factory() as s:
        results = s.scalars(select(Result)).all()
    assert [(r.job_id, r.attempt) for r in results] == [(second.job_id, 2)]


def test_priority_votes_then_submission_time(db, model_dir):
    settings = fast_settings()
    alice, bob = user(db, "alice"), user(db, "bob")
    t0 = utcnow() - timedelta(hours=3)
    old, middle, new = (enqueue(db, model_dir, f"acme/m{i}", alice, settings, submitted_at=t0 + timedelta(hours=i))
                        for i in range(3))
    with transaction(db.factory) as s:
        for voter in (alice, bob):
            moderation.vote(s, new.submission_id, voter)
        moderation.vote(s, middle.submission_id, alice)
        assert not moderation.vote(s, middle.submission_id, alice)  # one vote per user
    with db.factory() as s:
        listed = job_ops.list_jobs(s, states=["pending"])
    assert [(j.id, j.queue_position, j.votes) for j in listed] == [
        (new.job_id, 1, 2), (middle.job_id, 2, 1), (old.job_id, 3, 0)]
    order = []
    with transaction(db.factory) as s:
        while claim := queue.claim_next(s, "w", settings):
            order.append(claim.job_id)
    assert order == [new.job_id, middle.job_id, old.job_id]


def test_lease_expiry_and_retry_bounds(db, model_dir):
    settings = fast_settings()
    receipt = enqueue(db, model_dir, "acme/one", user(db), settings)
    now = utcnow()
    for attempt in (1, 2, 3):
        with transaction(db.factory) as s:
            claim = queue.claim_next(s, "w", settings, now=now)
            assert claim.attempt == attempt
            assert queue.reap_expired(s, settings, now=now) == []  # lease still valid
        now += timedelta(seconds=settings.lease_seconds + 1)
        with transaction(db.factory) as s:
            expected = "pending" if attempt < 3 else "failed"
            assert queue.reap_expired(s, settings, now=now) == [(receipt.job_id, expected)]
    job = _job(db, receipt.job_id)
    assert (job.state, job.error_class) == ("failed", "worker_lost")
    assert "stopped renewing its lease" in job.error_message and "Giving up after 3 attempts" in job.error_message


@pytest.mark.parametrize("error_class, attempts", [("crashed", 3), ("out_of_memory", 3), ("model_load", 1),
                                                   ("timeout", 2), ("model_error", 2), ("data_missing", 1)])
def test_failures_are_retried_a_bounded_number_of_times(sqlite_db, model_dir, error_class, attempts):
    settings = fast_settings()
    receipt = enqueue(sqlite_db, model_dir, "acme/one", user(sqlite_db), settings)
    states = []
    while True:
        with transaction(sqlite_db.factory) as s:
            claim = queue.claim_next(s, "w", settings)
            if claim is None:
                break
            states.append(queue.fail(s, claim, error_class, "it broke.", "last log line", settings))
    assert states == ["pending"] * (attempts - 1) + ["failed"]
    job = _job(sqlite_db, receipt.job_id)
    assert (job.state, job.attempt, job.error_class, job.log_tail) == ("failed", attempts, error_class, "last log line")


def test_cancel_and_requeue(db, model_dir):
    settings = fast_settings()
    alice, mallory = user(db, "alice"), user(db, "mallory")
    operator = user(db, "root", role="operator")
    first = enqueue(db, model_dir, "acme/one", alice, settings)
    second = enqueue(db, model_dir, "acme/two", alice, settings)
    with transaction(db.factory) as s:
        with pytest.raises(Forbidden):
            job_ops.cancel_job(s, first.job_id, mallory)
        job_ops.cancel_job(s, first.job_id, alice)  # a submitter may cancel their own job
    with transaction(db.factory) as s:
        with pytest.raises(Conflict, match="cancelled; it cannot become cancelled"):
            job_ops.cancel_job(s, first.job_id, operator)
        claim = queue.claim_next(s, "w", settings)
    assert claim.job_id == second.job_id  # the cancelled job is never claimed
    with transaction(db.factory) as s:
        job_ops.cancel_job(s, second.job_id, operator)  # a running one: its worker loses the lease
    with transaction(db.factory) as s:
        assert not queue.heartbeat(s, claim, settings)
        assert not _complete(s, claim)
        with pytest.raises(Forbidden):
            job_ops.requeue_job(s, first.job_id, mallory, settings)  # not hers
        rerun_id = job_ops.requeue_job(s, first.job_id, alice, settings)  # a submitter may retry her cancelled job
        with pytest.raises(Conflict, match="already has job"):
            job_ops.requeue_job(s, first.job_id, operator, settings)
    rerun = _job(db, rerun_id)
    assert (rerun.state, rerun.kind, rerun.rerun_of_id, rerun.submission_id) == (
        "pending", "rerun", first.job_id, first.submission_id)
    with db.factory() as s:
        info = job_ops.inspect_job(s, second.job_id)
    assert info["job"]["state"] == "cancelled" and info["job"]["error_message"] == "Cancelled by root."


def test_concurrent_claims_never_share_a_job(db, model_dir):
    """Four threads, each with its own connection, race to claim 20 jobs."""
    settings = fast_settings()
    alice = user(db)
    jobs = {enqueue(db, model_dir, f"acme/m{i}", alice, settings).job_id for i in range(20)}
    claimed: list[list[int]] = [[] for _ in range(4)]

    def drain(mine: list[int]) -> None:
        while True:
            with transaction(db.factory) as s:
                claim = queue.claim_next(s, f"w{id(mine)}", settings)
            if claim is None:
                return
            mine.append(claim.job_id)

    threads = [threading.Thread(target=drain, args=(c,)) for c in claimed]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    everything = [j for c in claimed for j in c]
    assert sorted(everything) == sorted(jobs)  # each job claimed exactly once
    with db.factory() as s:
        assert set(s.scalars(select(Job.attempt))) == {1}
