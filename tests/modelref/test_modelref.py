"""One model-reference grammar and resolution for the CLI, the platform, the web and tracing."""

from __future__ import annotations

import shlex
from dataclasses import replace

import pytest

from podium.errors import ModelLoadError, UsageError
from podium.eval.command import EvalCommand
from podium.modelref import DTYPES, PRECISIONS, content_hash, dtype_for, is_repo_id, is_revision, resolve
from podium.modelref.checks import load_report
from podium.modelref.resolve import BadRevision, ModelNotFound
from podium.platform.models import Model, Submission
from podium.platform.queue import Claim
from podium.platform.worker import eval_command
from podium.settings import EnvSettings
from podium.web.entries import reproduce_command
from support.db import fast_settings
from support.models import copy_model
from support.records import provenance


@pytest.mark.parametrize("text, ok", [
    ("EleutherAI/pythia-160m", True), ("Org_1/x-y_z.1", True), ("org/a..b", False), ("org/a--b", False),
    ("-org/x", False), ("org/x.git", False), ("noslash", False), ("a/b/c", False), ("org/" + "n" * 97, False),
])
def test_one_repo_id_grammar(text, ok):
    assert is_repo_id(text) is ok


@pytest.mark.parametrize("text, ok", [
    ("main", True), ("refs/pr/1", True), ("a" * 40, True), ("-rf", False), ("../x", False), ("/main", False),
    ("a//b", False), ("x" * 129, False),
])
def test_one_revision_grammar(text, ok):
    assert is_revision(text) is ok


def test_precisions_are_the_dtypes_plus_the_quantized_schemes():
    assert PRECISIONS[:len(DTYPES)] == DTYPES
    assert [dtype_for(p) for p in PRECISIONS] == [*DTYPES, None, None, None]


@pytest.fixture
def env(tmp_path, demo_models) -> EnvSettings:
    """A mirror holding acme/good, and a loose folder outside it."""
    copy_model(demo_models["podium-demo/gpt2-tiny"], tmp_path / "models", "acme/good")
    copy_model(demo_models["podium-demo/gpt2-tiny"], tmp_path, "loose/folder")
    return EnvSettings.read({"PODIUM_HOME": str(tmp_path), "HF_HUB_OFFLINE": "1"})


def test_an_id_in_the_mirror_is_the_mirror_copy_with_its_content_hash(env, tmp_path):
    ref = resolve("acme/good", env=env)
    folder = (tmp_path / "models" / "acme" / "good").resolve()
    assert (ref.source, ref.load_path, ref.content_hash, ref.hub_kwargs) == (
        "mirror", str(folder), content_hash(folder), {})


def test_folders_only_where_paths_are_allowed(env, tmp_path):
    folder = str(tmp_path / "loose" / "folder")
    assert resolve(folder, env=env).source == "path"
    with pytest.raises(ModelNotFound, match="operators only"):
        resolve(folder, allow_paths=False, env=env)


def test_an_id_missing_from_the_mirror_with_the_hub_off_is_an_error_naming_the_mirror(env, tmp_path):
    with pytest.raises(ModelNotFound) as err:
        resolve("acme/missing", env=env)
    assert str(tmp_path / "models" / "acme" / "missing") in err.value.message and "HF_HUB_OFFLINE" in err.value.message
    assert isinstance(err.value, ModelLoadError)


def test_a_hub_id_keeps_its_revision_for_from_pretrained(env):
    online = EnvSettings.read({"PODIUM_HOME": str(env.home)})
    ref = resolve("org/name", "v1.0", env=online)
    assert (ref.source, ref.load_path, ref.hub_kwargs) == ("hub", "org/name", {"revision": "v1.0"})
    assert resolve("org/name", env=online).revision == "main"


def test_revisions_are_checked_and_a_local_copy_is_only_its_own_hash(env):
    with pytest.raises(BadRevision, match="not a valid revision"):
        resolve("acme/good", "--upload-pack=evil", env=env)
    with pytest.raises(BadRevision, match="content hash") as err:
        resolve("acme/good", "0" * 40, env=env)
    assert isinstance(err.value, UsageError)
    ref = resolve("acme/good", env=env)
    assert resolve("acme/good", ref.content_hash, env=env).content_hash == ref.content_hash


def test_load_report_says_what_does_not_load(env, tmp_path, demo_models):
    (tmp_path / "empty").mkdir()
    assert load_report(tmp_path / "empty").config_error == "there is no config.json"
    good = load_report(env.models / "acme" / "good")
    assert (good.config_error, good.tokenizer_error, good.architecture) == (None, None, "GPT2LMHeadModel")
    assert load_report(demo_models["podium-demo/llama-tiny-chat"]).has_chat_template


@pytest.mark.parametrize("source, revision, precision, chat", [
    ("hub", "abc123", "bfloat16", True), ("mirror", "f00d", "float32", False), ("hub", "abc123", "gptq", False),
])
def test_the_reproduce_command_is_the_workers_command(source, revision, precision, chat):
    """The entry page's reproduce line and the worker's command line come from one builder."""
    claim = Claim(7, 1, "w", "org/m", source, "org/m" if source == "hub" else "/models/org/m", revision, precision,
                  chat, "openllm-v1")
    worker = eval_command(claim, fast_settings(eval_command=["podium", "eval"], eval_limit=2), "runs/reproduce")
    model = Model(repo_id="org/m", source=source, revision=revision, precision=precision)
    sub = Submission(model=model, suite="openllm-v1", use_chat_template=chat)
    recorded = provenance()
    recorded = replace(recorded, run=replace(recorded.run, limit=2, device="cuda", batch_size=8),
                       data=replace(recorded.data, dir="/data"))
    assert shlex.split(reproduce_command(sub, recorded)) == [  # and what the run recorded besides
        *worker, "--backend", "podium", "--device", "cuda", "--batch-size", "8", "--data-dir", "/data"]
    assert EvalCommand("org/m", source, "openllm-v1", revision, precision).args("o")[:6] == [
        "--model", "org/m", "--suite", "openllm-v1", "--output", "o"]
