"""One sample as the sample browser shows it: which choice is the gold one, whatever way the
task's details name it."""

from __future__ import annotations

import json

from podium.eval.suites import SUITES
from podium.web.samples import sample_view

MMLU_PRO = next(t for t in SUITES["openllm-v2"].tasks if t.key == "mmlu_pro")


def row(target: str, choices: list[str]) -> dict:
    return {"doc_id": 0, "prompt": "Question ... Answer:", "choices": choices, "target": target,
            "loglikelihoods": [-3.0, -1.0, -2.0][:len(choices)], "metrics": json.dumps({"acc": 0.0})}


def test_a_letter_target_names_its_choice_despite_the_target_delimiter():
    """MMLU-Pro logs the gold letter ("C") while its choices carry lm-eval's delimiter (" C")."""
    view = sample_view(row("C", [" A", " B", " C"]), MMLU_PRO)
    assert (view["target_index"], view["target"], view["prediction_index"]) == (2, " C", 1)
    assert view["correct"] is False


def test_an_index_target_and_an_unmatched_one():
    assert sample_view(row("0", [" A", " B"]), MMLU_PRO)["target_index"] == 0
    unmatched = sample_view(row("Z", [" A", " B"]), MMLU_PRO)
    assert (unmatched["target_index"], unmatched["target"]) == (None, "Z")
    assert sample_view(row("7", [" A", " B"]), MMLU_PRO)["target_index"] is None  # out of range: no gold shown
