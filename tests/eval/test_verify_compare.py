"""`podium verify`'s comparisons on constructed rows: what agrees, what is named as disagreeing."""

from __future__ import annotations

import json

from podium.eval.verify.compare import Report, compare_task, details_findings, row_differences
from podium.eval.verify.plan import sample


def row(doc_id: int, *, filt="none", lls=(-1.0, -2.0), generation=None, metrics=None, prompt="p") -> dict:
    return {"doc_id": doc_id, "filter": filt, "prompt_hash": prompt, "doc_hash": "d", "target": "0",
            "choices": [] if generation is not None else ["a", "b"], "is_greedy": [] if generation else [True, False],
            "loglikelihoods": [] if generation is not None else list(lls), "generation": generation,
            "filtered": json.dumps(generation), "metrics": json.dumps(metrics or {"acc": 1.0})}


def test_log_likelihoods_within_the_tolerance_agree_and_beyond_it_are_named():
    assert row_differences(row(0), row(0, lls=(-1.00001, -2.0)), 1e-4) == []
    assert row_differences(row(0), row(0, lls=(-1.1, -2.0)), 1e-4) == [
        "log-likelihood of choice 0: recorded -1.000000, re-run -1.100000"]


def test_generations_prompts_and_metric_values_must_be_identical():
    old = row(3, generation="#### 4", metrics={"exact_match": 1.0})
    new = row(3, generation="#### 5", metrics={"exact_match": 0.0}, prompt="q")
    assert row_differences(old, new, 1e-4) == [
        "its prompt differs", "generation: recorded '#### 4', re-run '#### 5'",
        "exact_match: recorded 1.0, re-run 0.0"]


def test_each_filter_of_a_document_is_compared_and_one_finding_names_the_document():
    recorded = [row(1, filt="strict", generation="x"), row(1, filt="flexible", generation="x"), row(2, generation="y")]
    fresh = [row(1, filt="strict", generation="x"), row(2, generation="y")]
    report = Report()
    compare_task("gsm8k", recorded, fresh, [1, 2], 0.0, report)
    assert [f.line() for f in report.findings] == ["gsm8k doc 1: filter flexible: not re-run"]
    assert (report.compared, report.disagreeing("gsm8k"), report.agrees) == ({"gsm8k": 2}, 1, False)


def test_a_results_block_that_is_not_the_mean_of_its_details_is_caught():
    rows = [row(i, metrics={"acc": float(i % 2)}) for i in range(4)]
    lm_eval = {"configs": {"t": {"metric_list": [{"metric": "acc", "aggregation": "mean"}]}},
               "results": {"t": {"acc,none": 0.5}}}
    assert details_findings(lm_eval, {"t": rows}) == []
    lm_eval["results"]["t"]["acc,none"] = 0.75
    assert [f.line() for f in details_findings(lm_eval, {"t": rows})] == [
        "t: results.json gives acc,none = 0.750000, but its 4 documents' values in the details average 0.500000"]


def test_the_sample_is_seeded_per_task_and_all_means_all():
    ids = list(range(100))
    first = sample(ids, 10, False, 0, "arc")
    assert first == sample(ids, 10, False, 0, "arc") and len(first) == 10 and first == sorted(first)
    assert first != sample(ids, 10, False, 1, "arc") and first != sample(ids, 10, False, 0, "gsm8k")
    assert sample(ids, 10, True, 0, "arc") == ids and sample(ids[:5], 10, False, 0, "arc") == ids[:5]
