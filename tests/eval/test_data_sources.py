"""Offline data sources: hub-schema datasets from the real folder and from synthetic fixtures.

Counts on real data are those of shared/data/SOURCES.md. The stock lm-eval tasks are built
inside `offline_datasets` and their first prompt rendered, proving they accept the schema.
"""

from __future__ import annotations

import collections
from pathlib import Path

import pytest
import yaml

from podium.errors import DataMissingError
from podium.eval.data import offline_datasets
from podium.eval.data.fixtures import write_fixture_data
from podium.eval.data.registry import load_offline, registered_sources

LM_EVAL_TASKS = Path(__import__("lm_eval").__file__).parent / "tasks"


def _counts(dataset) -> dict[str, int]:
    return {split: ds.num_rows for split, ds in dataset.items()}


def _stock_configs(folder: str, pattern: str) -> list[str]:
    """The `dataset_name`s that lm-eval's stock task configs ask for."""
    return sorted(yaml.safe_load(p.read_text(encoding="utf-8"))["dataset_name"]
                  for p in (LM_EVAL_TASKS / folder).glob(pattern))


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory) -> Path:
    return write_fixture_data(tmp_path_factory.mktemp("fixture-data"))


# --- real data (counts from SOURCES.md) -------------------------------------------------

REAL_COUNTS = [
    ("Rowan/hellaswag", None, {"train": 10042 - 1000, "validation": 1000}),
    ("allenai/winogrande", "winogrande_xl", {"train": 10234, "validation": 1267}),
    ("truthfulqa/truthful_qa", "multiple_choice", {"validation": 817}),
    ("cais/mmlu", "all", {"test": 14042, "dev": 285}),
    ("TIGER-Lab/MMLU-Pro", None, {"test": 12032, "validation": 70}),
    ("TAUR-Lab/MuSR", None, {"murder_mysteries": 5, "object_placements": 20, "team_allocation": 5}),
    ("wis-k/instruction-following-eval", None, {"train": 541}),
    ("allenai/ai2_arc", "ARC-Challenge", {"train": 1056, "test": 1172}),
    ("openai/gsm8k", "main", {"train": 7473, "test": 1319}),
]


@pytest.mark.data
@pytest.mark.parametrize("hub_path,name,expected", REAL_COUNTS, ids=[c[0] for c in REAL_COUNTS])
def test_real_counts(real_data_dir, hub_path, name, expected):
    assert _counts(load_offline(real_data_dir, hub_path, name)) == expected


def _sum_over_configs(data_dir: Path, hub_path: str, names: list[str]) -> collections.Counter:
    total = collections.Counter()
    for name in names:
        total.update(_counts(load_offline(data_dir, hub_path, name)))
    return total


@pytest.mark.data
def test_real_mmlu_per_subject(real_data_dir):
    subjects = _stock_configs("mmlu/default", "mmlu_*.yaml")
    assert len(subjects) == 57
    assert _sum_over_configs(real_data_dir, "cais/mmlu", subjects) == {"test": 14042, "dev": 285}


@pytest.mark.data
def test_real_kmmlu_every_stock_subject(real_data_dir):
    subjects = _stock_configs("kmmlu/default", "kmmlu_*.yaml")  # includes Korean-History and Math
    assert len(subjects) == 45
    assert _sum_over_configs(real_data_dir, "HAERAE-HUB/KMMLU", subjects) == {"test": 35030, "dev": 225}


@pytest.mark.data
def test_real_bbh(real_data_dir):
    tasks = sorted(p.stem for p in (real_data_dir / "bbh" / "data").glob("*.json"))
    assert len(tasks) == 27
    assert set(_stock_configs("leaderboard/bbh_mc", "[!_]*.yaml")) <= set(tasks)
    assert _sum_over_configs(real_data_dir, "SaylorTwift/bbh", tasks) == {"test": 6511}


@pytest.mark.data
def test_real_math(real_data_dir):
    subjects = _stock_configs("leaderboard/math", "math_*.yaml")
    assert len(subjects) == 7
    assert _sum_over_configs(real_data_dir, "DigitalLearningGmbH/MATH-lighteval", subjects) == {
        "test": 5000, "train": 7500}
    level5 = sum(load_offline(real_data_dir, "DigitalLearningGmbH/MATH-lighteval", s)["test"]["level"].count("Level 5")
                 for s in subjects)
    assert level5 == 1324


@pytest.mark.data
def test_real_mmlu_pro_categories(real_data_dir):
    test = load_offline(real_data_dir, "TIGER-Lab/MMLU-Pro", None)["test"]
    assert collections.Counter(test["category"]) == {
        "biology": 717, "business": 789, "chemistry": 1132, "computer science": 410, "economics": 844,
        "engineering": 969, "health": 818, "history": 381, "law": 1101, "math": 1351, "other": 924,
        "philosophy": 499, "physics": 1299, "psychology": 798}
    assert test["question_id"] == sorted(test["question_id"])
    assert "pred" not in test.column_names and "generated_text" not in test.column_names


@pytest.mark.data
def test_real_hellaswag_order_and_pool(real_data_dir):
    ds = load_offline(real_data_dir, "Rowan/hellaswag", None)
    first = ds["validation"][0]  # the hub's first validation item is in the sample
    assert (first["ind"], first["activity_label"], first["label"]) == (24, "Roof shingle removal", "3")
    sampled = {(r["activity_label"], r["ctx"]) for r in ds["validation"]}
    assert not sampled & {(r["activity_label"], r["ctx"]) for r in ds["train"]}


@pytest.mark.data
def test_real_gpqa_is_missing_with_instructions(real_data_dir):
    if (real_data_dir / "gpqa" / "gpqa_main.csv").exists():
        pytest.skip("an operator supplied GPQA in this data folder")
    with pytest.raises(DataMissingError, match="password"):
        load_offline(real_data_dir, "Idavidrein/gpqa", "gpqa_main")


# --- synthetic fixtures -----------------------------------------------------------------

FIXTURE_COUNTS = [
    ("Rowan/hellaswag", None, {"train": 12, "validation": 2}),
    ("allenai/winogrande", "winogrande_xl", {"train": 8, "validation": 3}),
    ("truthfulqa/truthful_qa", "multiple_choice", {"validation": 2}),
    ("cais/mmlu", "anatomy", {"test": 3, "dev": 5}),
    ("cais/mmlu", "all", {"test": 60, "dev": 285}),
    ("HAERAE-HUB/KMMLU", "Accounting", {"test": 3, "dev": 5}),
    ("HAERAE-HUB/KMMLU", "Korean-History", {"test": 2, "dev": 5}),
    ("SaylorTwift/bbh", "snarks", {"test": 2}),
    ("DigitalLearningGmbH/MATH-lighteval", "algebra", {"train": 3, "test": 3}),
    ("TIGER-Lab/MMLU-Pro", None, {"test": 2, "validation": 10}),
    ("TAUR-Lab/MuSR", None, {"murder_mysteries": 2, "object_placements": 2, "team_allocation": 1}),
    ("wis-k/instruction-following-eval", None, {"train": 3}),
    ("Idavidrein/gpqa", "gpqa_diamond", {"train": 2}),
    ("allenai/ai2_arc", "ARC-Challenge", {"train": 26, "test": 2}),
    ("openai/gsm8k", "main", {"train": 8, "test": 2}),
]


def test_fixture_covers_these_sources():
    assert {c[0] for c in FIXTURE_COUNTS} <= set(registered_sources())


@pytest.mark.parametrize("hub_path,name,expected", FIXTURE_COUNTS, ids=[f"{c[0]}:{c[1]}" for c in FIXTURE_COUNTS])
def test_fixture_counts(fixture_dir, hub_path, name, expected):
    assert _counts(load_offline(fixture_dir, hub_path, name)) == expected


def test_fixture_data_is_deterministic_and_labelled(fixture_dir, tmp_path):
    again = write_fixture_data(tmp_path / "again")
    files = sorted(p.relative_to(fixture_dir) for p in fixture_dir.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert all((fixture_dir / f).read_bytes() == (again / f).read_bytes() for f in files)
    assert "synthetic" in (fixture_dir / "README.md").read_text().lower()


def test_hub_types(fixture_dir):
    """The column types lm-eval's templates depend on."""
    from datasets import ClassLabel, Value

    hellaswag = load_offline(fixture_dir, "Rowan/hellaswag", None)["validation"]
    assert hellaswag.column_names == ["ind", "activity_label", "ctx_a", "ctx_b", "ctx", "endings", "source_id",
                                      "split", "split_type", "label"]
    assert hellaswag.features["label"] == Value("string") and hellaswag.features["ind"] == Value("int32")
    winogrande = load_offline(fixture_dir, "allenai/winogrande", "winogrande_xl")["validation"]
    assert winogrande.column_names == ["sentence", "option1", "option2", "answer"]
    assert winogrande[0]["answer"] == "2"
    mmlu = load_offline(fixture_dir, "cais/mmlu", "anatomy")["test"]
    assert mmlu.features["answer"] == ClassLabel(names=["A", "B", "C", "D"]) and mmlu[0]["subject"] == "anatomy"
    mc = load_offline(fixture_dir, "truthfulqa/truthful_qa", "multiple_choice")["validation"][0]
    assert mc["mc2_targets"] == {"choices": ["Blue.", "It looks blue.", "Green.", "Plaid."], "labels": [1, 1, 0, 0]}
    musr = load_offline(fixture_dir, "TAUR-Lab/MuSR", None)["object_placements"][1]
    assert (musr["choices"], musr["answer_index"], musr["answer_choice"]) == ("['drawer', 'shelf']", 1, "shelf")
    kmmlu = load_offline(fixture_dir, "HAERAE-HUB/KMMLU", "Korean-History")["test"]
    assert kmmlu.features["answer"] == Value("int64") and kmmlu.features["Human Accuracy"] == Value("float64")


def test_row_orders(fixture_dir):
    hellaswag = load_offline(fixture_dir, "Rowan/hellaswag", None)
    assert hellaswag["validation"]["ind"] == [100, 102]  # the full file's order, not the sample's
    train = hellaswag["train"][0]  # rebuilt from the text format
    assert (train["ind"], train["ctx_a"], train["ctx_b"]) == (
        -1, "How to water a fern. Check the soil. Touch the soil.", "")
    assert hellaswag["train"][1]["ctx_b"] == "he"  # an unfinished last fragment is ctx_b
    math = load_offline(fixture_dir, "DigitalLearningGmbH/MATH-lighteval", "algebra")["test"]
    assert math["problem"][0] == "What is $2+3$?"  # 9.json before 18.json
    pro = load_offline(fixture_dir, "TIGER-Lab/MMLU-Pro", None)["test"]
    assert pro["question_id"] == [11, 12] and "pred" not in pro.column_names


def test_unknown_config_is_a_data_missing_error(fixture_dir):
    with pytest.raises(DataMissingError, match="no_such_subject"):
        load_offline(fixture_dir, "cais/mmlu", "no_such_subject")


def test_gpqa_missing_error_says_how_to_obtain(tmp_path):
    with pytest.raises(DataMissingError) as err:
        load_offline(tmp_path, "Idavidrein/gpqa", "gpqa_main")
    text = str(err.value)
    assert str(tmp_path / "gpqa" / "gpqa_main.csv") in text
    for needed in ("gated", "dataset.zip", "password", "README", "gpqa_extended.csv", "gpqa_diamond.csv"):
        assert needed in text


# --- the stock lm-eval tasks accept the schema ------------------------------------------

RENDERED = ["hellaswag", "winogrande", "truthfulqa_mc2", "mmlu_anatomy", "leaderboard_bbh_snarks",
            "leaderboard_math_algebra_hard", "leaderboard_mmlu_pro", "leaderboard_musr_team_allocation",
            "leaderboard_ifeval", "kmmlu_accounting"]


@pytest.fixture(scope="module")
def task_manager():
    from lm_eval.tasks import TaskManager

    folders = ["hellaswag", "winogrande", "truthfulqa", "mmlu/default", "kmmlu/default", "leaderboard"]
    return TaskManager(include_path=[LM_EVAL_TASKS / f for f in folders], include_defaults=False)


def _first_prompt(task_manager, data_dir: Path, task_name: str, max_shots: int | None) -> str:
    with offline_datasets(data_dir):
        task = task_manager.load([task_name])["tasks"][task_name]
    doc = next(iter(task.eval_docs))
    shots = task.config.num_fewshot or (1 if task.config.fewshot_split or task.has_training_docs() else 0)
    context = task.fewshot_context(doc, num_fewshot=min(shots, max_shots) if max_shots is not None else shots)
    prompt = context if isinstance(context, str) else context[0]  # winogrande: one context per option
    assert prompt.strip()
    _assert_gold_resolves(task, doc)
    return prompt


def _assert_gold_resolves(task, doc) -> None:
    """The gold answer is usable: an index into, or one of, the document's choices (multiple choice),
    a non-empty reference (generation)."""
    target = task.doc_to_target(doc)
    if task.OUTPUT_TYPE != "multiple_choice":
        assert target is not None and str(target).strip(), target
        return
    choices = task.doc_to_choice(doc)
    assert len(choices) >= 2 and all(str(c).strip() for c in choices), choices
    gold = task.doc_to_text(doc)
    if isinstance(gold, int):  # winogrande: the text is the gold option's index, the target the shared ending
        assert gold in range(len(choices)) and str(target).strip(), (gold, target, choices)
    elif isinstance(target, int):
        assert target in range(len(choices)), (target, choices)
    else:
        assert target in choices, (target, choices)


@pytest.mark.parametrize("task_name", [*RENDERED, "leaderboard_gpqa_main"])
def test_stock_task_renders_on_fixture(task_manager, fixture_dir, task_name):
    # The fixtures have a handful of records per split: one shot is all a random sampler can draw.
    _first_prompt(task_manager, fixture_dir, task_name, max_shots=1)


@pytest.mark.data
@pytest.mark.parametrize("task_name", RENDERED)
def test_stock_task_renders_on_real_data(task_manager, real_data_dir, task_name):
    prompt = _first_prompt(task_manager, real_data_dir, task_name, max_shots=None)
    if task_name == "hellaswag":
        assert prompt.endswith("Roof shingle removal: A man is sitting on a roof. He")


@pytest.mark.data
def test_stock_gpqa_task_reports_missing_data(task_manager, real_data_dir):
    if (real_data_dir / "gpqa").exists():
        pytest.skip("an operator supplied GPQA in this data folder")
    with pytest.raises(DataMissingError, match="gpqa_main.csv"), offline_datasets(real_data_dir):
        task_manager.load(["leaderboard_gpqa_main"])
