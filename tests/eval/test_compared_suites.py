"""A suite that compares implementations of one benchmark (mmlu-variants) has no average: its
declaration refuses averaged columns, its runs record none and its summary says why."""

from __future__ import annotations

import pytest

from podium.eval.spec import SuiteSpec, TaskSpec
from podium.eval.suites import SUITES
from podium.eval.summary import summary_table
from support.records import record, score

VARIANTS = SUITES["mmlu-variants"]


def test_mmlu_variants_compares_three_implementations_and_averages_none():
    assert VARIANTS.compared == ("mmlu_original", "mmlu_helm", "mmlu_harness2023")
    assert not VARIANTS.averaged and not any(t.in_average for t in VARIANTS.tasks)
    assert VARIANTS.board_path == "/variants/mmlu-variants" and not VARIANTS.has_score_board
    assert SUITES["openllm-v2"].averaged and SUITES["openllm-v2"].board_path is None


def test_a_compared_suite_refuses_averaged_or_unknown_columns():
    a = TaskSpec("a", "A", "a", 0, ("acc,none",), in_average=False)
    with pytest.raises(ValueError, match="none of its columns may be averaged"):
        SuiteSpec("s", "S", (a, TaskSpec("b", "B", "b", 0, ("acc,none",))), compared=("a", "b"))
    with pytest.raises(ValueError, match="does not have"):
        SuiteSpec("s", "S", (a,), compared=("a", "z"))


def test_the_run_summary_says_there_is_no_average():
    tasks = [score(t.key, t.title, 0.5, 50.0, in_average=False) for t in VARIANTS.tasks]
    table = summary_table(record(tasks, None, False, suite="mmlu-variants"))
    assert "no average: the implementations are compared side by side" in table and "INCOMPLETE" not in table
