"""`podium eval --contamination` flags a tiny model trained on a task's test questions and not one
trained on other text, and stores the signal in results.json, where the run record reads it back
(the first through the command line, the second through the runner).

Both models are tiny GPT-2s trained the same way (`workshop.memorised`, seconds of CPU each): one on
the GSM8K test questions the check samples (what a model that saw the test set saw), the other on
the workshop's built-in pseudo-English. Real data where present, else the synthetic fixture task.
"""

from __future__ import annotations

import json

import pytest

from podium.eval.contamination_check import questions
from podium.eval.data.origins import DataPlan
from podium.eval.runner import EvalRequest, run_evaluation
from podium.eval.suites import get_suite
from podium.eval.taskindex import task_manager
from podium.record import RunRecord
from podium.settings import current
from support.cli import podium
from workshop.corpus import corpus_lines
from workshop.memorised import train_on

TASK = "gsm8k"


@pytest.fixture(scope="module")
def sampled(eval_data_dir):
    spec = get_suite("openllm-v1").select([TASK])
    with DataPlan.for_run(spec, None, eval_data_dir, current()).serving(spec):
        return questions(spec[0].lm_eval_task, task_manager())


@pytest.fixture(scope="module")
def models(tmp_path_factory, eval_data_dir, sampled):
    test, reference, _ = sampled
    root = tmp_path_factory.mktemp("contamination-models")
    lines = corpus_lines(eval_data_dir, limit=500) + test + reference
    return {"memorised": train_on(test, root / "memorised", tokenizer_lines=lines),
            "other": train_on(corpus_lines(None)[:200], root / "other", tokenizer_lines=lines)}


def _signal(model, data, out):
    """Through the runner, as the worker's evaluator runs it."""
    run_evaluation(EvalRequest(model=str(model), output=out, suite="openllm-v1", tasks=[TASK], limit=1,
                               data_dir=data, device="cpu", gen_kwargs={"max_gen_toks": 8}, contamination=True))
    record = RunRecord.from_json(json.loads((out / "results.json").read_text())["podium"])
    return record.tasks[TASK].contamination


def test_a_model_trained_on_the_test_questions_is_flagged(models, eval_data_dir, sampled, tmp_path):
    out = tmp_path / "memorised"
    proc = podium("eval", "--model", str(models["memorised"]), "--suite", "openllm-v1", "--tasks", TASK, "--limit", "1",
                  "--data-dir", str(eval_data_dir), "--gen-kwargs", "max_gen_toks=8", "--output", str(out),
                  "--contamination")
    assert proc.returncode == 0, proc.stderr[-3000:]
    signal = RunRecord.from_json(json.loads((out / "results.json").read_text())["podium"]).tasks[TASK].contamination
    assert signal.flagged, signal
    assert signal.test_items == len(sampled[0]) and signal.reference_split == "train"
    assert signal.gap > 0


def test_a_model_trained_on_other_text_is_not_flagged(models, eval_data_dir, tmp_path):
    signal = _signal(models["other"], eval_data_dir, tmp_path / "other")
    assert not signal.flagged, signal
