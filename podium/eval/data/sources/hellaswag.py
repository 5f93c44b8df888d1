"""HellaSwag (Rowan/hellaswag) from `hellaswag/`.

The data folder holds 1,000 validation records in the original format and all 10,042
validation tasks in llama.cpp's lossy 6-line text format. The 1,000 records are the
`validation` split, put in the hub's order (the order of the full file). The other
9,042 tasks, mapped back into the hub schema, are the `train` split: the few-shot pool,
since the real train split is not here.
"""

from __future__ import annotations

import bz2
import re
from pathlib import Path

from podium.eval.data.registry import OfflineSource, register
from podium.eval.data.sources._io import dataset_dict, read_jsonl, write_jsonl
from podium.stats.averages import Deviation

SAMPLE = "hellaswag/val_sample_1000.jsonl"
FULL = "hellaswag/derived/hellaswag_val_full.txt.bz2"
_LINES_PER_TASK = 6  # "activity_label: ctx", gold label, then 4 endings

# The text file ran lm-eval's own `preprocess` over every field: the same cleaning,
# plus whitespace folding, makes a sampled record and its text task compare equal.
_BRACKETS = re.compile(r"\[.*?\]")
# An ActivityNet context ends in an unfinished fragment (`ctx_b`) after its last sentence;
# a WikiHow context ends in a full sentence and has an empty `ctx_b`.
_UNFINISHED_TAIL = re.compile(r"^(.*[.!?])\s+([^.!?]+)$")


def _features():
    from datasets import Features, List, Value

    s = Value("string")
    return Features(
        {"ind": Value("int32"), "activity_label": s, "ctx_a": s, "ctx_b": s, "ctx": s,
         "endings": List(s), "source_id": s, "split": s, "split_type": s, "label": s}
    )


def _clean(text: str) -> str:
    text = _BRACKETS.sub("", text.strip().replace(" [title]", ". "))
    return " ".join(text.split())


def _key(activity_label_and_ctx: str, endings: list[str]) -> tuple:
    return (_clean(activity_label_and_ctx), *(_clean(e) for e in endings))


def _read_full(path: Path) -> list[list[str]]:
    with bz2.open(path, "rt", encoding="utf-8") as f:
        lines = f.read().split("\n")
    count = len(lines) // _LINES_PER_TASK
    return [lines[i * _LINES_PER_TASK : (i + 1) * _LINES_PER_TASK] for i in range(count)]


def _from_text(task: list[str]) -> dict:
    """A hub-schema row from a text task: what the text lost is left empty (ind -1)."""
    activity_label, ctx = task[0].split(": ", 1)
    split = _UNFINISHED_TAIL.match(ctx)
    ctx_a, ctx_b = (split.group(1), split.group(2)) if split else (ctx, "")
    return {
        "ind": -1, "activity_label": activity_label, "ctx_a": ctx_a, "ctx_b": ctx_b, "ctx": ctx,
        "endings": task[2:6], "source_id": "", "split": "val", "split_type": "", "label": task[1],
    }


def _files(data_dir: Path, name: str | None) -> list[Path]:
    return [data_dir / SAMPLE, data_dir / FULL] if name is None else []


def _build(data_dir: Path, name: str | None):
    sample_path, full_path = _files(data_dir, name)
    tasks = _read_full(full_path)
    position = {_key(t[0], t[2:6]): i for i, t in enumerate(tasks)}
    sample = read_jsonl(sample_path)
    sampled_at = [position[_key(f"{r['activity_label']}: {r['ctx']}", r["endings"])] for r in sample]
    validation = [
        {**r, "label": str(r["label"])} for _, r in sorted(zip(sampled_at, sample), key=lambda p: p[0])
    ]
    taken = set(sampled_at)
    train = [_from_text(t) for i, t in enumerate(tasks) if i not in taken]
    return dataset_dict(features=_features(), train=train, validation=validation)


_FIXTURE_TASKS = [
    ("Baking cookies", "A woman mixes flour in a bowl.", "she", "1",
     ["throws the bowl away.", "adds two eggs and stirs.", "paints the wall.", "starts to swim."]),
    ("Home and Garden", "[header] How to water a fern [title] Check the soil. [step] Touch the soil.", "", "0",
     ["[substeps] Water it when the top is dry.", "Sell the fern.", "Bury the fern.", "Freeze the pot."]),
    ("Riding a bike", "A boy puts on a helmet. He climbs on a red bike.", "the boy", "2",
     ["eats the bike.", "falls asleep on the grass.", "pedals down the street.", "flies into the sky."]),
    ("Washing a dog", "A man fills a tub with water.", "he", "3",
     ["reads a book.", "climbs onto the roof.", "drives away.", "puts the dog in the tub and scrubs it."]),
]


# The few-shot pool is every text task not in the sample: lm-eval draws 10 + 1 from it for
# hellaswag's 10 shots (its few-shot split is unset), so the fixture keeps 12 there.
_FIXTURE_POOL = 12


def _fixture_task(i: int) -> tuple:
    """A made-up ActivityNet-style task (an unfinished last fragment); the gold ending moves round."""
    gold = i % 4
    endings = ["juggles the cups.", "sings to the wall.", "hops on one foot."]
    endings.insert(gold, f"finishes step {i} and moves on to step {i + 1}.")
    return (f"Synthetic activity {i}", f"A person starts synthetic step {i}. They check the result.", "then they",
            str(gold), endings)


def _fixture(data_dir: Path) -> None:
    tasks = _FIXTURE_TASKS + [_fixture_task(i) for i in range(len(_FIXTURE_TASKS), _FIXTURE_POOL + 2)]
    records = [
        {"ind": 100 + i, "activity_label": label, "ctx_a": a, "ctx_b": b, "ctx": f"{a} {b}".strip(),
         "split": "val", "split_type": "indomain", "label": int(gold), "endings": endings,
         "source_id": f"synthetic~{i}"}
        for i, (label, a, b, gold, endings) in enumerate(tasks)
    ]
    write_jsonl(data_dir / SAMPLE, [records[2], records[0]])  # sampled out of order, as the real one
    text_lines = []
    for r in records:
        query = _clean(f"{r['activity_label']}: {r['ctx']}")
        text_lines += [query, str(r["label"]), *(_clean(e) for e in r["endings"])]
    path = data_dir / FULL
    path.parent.mkdir(parents=True, exist_ok=True)
    with bz2.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join(text_lines) + "\n")


register(
    OfflineSource(
        hub_path="Rowan/hellaswag",
        build=_build,
        files=_files,
        supply_hint=f"Put 1,000 (or more) original-format HellaSwag validation records at <data>/{SAMPLE} "
        f"and llama.cpp's full validation text file (10,042 tasks, 6 lines each) at <data>/{FULL}.",
        differences="validation is a 1,000-item sample of the 10,042 (leaderboard: all 10,042), so scores "
        "carry 1.3-1.6 points of stderr and are not the full-set score; the few-shot `train` pool is the other "
        "9,042 validation items rebuilt from llama.cpp's pre-cleaned text (leaderboard: the 39,905-item train "
        "split), so the 10 sampled shots differ (their prompts render as lm-eval would; ind, source_id and "
        "split_type are blank).",
        deviations=(Deviation("sample", "1,000 of the 10,042 validation questions"),
                    Deviation("substitute_split", "few-shot examples from the other validation questions "
                              "instead of the train split")),
        fixture=_fixture,
    )
)
