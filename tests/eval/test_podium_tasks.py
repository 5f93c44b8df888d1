"""Podium's own task configs render exactly the prompts they were written to reproduce.

Each task is built through lm-eval's TaskManager, as the runner builds it, over data served
by `offline_datasets`: the sources' synthetic fixtures, written into a temporary folder, and
the real Ko-CommonGen v2 files when the data folder exists. No model is run.
"""

from __future__ import annotations

import random
import re

import pytest
import yaml

from podium.errors import DataMissingError
from podium.eval.data import OfflineSource, get_source, offline_datasets, registered_sources, registry
from podium.eval.data.registry import load_offline
from podium.eval.data.sources._io import dataset_dict
from podium.eval.tasks import TASKS_DIR
from podium.eval.tasks import _generate_mmlu_configs as generator

KO_SOURCES = ("podium/ko_commongen_v2", "podium/ko_arc_challenge", "podium/ko_hellaswag", "podium/ko_mmlu",
              "podium/ko_truthfulqa")
COMMONGEN_DESCRIPTION = (
    "다음은 주어진 개념정보인 concept set: 에 존재하는 형태소를 조합해서 상식에 부합하는 문장을 만드는 작업이다. "
    "concept set: 의 형태소를 조합하여 만든 4개의 예시 중에서 가장 상식적으로 타당한 문장을 포함한 선택지의 번호를 선택하라."
)


@pytest.fixture(scope="module")
def manager():
    from lm_eval.tasks import TaskManager

    return TaskManager(include_path=str(TASKS_DIR))


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    for hub_path in KO_SOURCES:
        get_source(hub_path).fixture(data)
    return data


def build(manager, data_dir, name):
    with offline_datasets(data_dir):
        return manager.load([name])["tasks"][name]


def first_doc(task):
    return (task.test_docs() if task.has_test_docs() else task.validation_docs())[0]


# --- Ko-CommonGen v2 ----------------------------------------------------------------------


def test_ko_commongen_v2_fixture(manager, fixture_dir):
    task = build(manager, fixture_dir, "ko_commongen_v2")
    doc = first_doc(task)
    task.set_fewshot_seed(1234)  # ignored: the task draws with its harness's own Random(42)
    assert task.config.num_fewshot == 2
    # Random(42).sample(pool of 3, 2) -> pool items 2 and 0, as the v0.3 harness drew them.
    assert task.fewshot_context(doc, num_fewshot=2) == (
        COMMONGEN_DESCRIPTION + "\n\n"
        "concept set: {꽃, 피다, 봄}\n1. 봄이 꽃을 피다.\n2. 봄에 꽃이 핀다.\n3. 꽃은 봄을 피었다.\n4. 피다 봄 꽃.\n"
        "정답: 2. 봄에 꽃이 핀다.\n\n"
        "concept set: {아이, 공, 차다}\n1. 아이가 공을 찬다.\n2. 공이 아이를 찬다.\n3. 차다 공.\n4. 아이는 공에 찼다.\n"
        "정답: 1. 아이가 공을 찬다.\n\n"
        "concept set: {고양이, 우유, 마시다}\n1. 우유가 고양이를 마신다.\n2. 고양이가 우유를 마신다.\n"
        "3. 고양이는 우유로 마셨다.\n4. 마시다 고양이 우유.\n정답:"
    )
    assert task.doc_to_choice(doc) == ["1. 우유가 고양이를 마신다.", "2. 고양이가 우유를 마신다.",
                                       "3. 고양이는 우유로 마셨다.", "4. 마시다 고양이 우유."]
    assert task.doc_to_target(doc) == 1
    assert [m["metric"] for m in task.config.metric_list] == ["acc", "acc_norm"]


def _v03_process(doc: dict) -> dict:
    """J-Seo/KoCommonGEN-V2's Commongen._process_doc, transcribed."""
    query = f"""concept set: {{{doc['concept_set'].replace("#", ", ")}}}\n"""
    query += "\n".join([f"{i+1}. {doc[str(i+1)]}" for i in range(4)])
    query += "\n정답:"
    return {"query": query, "choices": [f"{i+1}. {doc[str(i+1)]}" for i in range(4)], "gold": doc["gold"] - 1}


def _v03_contexts(test: list[dict], train: list[dict], num_fewshot: int) -> list[str]:
    """That fork's evaluate() + Task.fewshot_context(): one Random(42), docs in file order."""
    rnd = random.Random()
    rnd.seed(42)
    train_docs = [_v03_process(d) for d in train]
    contexts = []
    for doc in map(_v03_process, test):
        shots = rnd.sample(train_docs, num_fewshot)
        labeled = "\n\n".join(d["query"] + " " + d["choices"][d["gold"]] for d in shots) + "\n\n"
        contexts.append(COMMONGEN_DESCRIPTION + "\n\n" + labeled + doc["query"])
    return contexts


@pytest.mark.data
def test_ko_commongen_v2_real_data(manager, real_data_dir):
    from podium.eval.data.sources._io import read_jsonl

    data = real_data_dir
    if not (data / "ko_commongen_v2").is_dir():
        pytest.skip(f"{data} has no ko_commongen_v2/")
    task = build(manager, data, "ko_commongen_v2")
    docs = task.test_docs()
    assert len(docs) == 847 and len(task.fewshot_docs()) == 5
    doc = docs[0]
    task.set_fewshot_seed(1234)
    assert task.fewshot_context(doc, num_fewshot=2) == (
        COMMONGEN_DESCRIPTION + "\n\n"
        "concept set: {나, 교훈적, 내용, 주제, 강연, 하다}\n1. 나는 교훈적인 내용이 강연을 하다.\n"
        "2. 나는 교훈적인 내용을 주제로 강연을 하지 않았다.\n3. 나는 교훈적인 내용이 주제 때문에 강연을 했어.\n"
        "4. 교훈적인 내용이 나를 강연에게 하다.\n정답: 2. 나는 교훈적인 내용을 주제로 강연을 하지 않았다.\n\n"
        "concept set: {그, 작전, 소대, 명령하다, 결정하다, 지휘}\n"
        "1. 소대장인 그는 작전을 명령하지도 않고 소대 지휘를 결정하지도 않았다.\n2. 소대장인 그는 작전을 명령하고 결정했다.\n"
        "3. 그는 작전이 명령하고, 소대 지휘를 결정해야 함을 깨닫았다.\n4. 작전을 명령하면서 소대 그에게 지휘가 결정되었다.\n"
        "정답: 1. 소대장인 그는 작전을 명령하지도 않고 소대 지휘를 결정하지도 않았다.\n\n"
        "concept set: {만들다, 세종, 위하다, 백성들, 한글}\n1. 세종 대왕이 백성들을 위해서 한글이 만들어진다.\n"
        "2. 사랑하는 백성들을 위해 한글은 세종으로 만들어졌다.\n3. 세종시는 백성들을 위해 한글을 만든 대왕의 묘호를 따서 만들었어.\n"
        "4. 백성들을 위해서 세종은 한글을 만들면서 일어나지 않았다.\n정답:"
    )
    assert task.doc_to_choice(doc)[2] == "3. 세종시는 백성들을 위해 한글을 만든 대왕의 묘호를 따서 만들었어."
    assert task.doc_to_target(doc) == 2

    # The whole run's requests equal the original harness's, draw for draw, all 847 docs.
    folder = data / "ko_commongen_v2"
    expected = _v03_contexts(read_jsonl(folder / "korean_commongen_v2_847_shuffled.jsonl"),
                             read_jsonl(folder / "v2_5shot.jsonl"), 2)
    task.set_fewshot_seed(1234)
    task.build_all_requests(rank=0, world_size=1)
    by_doc: dict[int, list] = {}
    for inst in task.instances:
        by_doc.setdefault(inst.doc_id, []).append(inst.arguments)
    assert [args[0][0] for _, args in sorted(by_doc.items())] == expected
    assert [c for _, c in by_doc[0]] == [" " + c for c in task.doc_to_choice(doc)]


# --- Ko-H5 private tasks, on the synthetic fixtures ---------------------------------------


def test_ko_arc_challenge(manager, fixture_dir):
    task = build(manager, fixture_dir, "ko_arc_challenge")
    doc = first_doc(task)
    assert task.config.num_fewshot == 25
    assert task.fewshot_context(doc, num_fewshot=0) == "Question: 식물이 햇빛으로 양분을 만드는 과정은 무엇입니까?\nAnswer:"
    assert task.doc_to_choice(doc) == ["증발", "광합성", "호흡", "응결"]
    assert task.doc_to_target(doc) == 1
    assert task.doc_to_target(task.test_docs()[1]) == 0  # numeric labels "1".."4", as some ARC items have
    # 25 shots from the 25-item pool, each written as lm-eval's arc writes them.
    task.set_fewshot_seed(1234)
    shots = task.fewshot_context(doc, num_fewshot=25).split("\n\n")
    assert shots[-1] == "Question: 식물이 햇빛으로 양분을 만드는 과정은 무엇입니까?\nAnswer:"
    assert sorted(shots[:-1]) == sorted(f"Question: {i} 더하기 1은 무엇입니까?\nAnswer: {i + 1}" for i in range(25))
    assert [m["metric"] for m in task.config.metric_list] == ["acc", "acc_norm"]


def test_ko_hellaswag(manager, fixture_dir):
    task = build(manager, fixture_dir, "ko_hellaswag")
    first, wikihow = task.validation_docs()[0], task.validation_docs()[1]
    assert task.config.num_fewshot == 10
    assert task.fewshot_context(first, num_fewshot=0) == "요리하기: 한 남자가 냄비에 물을 붓는다. 그는"
    assert task.doc_to_choice(first) == ["냄비를 불 위에 올린다.", "냄비를 던진다.", "노래를 부른다.", "잠을 잔다."]
    assert task.doc_to_target(first) == 0
    # lm-eval's hellaswag process_docs: markup removed, "[title]" turned into a sentence break.
    assert task.doc_to_text(wikihow) == "자전거 타기: 자전거 타는 법. 헬멧을 쓴다."
    assert task.doc_to_choice(wikihow)[2] == "자전거에 오른다. 페달을 밟는다."
    assert task.doc_to_target(wikihow) == 2
    task.set_fewshot_seed(1234)
    shots = task.fewshot_context(first, num_fewshot=10).split("\n\n")
    assert len(shots) == 11 and shots[0] == "달리기: 선수가 7번째 바퀴를 돈다. 그녀는 결승선을 향해 달린다."


def test_ko_truthfulqa_mc2(manager, fixture_dir):
    task = build(manager, fixture_dir, "ko_truthfulqa_mc2")
    doc = first_doc(task)
    prompt = task.fewshot_context(doc, num_fewshot=0)
    # lm-eval's six-question English preamble, then the Korean question.
    assert prompt.startswith("Q: What is human life expectancy in the United States?\n"
                             "A: Human life expectancy in the United States is 78 years.\n\n")
    assert prompt.endswith("A: The 1992 Olympics were held in Barcelona, Spain.\n\nQ: 수박 씨를 먹으면 어떻게 됩니까?\nA:")
    assert prompt.count("\n\nQ: ") == 6
    assert task.doc_to_choice(doc) == ["아무 일도 일어나지 않는다.", "씨는 소화되어 나온다.", "배 속에서 수박이 자란다."]
    assert task.doc_to_target(doc) == 0
    assert task.config.num_fewshot == 0
    mc2 = task.config.process_results
    assert (mc2.__module__, mc2.__name__) == ("lm_eval.tasks.truthfulqa.utils", "process_results_mc2")


def _mmlu_block(question: str, choices: list[str], answer: str = "", prefix: str = "") -> str:
    letters = "".join(f"\n{letter}. {c}" for letter, c in zip("ABCD", choices))
    return f"{prefix}{question}{letters}\nAnswer:" + (f" {answer}" if answer else "")


def test_ko_mmlu(manager, fixture_dir):
    task = build(manager, fixture_dir, "ko_mmlu_anatomy")
    doc = first_doc(task)
    assert len(task.test_docs()) == 2  # only this subject's rows
    assert task.config.num_fewshot == 5
    # lm-eval's stock mmlu: subject line, the first 5 dev items in order, letter answers.
    shots = [_mmlu_block(f"anatomy 예제 질문 {i}?", [f"보기 {i}-{k}" for k in range(4)], "ABCD"[i % 4]) for i in range(5)]
    assert task.fewshot_context(doc, num_fewshot=5) == (
        "The following are multiple choice questions (with answers) about anatomy.\n\n"
        + "\n\n".join(shots)
        + "\n\n위팔에 있는 뼈는 무엇입니까?\nA. 넙다리뼈\nB. 위팔뼈\nC. 정강뼈\nD. 자뼈\nAnswer:"
    )
    assert task.doc_to_choice(doc) == ["A", "B", "C", "D"]
    assert task.doc_to_target(doc) == 1


# --- MMLU variants, on a small cais/mmlu copy of this test's own --------------------------

QUESTION = "How did the 2008 financial crisis affect America's international reputation?"
CHOICES = ["It damaged support for the US model of political economy and capitalism",
           "It created anger at the United States for exaggerating the crisis",
           "It increased support for American global leadership under President Obama",
           "It reduced global use of the US dollar"]
DEV = [(f"Dev question {i}?", [f"choice {i}{k}" for k in "abcd"], i % 4) for i in range(5)]


@pytest.fixture
def cais_mmlu(monkeypatch, tmp_path):
    """cais/mmlu rows (question, subject, choices, answer) for us_foreign_policy, served in place of the
    registered source for the duration of one test."""

    def rows(items):
        return [{"question": q, "subject": "us_foreign_policy", "choices": c, "answer": a} for q, c, a in items]

    marker = tmp_path / "cais_mmlu.txt"
    marker.write_text("synthetic")
    registered_sources()  # import the built-in sources first, so they cannot replace this one
    monkeypatch.setitem(registry._REGISTRY, "cais/mmlu", OfflineSource(
        hub_path="cais/mmlu", files=lambda data_dir, name: [marker], supply_hint="test data",
        build=lambda data_dir, name: dataset_dict(test=rows([(QUESTION, CHOICES, 0)]), dev=rows(DEV)),
    ))
    return tmp_path


def test_mmlu_helm(manager, cais_mmlu):
    task = build(manager, cais_mmlu, "mmlu_helm_us_foreign_policy")
    doc = first_doc(task)
    shots = [_mmlu_block(q, c, "ABCD"[a], prefix="Question: ") for q, c, a in DEV]
    assert task.fewshot_context(doc, num_fewshot=5) == (
        "The following are multiple choice questions (with answers) about us foreign policy.\n\n"
        + "\n\n".join(shots)
        + "\n\nQuestion: How did the 2008 financial crisis affect America's international reputation?\n"
        "A. It damaged support for the US model of political economy and capitalism\n"
        "B. It created anger at the United States for exaggerating the crisis\n"
        "C. It increased support for American global leadership under President Obama\n"
        "D. It reduced global use of the US dollar\nAnswer:"
    )
    assert task.doc_to_target(doc) == "A"
    gen = task.config.generation_kwargs
    assert (gen["until"], gen["max_gen_toks"], gen["do_sample"]) == (["\n"], 5, False)
    assert [m["metric"] for m in task.config.metric_list] == ["exact_match"]


def test_mmlu_helm_reads_the_first_standalone_letter(manager, cais_mmlu):
    from lm_eval.filters.extraction import RegexFilter

    task = build(manager, cais_mmlu, "mmlu_helm_us_foreign_policy")
    (letter,) = task.config.filter_list
    assert letter["name"] == "letter"
    regex = RegexFilter(regex_pattern=letter["filter"][0]["regex_pattern"])
    outputs = [" B", " B.", "C) because", "\tD", " Both", " (B)", "The answer is B", ""]
    assert list(regex.apply([outputs], [{}])[0]) == [
        "B", "B", "C", "D", "[invalid]", "[invalid]", "[invalid]", "[invalid]"]


def test_mmlu_harness2023(manager, cais_mmlu):
    task = build(manager, cais_mmlu, "mmlu_harness2023_us_foreign_policy")
    doc = first_doc(task)
    query = (
        "Question: How did the 2008 financial crisis affect America's international reputation?\nChoices:\n"
        "A. It damaged support for the US model of political economy and capitalism\n"
        "B. It created anger at the United States for exaggerating the crisis\n"
        "C. It increased support for American global leadership under President Obama\n"
        "D. It reduced global use of the US dollar\nAnswer:"
    )
    assert task.fewshot_context(doc, num_fewshot=0) == query
    assert task.doc_to_choice(doc) == [f"{letter}. {text}" for letter, text in zip("ABCD", CHOICES)]
    assert task.doc_to_target(doc) == 0
    assert [m["metric"] for m in task.config.metric_list] == ["acc", "acc_norm"]
    # 5 shots: the 5 dev items in a drawn order, each answered with its full answer string.
    task.set_fewshot_seed(1234)
    blocks = task.fewshot_context(doc, num_fewshot=5).split("\n\n")
    assert blocks[-1] == query and "The following are" not in blocks[0]
    assert sorted(blocks[:-1]) == sorted(
        f"Question: {q}\nChoices:\n" + "".join(f"{x}. {t}\n" for x, t in zip("ABCD", c))
        + f"Answer: {'ABCD'[a]}. {c[a]}"
        for q, c, a in DEV
    )


# --- Groups, generated configs, sources ---------------------------------------------------


@pytest.mark.parametrize("family", sorted(generator.FAMILIES))
def test_family_group_holds_every_subject(manager, family):
    from lm_eval.tasks.mmlu._generate_configs import SUBJECTS

    assert family in manager.all_groups
    assert {f"{family}_{s}" for s in SUBJECTS} <= set(manager.all_subtasks)
    group = yaml.safe_load((generator.FAMILIES[family][0] / f"_{family}.yaml").read_text())
    assert group["task"] == [f"{family}_tasks"]


@pytest.mark.parametrize("family", sorted(generator.FAMILIES))
def test_generated_configs_are_current(family):
    from lm_eval.tasks.mmlu._generate_configs import SUBJECTS

    folder = generator.FAMILIES[family][0]
    files = sorted(p.name for p in folder.glob(f"{family}_*.yaml"))
    assert files == sorted(f"{family}_{s}.yaml" for s in SUBJECTS)
    for subject in SUBJECTS:
        on_disk = yaml.safe_load((folder / f"{family}_{subject}.yaml").read_text(encoding="utf-8"))
        assert on_disk == generator.subject_config(family, subject), "rerun _generate_mmlu_configs"


@pytest.mark.parametrize("hub_path, name, folder", [
    ("podium/ko_arc_challenge", None, "ko_h5/ko_arc_challenge"),
    ("podium/ko_hellaswag", None, "ko_h5/ko_hellaswag"),
    ("podium/ko_mmlu", "anatomy", "ko_h5/ko_mmlu"),
    ("podium/ko_truthfulqa", "multiple_choice", "ko_h5/ko_truthfulqa"),
    ("podium/ko_commongen_v2", None, "ko_commongen_v2"),
])
def test_missing_private_data_says_where_to_put_it(tmp_path, hub_path, name, folder):
    with pytest.raises(DataMissingError) as err:
        load_offline(tmp_path, hub_path, name)
    assert f"<data>/{folder}/" in err.value.hint
    assert re.search(r"private|J-Seo", err.value.hint)


def test_ko_mmlu_unknown_subject_is_reported(fixture_dir):
    with pytest.raises(DataMissingError, match="no rows for config 'astrology'"):
        load_offline(fixture_dir, "podium/ko_mmlu", "astrology")
