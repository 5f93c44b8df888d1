"""Maintainer's picks on SQLite and the real PostgreSQL: marking with a reason, who and when,
claim order (picks first, then votes), the board rows, the export column and the CLI."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from podium.cli.main import main as podium
from podium.platform import job_ops, moderation, picks, queue
from podium.platform.db import transaction, utcnow
from podium.platform.errors import Conflict, Forbidden, NotFound
from podium.platform.export import to_frame
from podium.platform.leaderboard import leaderboard
from podium.platform.models import Pick
from support.db import db, enqueue, fast_settings, home, user  # noqa: F401
from support.records import record, score


@pytest.fixture
def model_dir(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"\0" * 8)
    return folder


def test_pick_needs_an_operator_a_reason_and_a_submitted_model(db, model_dir):
    settings = fast_settings()
    alice, root = user(db, "alice"), user(db, "root", "operator")
    enqueue(db, model_dir, "acme/m", alice, settings)
    with transaction(db.factory) as s:
        with pytest.raises(Forbidden, match="Only operators may pick models"):
            picks.pick_model(s, "acme/m", "Strong small model.", alice)
        with pytest.raises(Conflict, match="needs a reason"):
            picks.pick_model(s, "acme/m", "   ", root)
        with pytest.raises(NotFound, match="There is no model acme/typo"):
            picks.pick_model(s, "acme/typo", "Strong small model.", root)
        with pytest.raises(Forbidden, match="Only operators may unpick models"):
            picks.unpick_model(s, "acme/m", alice)
    with db.factory() as s:
        assert picks.active_picks(s) == []


def test_pick_and_unpick_keep_who_and_when(db, model_dir):
    settings = fast_settings()
    alice, root, ops = user(db, "alice"), user(db, "root", "operator"), user(db, "ops", "operator")
    enqueue(db, model_dir, "acme/m", alice, settings)
    before = utcnow()
    with transaction(db.factory) as s:
        picks.pick_model(s, "acme/m", "  Best 1B model on MATH.  ", root)
    with transaction(db.factory) as s:
        with pytest.raises(Conflict, match="already a maintainer's pick by root"):
            picks.pick_model(s, "acme/m", "Again.", ops)
    with db.factory() as s:
        (found,) = picks.active_picks(s)
        assert (found.model, found.reason, found.picked_by) == ("acme/m", "Best 1B model on MATH.", "root")
        assert before <= found.picked_at <= utcnow()
    with transaction(db.factory) as s:
        assert picks.unpick_model(s, "acme/m", ops) is True
        assert picks.unpick_model(s, "acme/m", ops) is False  # nothing left to unpick
        picks.pick_model(s, "acme/m", "Back after the rerun.", ops)
    with db.factory() as s:
        history = s.scalars(select(Pick).order_by(Pick.id)).all()
        assert [(p.reason, p.created_by_id, p.removed_by_id, p.removed_at is not None) for p in history] == [
            ("Best 1B model on MATH.", root.id, ops.id, True), ("Back after the rerun.", ops.id, None, False)]
        assert picks.active_pick(s, "acme/m").picked_by == "ops"


def test_the_database_holds_at_most_one_active_pick_per_model(db):
    """Two operators picking at once: the partial unique index refuses the second active row."""
    with pytest.raises(IntegrityError), transaction(db.factory) as s:
        s.add_all([Pick(repo_id="acme/m", reason="one"), Pick(repo_id="acme/m", reason="two")])
        s.flush()
    with transaction(db.factory) as s:  # an ended pick and an active one may coexist
        s.add_all([Pick(repo_id="acme/m", reason="old", removed_at=utcnow()), Pick(repo_id="acme/m", reason="new")])


def test_picks_are_claimed_first_then_votes_then_submission_time(db, model_dir):
    settings = fast_settings()
    alice, bob, root = user(db, "alice"), user(db, "bob"), user(db, "root", "operator")
    t0 = utcnow() - timedelta(hours=5)
    old, voted, picked, late_pick, newest = (
        enqueue(db, model_dir, f"acme/m{i}", alice, settings, submitted_at=t0 + timedelta(hours=i)) for i in range(5))
    with transaction(db.factory) as s:
        for voter in (alice, bob):
            moderation.vote(s, voted.submission_id, voter)
        moderation.vote(s, late_pick.submission_id, bob)
        picks.pick_model(s, "acme/m2", "Worth a look.", root)
        picks.pick_model(s, "acme/m3", "Also worth a look.", root)
    expected = [late_pick.job_id, picked.job_id, voted.job_id, old.job_id, newest.job_id]
    with db.factory() as s:
        listed = job_ops.list_jobs(s, states=["pending"])
    assert [(j.id, j.queue_position, j.picked) for j in listed] == [
        (job, n, n <= 2) for n, job in enumerate(expected, 1)]
    order = []
    with transaction(db.factory) as s:
        while claim := queue.claim_next(s, "w", settings):
            order.append(claim.job_id)
    assert order == expected


def test_board_rows_and_export_carry_the_pick(db, home, model_dir):
    settings = fast_settings()
    alice, root = user(db, "alice"), user(db, "root", "operator")
    for repo in ("acme/picked", "meta/plain"):
        enqueue(db, model_dir, repo, alice, settings)
    with transaction(db.factory) as s:
        picks.pick_model(s, "acme/picked", "Clean training data, documented.", root)
        moderation.set_official_provider(s, "meta", True, root)  # an organisation, not a pick
        while claim := queue.claim_next(s, "w", settings):
            queue.complete(s, claim, record=record([score("arc", "ARC", 0.5, 33.3)], 33.3, suite="openllm-v2"),
                           details_path=str(home), wall_seconds=60.0)
    with db.factory() as s:
        board = leaderboard(s, settings, "openllm-v2")
    rows = {r.repo_id: r for r in board.rows}
    assert (rows["acme/picked"].picked, rows["acme/picked"].pick_reason) == (True, "Clean training data, documented.")
    assert (rows["meta/plain"].picked, rows["meta/plain"].official) == (False, True)
    frame = to_frame(board).set_index("Model")
    assert frame["Maintainer's Highlight"].dtype == pd.BooleanDtype()
    assert frame.loc["acme/picked", ["Maintainer's Highlight", "Official Providers", "Pick reason"]].tolist() == [
        True, False, "Clean training data, documented."]
    assert frame.loc["meta/plain", ["Maintainer's Highlight", "Official Providers"]].tolist() == [False, True]
    assert pd.isna(frame.loc["meta/plain", "Pick reason"])


def test_deleting_a_model_ends_its_pick(db, model_dir):
    settings = fast_settings()
    alice, root = user(db, "alice"), user(db, "root", "operator")
    enqueue(db, model_dir, "acme/m", alice, settings)
    with transaction(db.factory) as s:
        picks.pick_model(s, "acme/m", "Worth a look.", root)
        moderation.delete_model(s, "acme/m", root)
    with db.factory() as s:
        assert picks.active_picks(s) == []


def test_cli_pick_list_unpick(db, home, model_dir, capsys):
    enqueue(db, model_dir, "acme/m", user(db, "alice"), fast_settings())
    assert podium(["pick", "acme/m", "--reason", "Strong and small.", "--db", db.url]) == 0
    assert "acme/m is a maintainer's pick" in capsys.readouterr().out
    assert podium(["pick", "acme/m", "--reason", "Again.", "--db", db.url]) == 2
    assert "already a maintainer's pick" in capsys.readouterr().err
    assert podium(["pick", "--list", "--db", db.url]) == 0
    out = capsys.readouterr().out
    assert "⭐ acme/m  picked by cli:" in out and "Strong and small." in out and "1 maintainer's pick(s)." in out
    assert podium(["pick", "acme/m", "--db", db.url]) == 2
    assert "Give the reason with --reason" in capsys.readouterr().err
    assert podium(["unpick", "acme/m", "--db", db.url]) == 0
    assert "acme/m is no longer a maintainer's pick" in capsys.readouterr().out
    assert podium(["unpick", "acme/m", "--db", db.url]) == 0
    assert "acme/m was not a maintainer's pick" in capsys.readouterr().out
