"""Submission: one test per validation rule, then duplicates, quotas and idempotency on both
databases. Models are copies of the demo models in a per-test mirror, broken one way each."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from podium.modelref import content_hash
from podium.platform import moderation
from podium.platform.db import transaction, utcnow
from podium.platform.errors import DuplicateSubmission, SubmissionRejected
from podium.platform.models import Job, Model, Submission
from podium.platform.submission import SubmissionRequest, inspect, record, submit
from podium.platform.weights import count_parameters, read_header
from support.db import db, fast_settings, home, sqlite_db, user  # noqa: F401
from support.models import (
    SHORT_CARD,
    build_lora,
    copy_model,
    make_corrupt,
    make_pickle_only,
    make_remote_code,
    remove_chat_template,
    rewrite_card,
)


@pytest.fixture
def mirror(home, demo_models):
    """The per-test model mirror, holding acme/good (gpt2-tiny) and acme/chat (llama-tiny-chat)."""
    copy_model(demo_models["podium-demo/gpt2-tiny"], home / "models", "acme/good")
    copy_model(demo_models["podium-demo/llama-tiny-chat"], home / "models", "acme/chat")
    return home / "models"


def request(model: str = "acme/good", **fields) -> SubmissionRequest:
    return SubmissionRequest(model=model, model_type=fields.pop("model_type", "pretrained"),
                             precision=fields.pop("precision", "float32"), **fields)


def do_submit(db, req: SubmissionRequest, settings=None, actor=None):
    with db.factory() as session:
        receipt = submit(session, req, actor or user(db), settings or fast_settings())
        session.commit()
    return receipt


def rejected(db, req: SubmissionRequest, settings=None, actor=None) -> SubmissionRejected:
    with pytest.raises(SubmissionRejected) as info:
        do_submit(db, req, settings, actor)
    return info.value


def broken(mirror, name: str, source: str = "acme/good"):
    return copy_model(mirror / source, mirror, f"acme/{name}")


def test_a_good_model_is_queued_with_its_facts_pinned(db, mirror):
    receipt = do_submit(db, request(revision="main"))
    folder = mirror / "acme" / "good"
    expected_params = count_parameters({"w": read_header(folder / "model.safetensors")}) / 1e9
    assert receipt.created and receipt.revision == content_hash(folder)  # a branch name is pinned
    with db.factory() as s:
        model = s.get(Model, receipt.model_id)
        job = s.get(Job, receipt.job_id)
        submitter = job.submission.submitter_id
    assert (model.source, model.location, model.architecture, model.license) == (
        "mirror", str(folder), "GPT2LMHeadModel", "apache-2.0")
    assert (model.params_billion, model.params_source) == (pytest.approx(expected_params), "safetensors")
    assert (model.has_chat_template, model.is_moe, model.is_merge, model.available) == (False, False, False, True)
    assert (job.state, job.kind, submitter) == ("pending", "eval", user(db).id)


def test_rule_model_exists(sqlite_db, mirror):
    error = rejected(sqlite_db, request("acme/missing"))
    assert error.rule == "model_exists"
    assert str(mirror / "acme" / "missing") in error.message and "HF_HUB_OFFLINE" in error.message


def test_rule_raw_paths_are_for_operators(sqlite_db, mirror):
    folder = str(mirror / "acme" / "good")
    error = rejected(sqlite_db, request(folder))
    assert error.rule == "model_exists" and "operators only" in error.render()
    receipt = do_submit(sqlite_db, request(folder), actor=user(sqlite_db, "root", "operator"))
    assert receipt.repo_id == folder


def test_rule_revision_is_pinned(sqlite_db, mirror):
    error = rejected(sqlite_db, request(revision="0" * 40))
    assert error.rule == "revision" and "content hash" in error.message


def test_rule_no_remote_code(sqlite_db, mirror):
    make_remote_code(broken(mirror, "custom"))
    error = rejected(sqlite_db, request("acme/custom"))
    assert error.rule == "remote_code" and "trust_remote_code" in error.message


def test_rule_config_loads(sqlite_db, mirror):
    (broken(mirror, "noconfig") / "config.json").unlink()
    assert rejected(sqlite_db, request("acme/noconfig")).rule == "config"


def test_rule_tokenizer_loads(sqlite_db, mirror):
    folder = broken(mirror, "notok")
    for name in ("tokenizer.json", "tokenizer_config.json"):
        (folder / name).unlink()
    assert rejected(sqlite_db, request("acme/notok")).rule == "tokenizer"


def test_rule_safetensors_weights_unless_pickle_allowed(sqlite_db, mirror):
    make_pickle_only(broken(mirror, "pickled-1.5B"))
    error = rejected(sqlite_db, request("acme/pickled-1.5B"))
    assert error.rule == "weights" and "pickle" in error.message and "safetensors" in error.render()
    receipt = do_submit(sqlite_db, request("acme/pickled-1.5B"), fast_settings(allow_pickle=True))
    assert receipt.params_billion == 1.5  # no metadata: the name is the last resort


def test_rule_params_come_from_metadata_not_the_name(sqlite_db, mirror):
    broken(mirror, "huge-70B")
    receipt = do_submit(sqlite_db, request("acme/huge-70B"))
    assert receipt.params_billion < 0.01


def test_rule_weights_are_not_damaged(sqlite_db, mirror):
    make_corrupt(broken(mirror, "damaged"))
    error = rejected(sqlite_db, request("acme/damaged"))
    assert error.rule == "weights" and "truncated or damaged" in error.message


def test_rule_license_present(sqlite_db, mirror):
    rewrite_card(broken(mirror, "unlicensed"), license=None)
    error = rejected(sqlite_db, request("acme/unlicensed"))
    assert error.rule == "license" and "license:" in error.render()


def test_rule_model_card_length(sqlite_db, mirror):
    rewrite_card(broken(mirror, "terse"), body=SHORT_CARD)
    error = rejected(sqlite_db, request("acme/terse"))
    assert error.rule == "model_card" and "at least 200" in error.message


def test_rule_chat_template_when_asked(sqlite_db, mirror):
    assert rejected(sqlite_db, request(use_chat_template=True)).rule == "chat_template"
    remove_chat_template(broken(mirror, "chat-without", source="acme/chat"))
    assert rejected(sqlite_db, request("acme/chat-without", use_chat_template=True)).rule == "chat_template"
    receipt = do_submit(sqlite_db, request("acme/chat", use_chat_template=True, model_type="chat"))
    assert receipt.created


def test_rule_size_caps_per_precision(sqlite_db, mirror):
    settings = fast_settings(size_caps_billion={"float32": 0.0001, "bfloat16": 1.0})
    error = rejected(sqlite_db, request(), settings)
    assert error.rule == "size" and "limit for float32 is 0.0001B" in error.message
    assert do_submit(sqlite_db, request(precision="bfloat16"), settings).created


def test_rule_precision_accepted(sqlite_db, mirror):
    error = rejected(sqlite_db, request(precision="8bit"))
    assert error.rule == "precision" and "does not evaluate 8bit" in error.message


def test_rule_suite_exists(sqlite_db, mirror):
    assert rejected(sqlite_db, request(suite="nope")).rule == "suite"


def test_rule_adapters_need_a_base_and_count_both(sqlite_db, mirror):
    folder = build_lora(mirror / "acme" / "good", mirror / "acme" / "lora", base_name="acme/good")
    shutil.copy(mirror / "acme" / "good" / "README.md", folder)
    assert rejected(sqlite_db, request("acme/lora", weight_type="Adapter")).rule == "base_model"
    base = do_submit(sqlite_db, request())
    receipt = do_submit(sqlite_db, request("acme/lora", weight_type="Adapter", base_model="acme/good"))
    adapter = count_parameters({"a": read_header(folder / "adapter_model.safetensors")})
    assert adapter > 0 and receipt.params_billion == pytest.approx(base.params_billion + adapter / 1e9)


def test_rule_opt_out(sqlite_db, mirror):
    error = rejected(sqlite_db, request(), fast_settings(opt_out=["acme"]))
    assert error.rule == "opt_out"


def test_duplicates_point_to_the_existing_entry(db, mirror):
    first = do_submit(db, request())
    with pytest.raises(DuplicateSubmission) as info:
        do_submit(db, request(revision="main"))
    assert (info.value.submission_id, info.value.job_id) == (first.submission_id, first.job_id)
    assert f"submission #{first.submission_id}" in info.value.message and "is pending" in info.value.message
    assert do_submit(db, request(precision="bfloat16")).created  # another precision is another entry
    chat = do_submit(db, request("acme/chat", model_type="chat", use_chat_template=False))  # off, asked for
    assert do_submit(db, request("acme/chat", model_type="chat", use_chat_template=True)).model_id == chat.model_id


def test_quota_per_organisation(db, mirror):
    settings = fast_settings(quota_per_org=2, quota_window_days=7)
    alice, operator = user(db), user(db, "root", "operator")
    ins = inspect(request(), alice, settings)
    with transaction(db.factory) as s:  # one submission from before the window does not count
        record(s, request(precision="float16"), ins, alice, settings, now=utcnow() - timedelta(days=8))
    do_submit(db, request(), settings)
    do_submit(db, request(precision="bfloat16"), settings)
    error = rejected(db, request("acme/chat", model_type="chat"), settings)
    assert error.rule == "quota" and "2 submissions in the last 7 days" in error.message
    operators = do_submit(db, request("acme/chat", model_type="chat", precision="bfloat16"), settings, operator)
    assert operators.created  # operators' submissions (official re-runs, the demo) are exempt
    with transaction(db.factory) as s:
        moderation.set_official_provider(s, "acme", True, operator)
    assert do_submit(db, request("acme/chat", model_type="chat"), settings).created  # official: exempt


def test_the_demo_queues_all_its_models_under_the_default_settings(sqlite_db, demo_models, monkeypatch):
    """`podium serve --demo` submits every demo model to each of its suites (v2, v1 and tracing)."""
    from podium.cli.serve_cmd import default_demo_suites, submit_demo_models
    from podium.platform.config import Settings

    monkeypatch.setenv("PODIUM_MODELS_ROOT", str(next(iter(demo_models.values())).parents[1]))
    queued = [m for suite in default_demo_suites() for m in submit_demo_models(sqlite_db.factory, Settings(), suite)]
    assert sorted(queued) == sorted(list(demo_models) * len(default_demo_suites()))
    assert submit_demo_models(sqlite_db.factory, Settings(), "trace") == []  # a restart queues nothing twice


def test_concurrent_submissions_never_exceed_the_quota(db, mirror):
    """Nine submissions of one organisation at once, quota 3: exactly three are queued."""
    import threading

    settings = fast_settings(quota_per_org=3, quota_window_days=7)
    alice = user(db)
    ins = inspect(request(), alice, settings)
    entries = [(p, s) for p in ("float32", "float16", "bfloat16") for s in ("openllm-v1", "openllm-v2", "ko-h5")]
    barrier, outcomes = threading.Barrier(len(entries)), []

    def one(precision, suite):
        barrier.wait()
        try:
            with transaction(db.factory) as s:
                record(s, request(precision=precision, suite=suite), ins, alice, settings)
            outcomes.append("queued")
        except SubmissionRejected as err:
            outcomes.append(err.rule)

    threads = [threading.Thread(target=one, args=e) for e in entries]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["queued"] * 3 + ["quota"] * 6, outcomes


def test_idempotency_key_returns_the_same_job(db, mirror):
    first = do_submit(db, request(idempotency_key="req-123"))
    again = do_submit(db, request(idempotency_key="req-123"))
    assert (again.job_id, again.submission_id, again.created) == (first.job_id, first.submission_id, False)
    with db.factory() as s:
        assert s.scalar(select(func.count(Job.id))) == 1


def test_idempotency_keys_belong_to_their_submitter(db, mirror):
    alice, bob = user(db, "alice"), user(db, "bob")
    first = do_submit(db, request(idempotency_key="shared-key"), actor=alice)
    other = do_submit(db, request("acme/chat", model_type="chat", idempotency_key="shared-key"), actor=bob)
    assert other.created and other.repo_id == "acme/chat" and other.submission_id != first.submission_id
    assert do_submit(db, request("acme/chat", model_type="chat", idempotency_key="shared-key"), actor=bob) == \
        other.__class__(**{**other.__dict__, "created": False})
    with db.factory() as s:
        assert s.scalar(select(func.count(Job.id))) == 2


def test_submission_and_job_share_one_transaction(sqlite_db, mirror):
    with sqlite_db.factory() as session:
        submit(session, request(), user(sqlite_db), fast_settings())
        session.rollback()
    with sqlite_db.factory() as s:
        assert (s.scalar(select(func.count(Submission.id))), s.scalar(select(func.count(Job.id)))) == (0, 0)
