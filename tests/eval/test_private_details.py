"""A private task's per-sample details never leave the evaluation (issue 16): only its scores do."""

from __future__ import annotations

import pytest

from podium.eval.data.fixtures import write_fixture_data
from podium.eval.runner import EvalRequest, run_evaluation
from podium.eval.suites import KO_H5


@pytest.mark.slow
def test_private_task_samples_are_not_written(demo_models, tmp_path):
    private = next(t for t in KO_H5.tasks if t.key == "ko_arc_challenge")
    public = next(t for t in KO_H5.tasks if t.key == "ko_commongen_v2")
    assert private.private and not public.private
    data = write_fixture_data(tmp_path / "data")  # the fixtures hold every Ko-H5 task, private ones included
    out = tmp_path / "run"
    record = run_evaluation(EvalRequest(model="podium-demo/gpt2-tiny", output=out, suite=KO_H5.name,
                                        tasks=[private.key, public.key], limit=1, data_dir=data))
    assert record.tasks[private.key].ok and record.tasks[private.key].n_samples == 1  # scored...
    written = {p.stem for p in (out / "details").glob("*.parquet")}
    assert private.lm_eval_task not in written and private.lm_eval_task not in record.details  # ...samples kept back
    assert public.lm_eval_task in written and record.details[public.lm_eval_task]
