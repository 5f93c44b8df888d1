"""The fixed-cost caches change nothing but time: lm-eval's task index and built offline datasets.

A stored index lists exactly the tasks a fresh one does; a stored dataset is the build it
replaced; a changed data file is a new build; and a run on cold caches and one on warm caches
produce the same requests' outputs and scores, document by document. lm-eval's report on the
machine, which Podium drops, is skipped only while a task runs.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from podium.eval.data import cache as data_cache
from podium.eval.data.fixtures import write_fixture_data
from podium.eval.data.registry import get_source, load_offline
from podium.eval.details import read_details
from podium.eval.kinds.lm_eval import LM_EVAL_KEYS, _without_environment_report
from podium.eval.runner import EvalRequest, run_evaluation
from podium.eval.taskindex import _process_task_manager, build_task_manager, index_key
from podium.eval.tasks import TASKS_DIR

# One config of each v2 source, and a CSV source (pandas types, empty cells).
BUILDS = [("SaylorTwift/bbh", "snarks"), ("TAUR-Lab/MuSR", None), ("TIGER-Lab/MMLU-Pro", None),
          ("DigitalLearningGmbH/MATH-lighteval", "algebra"), ("wis-k/instruction-following-eval", None),
          ("Idavidrein/gpqa", "gpqa_main"), ("allenai/ai2_arc", "ARC-Challenge")]


@pytest.fixture
def fixture_dir(tmp_path) -> Path:
    return write_fixture_data(tmp_path / "data")


@pytest.fixture(autouse=True)
def _cold_memory():
    data_cache.clear_memory()
    yield
    data_cache.clear_memory()


def _same(a, b) -> None:
    assert list(a) == list(b)
    for split in a:
        assert a[split].features == b[split].features
        assert a[split].to_list() == b[split].to_list()


def test_task_index_is_stored_once_and_lists_the_same_tasks(tmp_path):
    fresh = build_task_manager(tmp_path)
    (stored,) = tmp_path.glob("task-index-*.json")
    index = json.loads(stored.read_text())
    cached = build_task_manager(tmp_path)
    assert cached.all_tasks == fresh.all_tasks and cached.all_groups == fresh.all_groups
    assert cached.all_subtasks == fresh.all_subtasks and cached.all_tags == fresh.all_tags
    shape = {name: (e.kind, e.yaml_path, e.tags) for name, e in fresh.task_index.items()}
    assert {name: (e.kind, e.yaml_path, e.tags) for name, e in cached.task_index.items()} == shape
    # Mark the stored index: a manager that shows the mark was read from the file, not rebuilt.
    index["podium_index_probe"] = {"kind": "TAG", "path": None, "tags": []}
    stored.write_text(json.dumps(index))
    assert "podium_index_probe" in build_task_manager(tmp_path).all_tags


def test_task_index_key_follows_podium_task_files(tmp_path):
    copy = shutil.copytree(TASKS_DIR, tmp_path / "tasks", ignore=shutil.ignore_patterns("__pycache__"))
    assert index_key(copy) == index_key(TASKS_DIR)
    yaml_file = next(copy.rglob("*.yaml"))
    yaml_file.write_text(yaml_file.read_text() + "\n# edited\n")
    assert index_key(copy) != index_key(TASKS_DIR)


@pytest.mark.parametrize("hub_path,name", BUILDS, ids=[b[0] for b in BUILDS])
def test_stored_build_equals_fresh_build(fixture_dir, tmp_path, hub_path, name):
    fresh = get_source(hub_path).build(fixture_dir, name)
    first = load_offline(fixture_dir, hub_path, name, cache_dir=tmp_path / "cache")
    data_cache.clear_memory()
    second = load_offline(fixture_dir, hub_path, name, cache_dir=tmp_path / "cache")
    _same(fresh, first)
    _same(fresh, second)


def test_stored_build_is_read_without_building(fixture_dir, tmp_path):
    source = get_source("SaylorTwift/bbh")
    hashes = {"bbh/data/snarks.json": "0" * 64}
    built = data_cache.cached_build(source.hub_path, "snarks", hashes, lambda: source.build(fixture_dir, "snarks"),
                                    source.build, tmp_path)
    data_cache.clear_memory()

    def must_not_build():
        raise AssertionError("rebuilt although a stored build matches the key")

    _same(built, data_cache.cached_build(source.hub_path, "snarks", hashes, must_not_build, source.build, tmp_path))


def test_changed_data_file_is_a_new_build(fixture_dir, tmp_path):
    cache_dir = tmp_path / "cache"
    before = load_offline(fixture_dir, "SaylorTwift/bbh", "snarks", cache_dir=cache_dir)
    path = fixture_dir / "bbh" / "data" / "snarks.json"
    raw = json.loads(path.read_text())
    raw["examples"][0]["input"] = "An edited question"
    path.write_text(json.dumps(raw))
    in_memory = load_offline(fixture_dir, "SaylorTwift/bbh", "snarks", cache_dir=cache_dir)
    data_cache.clear_memory()
    from_disk = load_offline(fixture_dir, "SaylorTwift/bbh", "snarks", cache_dir=cache_dir)
    assert before["test"][0]["input"] != "An edited question"
    assert in_memory["test"][0]["input"] == from_disk["test"][0]["input"] == "An edited question"
    (folder,) = (cache_dir / "datasets").iterdir()
    assert len(list(folder.iterdir())) == 1  # the old build was removed


def _details(output: Path) -> dict[str, list[dict]]:
    return {f.name: read_details(f) for f in sorted((output / "details").glob("*.parquet"))}


def test_cold_and_warm_runs_give_the_same_outputs(demo_models, fixture_dir, tmp_path, monkeypatch):
    """A run that builds the index and the datasets, then one that reads both from the cache folder."""
    monkeypatch.setenv("PODIUM_CACHE_DIR", str(tmp_path / "cache"))
    runs = []
    for name in ("cold", "warm"):
        data_cache.clear_memory()
        _process_task_manager.cache_clear()
        request = EvalRequest(model="podium-demo/gpt2-tiny", output=tmp_path / name, suite="openllm-v2",
                              tasks=["bbh", "musr", "mmlu_pro"], limit=2, data_dir=fixture_dir)
        run_evaluation(request)
        runs.append(json.loads((tmp_path / name / "results.json").read_text()))
        if name == "cold":
            assert list((tmp_path / "cache").glob("task-index-*.json"))
            assert len(list((tmp_path / "cache" / "datasets").iterdir())) == 24 + 1 + 1
    cold, warm = runs
    assert cold["podium"]["tasks"] == warm["podium"]["tasks"]
    assert cold["podium"]["data"]["files"] == warm["podium"]["data"]["files"]
    assert cold["results"] == warm["results"]
    assert _details(tmp_path / "cold") == _details(tmp_path / "warm")
    assert sum(len(rows) for rows in _details(tmp_path / "warm").values()) > 24 * 2  # every BBH subtask, 2 docs each


def test_lm_eval_environment_report_is_skipped_only_while_a_task_runs():
    from lm_eval import evaluator

    before = evaluator.add_env_info, evaluator.get_git_commit_hash
    with pytest.raises(KeyError), _without_environment_report():
        storage: dict = {}
        evaluator.add_env_info(storage)
        assert storage == {} and evaluator.get_git_commit_hash() is None
        raise KeyError("a failing task")
    assert (evaluator.add_env_info, evaluator.get_git_commit_hash) == before
    assert not {"pretty_env_info", "git_hash", "upper_git_hash"} & set(LM_EVAL_KEYS)  # what Podium keeps
