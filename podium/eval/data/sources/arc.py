"""ARC-Challenge (allenai/ai2_arc) from `arc_challenge/`."""

from __future__ import annotations

from pathlib import Path

from podium.eval.data.registry import OfflineSource, register
from podium.eval.data.sources._io import dataset_dict, read_jsonl, write_jsonl
from podium.stats.averages import Deviation

_FIELDS = ("id", "question", "choices", "answerKey")


def _files(data_dir: Path, name: str | None) -> list[Path]:
    if name != "ARC-Challenge":
        return []
    d = data_dir / "arc_challenge"
    return [d / "test.jsonl", d / "train_filtered_1056.jsonl"]


def _build(data_dir: Path, name: str | None):
    test, train = _files(data_dir, name)
    keep = lambda r: {k: r[k] for k in _FIELDS}  # noqa: E731  (the mirror adds `answer`, `response`)
    return dataset_dict(train=[keep(r) for r in read_jsonl(train)], test=[keep(r) for r in read_jsonl(test)])


def _question(qid: str, question: str, texts: list[str], answer_key: str) -> dict:
    labels = "ABCD"[: len(texts)]
    return {"id": qid, "question": question, "choices": {"text": texts, "label": list(labels)},
            "answerKey": answer_key, "answer": texts[labels.index(answer_key)], "response": "synthetic"}


# 26 pool items: the 25 shots of arc_challenge, plus one to spare.
_FIXTURE_POOL = 26


def _pool_question(i: int) -> dict:
    """A made-up arithmetic item; the correct choice moves round the labels."""
    a, b = 2 + i % 7, 3 + i // 7
    gold = i % 4
    texts = [str(a + b + k - gold) for k in range(4)]
    return _question(f"SYN_R{i + 1}", f"Synthetic question {i + 1}: what is {a} plus {b}?", texts, "ABCD"[gold])


def _fixture(data_dir: Path) -> None:
    d = data_dir / "arc_challenge"
    write_jsonl(d / "test.jsonl", [
        _question("SYN_T1", "Which of these is a source of light?", ["a rock", "the Sun", "a shadow", "a mirror"], "B"),
        _question("SYN_T2", "What do plants need to make food?", ["sunlight", "sand", "salt", "smoke"], "A"),
    ])
    write_jsonl(d / "train_filtered_1056.jsonl", [
        _question("SYN_R1", "Which state of water is ice?", ["gas", "liquid", "solid"], "C"),
        _question("SYN_R2", "What pulls objects toward Earth?", ["magnetism", "gravity", "friction", "wind"], "B"),
        *(_pool_question(i) for i in range(2, _FIXTURE_POOL)),
    ])


register(
    OfflineSource(
        hub_path="allenai/ai2_arc",
        build=_build,
        files=_files,
        supply_hint="Put the AI2 ARC-Challenge files at <data>/arc_challenge/test.jsonl and "
        "train_filtered_1056.jsonl (HF ai2_arc schema, one JSON object per line). ARC-Easy is not supplied.",
        differences="The few-shot pool is a filtered subset of ARC-Challenge train (1,056 of 1,119 items), "
        "so the 25 sampled few-shot examples differ from the leaderboard's.",
        deviations=(Deviation("substitute_split", "few-shot examples from a filtered subset of the train split"),),
        fixture=_fixture,
    )
)
