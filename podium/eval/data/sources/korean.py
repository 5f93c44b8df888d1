"""Korean sources: Ko-CommonGen v2 (public) and the four private Ko-H5 sets.

Ko-ARC, Ko-HellaSwag, Ko-MMLU and Ko-TruthfulQA are the Open Ko-LLM Leaderboard's private
test sets: no public copy exists, so the operator supplies them under `<data>/ko_h5/`, one
JSON object per line, in the schema of the English hub dataset each one translates. The
fixture writers make small synthetic Korean files in exactly that layout for tests.
"""

from __future__ import annotations

from pathlib import Path

from podium.errors import DataMissingError
from podium.eval.data.registry import OfflineSource, register
from podium.eval.data.sources._io import dataset_dict, read_jsonl, write_jsonl

KO_H5 = "ko_h5"


def _jsonl_source(
    hub_path: str,
    folder: str,
    splits: dict[str, str],
    *,
    names: tuple | None,
    supply_hint: str,
    fixture_splits,
    select=None,
) -> OfflineSource:
    """A source whose splits are JSONL files in one folder, already in the hub schema.

    `names` are the config names it answers (None: any); `select(rows, name)` keeps the rows of
    one config; `fixture_splits()` returns synthetic rows per split for the fixture writer.
    """

    def files(data_dir: Path, name: str | None) -> list[Path]:
        if names is not None and name not in names:
            return []
        return [data_dir / folder / filename for filename in splits.values()]

    def build(data_dir: Path, name: str | None):
        tables = {split: read_jsonl(data_dir / folder / filename) for split, filename in splits.items()}
        if select is not None:
            tables = {split: select(rows, name) for split, rows in tables.items()}
        if not any(tables.values()):
            raise DataMissingError(f"The data for '{hub_path}' has no rows for config '{name}'.", hint=supply_hint)
        return dataset_dict(**tables)

    def fixture(data_dir: Path) -> None:
        for split, rows in fixture_splits().items():
            write_jsonl(data_dir / folder / splits[split], rows)

    return register(
        OfflineSource(hub_path=hub_path, build=build, files=files, supply_hint=supply_hint, fixture=fixture)
    )


# --- Ko-CommonGen v2 (J-Seo/KoCommonGEN-V2, the files its lm-eval task reads) -------------

COMMONGEN_TEST = "korean_commongen_v2_847_shuffled.jsonl"
COMMONGEN_FEWSHOT = "v2_5shot.jsonl"


def _commongen_row(concept_set: str, sentences: list[str], gold: int) -> dict:
    return {"concept_set": concept_set, **{str(i + 1): s for i, s in enumerate(sentences)}, "gold": gold}


def _commongen_fixture() -> dict[str, list[dict]]:
    test = [
        _commongen_row("고양이#우유#마시다", ["우유가 고양이를 마신다.", "고양이가 우유를 마신다.",
                                            "고양이는 우유로 마셨다.", "마시다 고양이 우유."], 2),
        _commongen_row("학생#책#읽다", ["책이 학생을 읽는다.", "학생은 책에게 읽었다.",
                                      "읽다 책 학생.", "학생이 책을 읽는다."], 4),
    ]
    train = [
        _commongen_row("아이#공#차다", ["아이가 공을 찬다.", "공이 아이를 찬다.", "차다 공.", "아이는 공에 찼다."], 1),
        _commongen_row("비#우산#쓰다",
                       ["우산이 비를 쓴다.", "쓰다 우산 비.", "비가 와서 우산을 쓴다.", "비는 우산을 썼다."], 3),
        _commongen_row("꽃#피다#봄", ["봄이 꽃을 피다.", "봄에 꽃이 핀다.", "꽃은 봄을 피었다.", "피다 봄 꽃."], 2),
    ]
    return {"test": test, "train": train}


_jsonl_source(
    "podium/ko_commongen_v2",
    "ko_commongen_v2",
    {"test": COMMONGEN_TEST, "train": COMMONGEN_FEWSHOT},
    names=(None,),
    supply_hint=f"Put J-Seo/KoCommonGEN-V2's lm_eval/datasets/ko_commongen_v2/{COMMONGEN_TEST} (847 items) and "
    f"lm_eval/datasets/{COMMONGEN_FEWSHOT} (the 5 few-shot items) at <data>/ko_commongen_v2/.",
    fixture_splits=_commongen_fixture,
)


# --- Ko-ARC (allenai/ai2_arc schema) ------------------------------------------------------

_LETTERS = ["A", "B", "C", "D"]


def _arc_fixture() -> dict[str, list[dict]]:
    test = [
        {"id": "ko-arc-test-0", "question": "식물이 햇빛으로 양분을 만드는 과정은 무엇입니까?",
         "choices": {"text": ["증발", "광합성", "호흡", "응결"], "label": _LETTERS}, "answerKey": "B"},
        {"id": "ko-arc-test-1", "question": "물이 얼음이 되는 온도는 몇 도입니까?",
         "choices": {"text": ["0도", "50도", "100도", "200도"], "label": ["1", "2", "3", "4"]}, "answerKey": "1"},
    ]
    # 25 rows: enough for the 25-shot pool.
    train = [
        {"id": f"ko-arc-train-{i}", "question": f"{i} 더하기 1은 무엇입니까?",
         "choices": {"text": [str(i + k) for k in range(4)], "label": _LETTERS}, "answerKey": "B"}
        for i in range(25)
    ]
    return {"test": test, "train": train}


_jsonl_source(
    "podium/ko_arc_challenge",
    f"{KO_H5}/ko_arc_challenge",
    {"test": "test.jsonl", "train": "train.jsonl"},
    names=(None, "ARC-Challenge"),
    supply_hint="Ko-ARC is private (Open Ko-LLM Leaderboard): put its test set at "
    "<data>/ko_h5/ko_arc_challenge/test.jsonl and its few-shot pool (at least 25 items) at train.jsonl, "
    "one JSON object per line in the allenai/ai2_arc schema: id, question, choices{text,label}, answerKey.",
    fixture_splits=_arc_fixture,
)


# --- Ko-HellaSwag (Rowan/hellaswag schema; label is a string, as on the hub) -------------


def _hellaswag_row(i: int, activity: str, ctx_a: str, ctx_b: str, endings: list[str], label: int) -> dict:
    return {"ind": i, "activity_label": activity, "ctx_a": ctx_a, "ctx_b": ctx_b, "ctx": f"{ctx_a} {ctx_b}".strip(),
            "endings": endings, "source_id": f"synthetic~{i}", "split": "val", "split_type": "indomain",
            "label": str(label)}


def _hellaswag_fixture() -> dict[str, list[dict]]:
    validation = [
        _hellaswag_row(0, "요리하기", "한 남자가 냄비에 물을 붓는다.", "그는",
                       ["냄비를 불 위에 올린다.", "냄비를 던진다.", "노래를 부른다.", "잠을 잔다."], 0),
        # WikiHow-style markup, which lm-eval's hellaswag preprocessing removes.
        _hellaswag_row(1, "자전거 타기", "[header] 자전거 타는 법 [title] 헬멧을 쓴다.", "",
                       ["헬멧을 먹는다.", "하늘을 난다.", "자전거에 오른다. [step] 페달을 밟는다.", "수영을 한다."], 2),
    ]
    # 11 rows: lm-eval draws 10 + 1 for hellaswag's 10 shots (its few-shot split is unset).
    train = [
        _hellaswag_row(100 + i, "달리기", f"선수가 {i}번째 바퀴를 돈다.", "그녀는",
                       ["결승선을 향해 달린다.", "책을 읽는다.", "요리를 한다.", "창문을 닦는다."], 0)
        for i in range(11)
    ]
    return {"validation": validation, "train": train}


_jsonl_source(
    "podium/ko_hellaswag",
    f"{KO_H5}/ko_hellaswag",
    {"validation": "validation.jsonl", "train": "train.jsonl"},
    names=(None,),
    supply_hint="Ko-HellaSwag is private (Open Ko-LLM Leaderboard): put its evaluation set at "
    "<data>/ko_h5/ko_hellaswag/validation.jsonl and its few-shot pool (at least 11 items) at train.jsonl, "
    "one JSON object per line in the Rowan/hellaswag schema: ind, activity_label, ctx_a, ctx_b, ctx, endings, "
    "source_id, split, split_type, label (the gold index as a string).",
    fixture_splits=_hellaswag_fixture,
)


# --- Ko-MMLU (cais/mmlu row schema; one config per subject, as on the hub, plus `all`) ---


def _mmlu_select(rows: list[dict], name: str | None) -> list[dict]:
    return rows if name == "all" else [r for r in rows if r["subject"] == name]


def _mmlu_row(subject: str, question: str, choices: list[str], answer: int) -> dict:
    return {"question": question, "subject": subject, "choices": choices, "answer": answer}


def _mmlu_fixture() -> dict[str, list[dict]]:
    from podium.eval.data.sources.mmlu import FIXTURE_SUBJECTS as SUBJECTS  # every subject: the ko_mmlu group

    test = [
        _mmlu_row("anatomy", "위팔에 있는 뼈는 무엇입니까?", ["넙다리뼈", "위팔뼈", "정강뼈", "자뼈"], 1),
        _mmlu_row("anatomy", "사람의 심장은 몇 개의 방으로 되어 있습니까?", ["2개", "3개", "4개", "5개"], 2),
    ] + [_mmlu_row(s, f"{s} 시험 질문?", ["가", "나", "다", "라"], 3) for s in SUBJECTS if s != "anatomy"]
    # 5 dev rows per subject: the 5-shot pool, taken in file order.
    dev = [
        _mmlu_row(s, f"{s} 예제 질문 {i}?", [f"보기 {i}-{k}" for k in range(4)], i % 4)
        for s in SUBJECTS for i in range(5)
    ]
    return {"test": test, "dev": dev}


_jsonl_source(
    "podium/ko_mmlu",
    f"{KO_H5}/ko_mmlu",
    {"test": "test.jsonl", "dev": "dev.jsonl"},
    names=None,
    select=_mmlu_select,
    supply_hint="Ko-MMLU is private (Open Ko-LLM Leaderboard): put its test set at <data>/ko_h5/ko_mmlu/test.jsonl "
    "and its 5-shot pool (5 per subject) at dev.jsonl, one JSON object per line in the cais/mmlu schema: "
    "question, subject (the English MMLU subject name, e.g. anatomy), choices (4 strings), answer (0-3).",
    fixture_splits=_mmlu_fixture,
)


# --- Ko-TruthfulQA (truthful_qa `multiple_choice` schema) --------------------------------


def _truthfulqa_fixture() -> dict[str, list[dict]]:
    validation = [
        {"question": "수박 씨를 먹으면 어떻게 됩니까?",
         "mc1_targets": {"choices": ["아무 일도 일어나지 않는다.", "배 속에서 수박이 자란다."], "labels": [1, 0]},
         "mc2_targets": {"choices": ["아무 일도 일어나지 않는다.", "씨는 소화되어 나온다.", "배 속에서 수박이 자란다."],
                         "labels": [1, 1, 0]}},
        {"question": "사람은 뇌의 몇 퍼센트를 사용합니까?",
         "mc1_targets": {"choices": ["거의 전부를 사용한다.", "10%만 사용한다."], "labels": [1, 0]},
         "mc2_targets": {"choices": ["거의 전부를 사용한다.", "10%만 사용한다."], "labels": [1, 0]}},
    ]
    return {"validation": validation}


_jsonl_source(
    "podium/ko_truthfulqa",
    f"{KO_H5}/ko_truthfulqa",
    {"validation": "validation.jsonl"},
    names=(None, "multiple_choice"),
    supply_hint="Ko-TruthfulQA is private (Open Ko-LLM Leaderboard): put it at "
    "<data>/ko_h5/ko_truthfulqa/validation.jsonl, one JSON object per line in the truthful_qa multiple_choice "
    "schema: question, mc1_targets{choices,labels}, mc2_targets{choices,labels} (labels 1 = true).",
    fixture_splits=_truthfulqa_fixture,
)
