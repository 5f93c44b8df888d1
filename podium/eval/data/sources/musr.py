"""MuSR (TAUR-Lab/MuSR) from the 15 raw examples in `musr/small_datasets/`.

Each raw story (`context`) has one or more `questions`; every question becomes a hub
row: narrative, question, choices (the hub stores the string form of a Python list,
which lm-eval parses with `ast.literal_eval`), answer_index, answer_choice.
"""

from __future__ import annotations

from pathlib import Path

from podium.eval.data.registry import OfflineSource, register
from podium.eval.data.sources._io import dataset_dict, read_json, write_json
from podium.stats.averages import Deviation

# hub split -> raw file
_SPLITS = {
    "murder_mysteries": "small_murder_mystery.json",
    "object_placements": "small_object_placements.json",
    "team_allocation": "small_team_allocation.json",
}


def _features():
    from datasets import Features, Value

    s = Value("string")
    return Features({"narrative": s, "question": s, "choices": s, "answer_index": Value("int64"), "answer_choice": s})


def _rows(stories: list[dict]) -> list[dict]:
    return [
        {"narrative": story["context"], "question": q["question"], "choices": str(list(q["choices"])),
         "answer_index": q["answer"], "answer_choice": q["choices"][q["answer"]]}
        for story in stories
        for q in story["questions"]
    ]


def _files(data_dir: Path, name: str | None) -> list[Path]:
    if name not in (None, "default"):
        return []
    return [data_dir / "musr" / "small_datasets" / f for f in _SPLITS.values()]


def _build(data_dir: Path, name: str | None):
    paths = dict(zip(_SPLITS, _files(data_dir, name)))
    return dataset_dict(features=_features(), **{split: _rows(read_json(p)) for split, p in paths.items()})


def _question(question: str, choices: list[str], answer: int) -> dict:
    # The raw format also carries the generator's reasoning trees; they are not used.
    return {"question": question, "answer": answer, "choices": choices, "intermediate_trees": [],
            "intermediate_data": []}


_FIXTURE = {
    "murder_mysteries": [
        {"context": "In a quiet library, Tom was found dead. Detective Lee questions Ann and Bob. Ann had a key; "
                    "Bob was away.",
         "questions": [_question("Who is the most likely murderer?", ["Ann", "Bob"], 0)]},
        {"context": "At the harbour, a sailor vanished. Cora saw Dan near the boat at midnight.",
         "questions": [_question("Who is the most likely murderer?", ["Cora", "Dan"], 1)]},
    ],
    "object_placements": [
        {"context": "Mia puts the keys in the drawer. While Mia is out, Sam moves the keys to the shelf.",
         "questions": [
             _question("Which location is the most likely place Mia would look to find the keys given the story?",
                       ["drawer", "shelf"], 0),
             _question("Which location is the most likely place Sam would look to find the keys given the story?",
                       ["drawer", "shelf"], 1)]},
    ],
    "team_allocation": [
        {"context": "A bakery needs a baker and a cashier. Eve loves dough; Finn and Gus enjoy talking to people.",
         "questions": [_question(
             "Given the story, how would you uniquely allocate each person to make sure both tasks are "
             "accomplished efficiently?",
             ["Baker: Finn, Cashier: Eve and Gus", "Baker: Eve, Cashier: Finn and Gus"], 1)]},
    ],
}


def _fixture(data_dir: Path) -> None:
    for split, stories in _FIXTURE.items():
        write_json(data_dir / "musr" / "small_datasets" / _SPLITS[split], stories)


register(
    OfflineSource(
        hub_path="TAUR-Lab/MuSR",
        build=_build,
        files=_files,
        supply_hint="Put MuSR's raw domain files at <data>/musr/small_datasets/small_murder_mystery.json, "
        "small_object_placements.json and small_team_allocation.json (from Zayne-sprague/MuSR; the full "
        "datasets/*.json files can be dropped in under these names).",
        differences="Only 15 stories (5 per domain: 5 murder-mystery, 20 object-placement and 5 team-allocation "
        "questions) instead of 250/256/250, so MuSR scores are not comparable with the leaderboard's.",
        deviations=(Deviation("sample", "30 of the 756 questions, from 15 stories"),),
        fixture=_fixture,
    )
)
