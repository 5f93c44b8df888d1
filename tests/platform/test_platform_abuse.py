"""Abuse rules of the platform on SQLite and the real PostgreSQL: idempotency keys belong to
their submitter, a submitter's requeues count against the quota, who may vote, and the 0002
migration (sessions table, per-submitter keys) over a store that already holds data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import insert, inspect, select, update
from sqlalchemy.exc import IntegrityError

from podium.platform import job_ops, moderation
from podium.platform.db import transaction, utcnow
from podium.platform.errors import Forbidden, SubmissionRejected
from podium.platform.migrate import HEAD, alembic_config, current_revision, upgrade
from podium.platform.models import Job, Model, Submission, User
from support.db import db, enqueue, fast_settings, home, user  # noqa: F401


@pytest.fixture
def model_dir(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"\0" * 8)
    return folder


def _fail(db, job_id: int) -> None:
    with transaction(db.factory) as s:
        s.execute(update(Job).where(Job.id == job_id).values(state="failed", error_class="model_load"))


def test_a_submitters_requeues_count_against_the_quota_and_operators_do_not(db, model_dir):
    settings = fast_settings(quota_per_org=2)
    alice, root = user(db, "alice"), user(db, "root", role="operator")
    first = enqueue(db, model_dir, "acme/one", alice, settings)
    _fail(db, first.job_id)
    with transaction(db.factory) as s:
        rerun = job_ops.requeue_job(s, first.job_id, alice, settings)  # 1 submission + 1 requeue = the quota
    _fail(db, rerun)
    with transaction(db.factory) as s:
        with pytest.raises(SubmissionRejected, match="requeues count as submissions") as info:
            job_ops.requeue_job(s, rerun, alice, settings)
        assert info.value.rule == "quota"
    with pytest.raises(SubmissionRejected):
        enqueue(db, model_dir, "acme/two", alice, settings)
    mallory = user(db, "mallory")
    with transaction(db.factory) as s:
        again = job_ops.requeue_job(s, rerun, root, settings)  # an operator's rerun is exempt and not counted
        assert s.get(Job, again).requested_by_id == root.id
        with pytest.raises(Forbidden):
            job_ops.requeue_job(s, first.job_id, mallory, settings)


def test_who_may_vote(db, model_dir):
    settings = fast_settings()
    owner, fresh, root = user(db, "owner"), user(db, "fresh"), user(db, "root", role="operator")
    veteran = user(db, "veteran")
    target = enqueue(db, model_dir, "acme/target", owner, settings)
    own_done = enqueue(db, model_dir, "acme/veteran-model", veteran, settings)
    with transaction(db.factory) as s:
        s.execute(update(User).where(User.id.in_([fresh.id, veteran.id]))
                  .values(created_at=utcnow() - timedelta(days=3)))
        s.execute(update(Job).where(Job.id == own_done.job_id).values(state="finished"))

    def refusal(actor, days=7.0, finished=True):
        with db.factory() as s:
            return moderation.vote_refusal(s, target.submission_id, actor, min_account_days=days,
                                           needs_finished_submission=finished)

    assert "your own" in refusal(owner)
    assert "7 days old" in refusal(fresh) and "7 days old" in refusal(veteran)
    assert "finished" in refusal(fresh, days=2) and refusal(veteran, days=2) is None
    assert refusal(fresh, days=2, finished=False) is None
    assert refusal(root) is None


def test_the_0002_migration_keeps_data_and_scopes_keys_per_submitter(db):
    cfg = alembic_config()
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
        conn.commit()
    assert current_revision(db.engine) == "0001"
    now = utcnow()
    with db.engine.begin() as conn:  # the tables below are unchanged by 0002, so today's metadata can write them
        assert "sessions" not in inspect(conn).get_table_names()
        a, b = (conn.execute(insert(User.__table__).values(username=name, role="user", created_at=now)
                             .returning(User.__table__.c.id)).scalar() for name in ("a", "b"))
        model = conn.execute(insert(Model.__table__).values(
            repo_id="o/m", org="o", source="mirror", location="o/m", revision="r", precision="float32",
            weight_type="Original", model_type="pretrained", has_chat_template=False, is_moe=False, is_merge=False,
            available=True, created_at=now).returning(Model.__table__.c.id)).scalar()
        kept = conn.execute(insert(Submission.__table__).values(
            model_id=model, suite="openllm-v1", use_chat_template=False, submitter_id=a, submitted_at=now,
            idempotency_key="k").returning(Submission.__table__.c.id)).scalar()
    upgrade(db.engine)
    assert current_revision(db.engine) == HEAD
    with transaction(db.factory) as s:
        assert s.scalar(select(Submission.idempotency_key).where(Submission.id == kept)) == "k"
        s.add(Submission(model_id=model, suite="openllm-v2", submitter_id=b, idempotency_key="k"))  # another's key
    with pytest.raises(IntegrityError):
        with transaction(db.factory) as s:
            s.add(Submission(model_id=model, suite="trace", submitter_id=a, idempotency_key="k"))
