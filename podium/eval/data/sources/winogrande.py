"""WinoGrande (allenai/winogrande, config `winogrande_xl`) from `winogrande/`.

`train_xl` (the leaderboard's few-shot pool) is not in the data folder; its subset
`train_l` stands in for it. The hub keeps `answer` as the string "1" or "2".
"""

from __future__ import annotations

from pathlib import Path

from podium.eval.data.registry import OfflineSource, register
from podium.eval.data.sources._io import dataset_dict, read_jsonl, write_jsonl
from podium.stats.averages import Deviation


def _features():
    from datasets import Features, Value

    return Features({k: Value("string") for k in ("sentence", "option1", "option2", "answer")})


def _files(data_dir: Path, name: str | None) -> list[Path]:
    if name != "winogrande_xl":
        return []
    d = data_dir / "winogrande"
    return [d / "train_l.jsonl", d / "dev.jsonl"]


def _build(data_dir: Path, name: str | None):
    train, dev = _files(data_dir, name)
    return dataset_dict(features=_features(), train=read_jsonl(train), validation=read_jsonl(dev))


def _fixture(data_dir: Path) -> None:
    def item(qid: str, sentence: str, option1: str, option2: str, answer: str) -> dict:
        return {"qID": qid, "sentence": sentence, "option1": option1, "option2": option2, "answer": answer}

    d = data_dir / "winogrande"
    def twins(n: int, small: str, big: str) -> list[dict]:
        """A made-up twin pair: one word flips the answer."""
        sentence = f"Synthetic pair {n}: the {small} did not fit in the {big} because _ was too "
        return [item(f"SYN{n}-1", sentence + "large.", f"the {small}", f"the {big}", "1"),
                item(f"SYN{n}-2", sentence + "small.", f"the {small}", f"the {big}", "2")]

    # 8 train items: winogrande draws 5 + 1 from train for its 5 shots (its few-shot split is unset).
    write_jsonl(d / "train_l.jsonl", [
        item("SYN1-1", "The cup fell off the shelf because _ was too small.", "the cup", "the shelf", "2"),
        item("SYN1-2", "The cup fell off the shelf because _ was too heavy.", "the cup", "the shelf", "1"),
        *twins(4, "ball", "bag"), *twins(5, "book", "drawer"), *twins(6, "chair", "car"),
    ])
    write_jsonl(d / "dev.jsonl", [
        item("SYN2-1", "Anna lent Beth a pen because _ had forgotten hers.", "Anna", "Beth", "2"),
        item("SYN2-2", "Anna lent Beth a pen because _ had a spare one.", "Anna", "Beth", "1"),
        item("SYN3-1", "The ice melted on the stove but not in the freezer since _ was hot.", "the stove",
             "the freezer", "1"),
    ])


register(
    OfflineSource(
        hub_path="allenai/winogrande",
        build=_build,
        files=_files,
        supply_hint="Put WinoGrande 1.1's dev.jsonl and train_l.jsonl at <data>/winogrande/ "
        "(one {qID, sentence, option1, option2, answer} object per line).",
        differences="The few-shot pool is train_l (10,234 items) instead of train_xl (40,398), which is "
        "missing, so the 5 sampled shots differ from the leaderboard's. No test split (its labels are hidden).",
        deviations=(Deviation("substitute_split", "few-shot examples from train_l instead of train_xl"),),
        fixture=_fixture,
    )
)
