"""Parity with lm-eval's own `hf` backend, per task and per document.

For every task of every suite, lm-eval's stock `hf` backend and `podium eval` run on the
same tiny model, data and limit. Aggregate metrics must be identical, and so must each
document's metric values; per-choice log-likelihoods must agree (exactly for `hf`, within
1e-4 for the `podium` engine).
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from podium.eval import suites
from podium.eval.details import read_details
from podium.eval.provenance import SEEDS
from podium.eval.runner import EvalRequest, run_evaluation
from podium.eval.scoring import leaf_tasks, score_task
from podium.eval.suites import get_suite
from podium.eval.taskindex import task_manager

KO_PRIVATE_SOURCES = ("podium/ko_arc_challenge", "podium/ko_hellaswag", "podium/ko_mmlu", "podium/ko_truthfulqa")

# Generation tasks run with a short budget on both sides (the same override for lm-eval and Podium):
# a random tiny model never stops by itself, and 1,024 new tokens per document would cost minutes.
SHORT_GENERATION = {"max_gen_toks": 24}

# (suite, task key, limit per (sub)task). Groups run `limit` documents of every subtask.
CASES = [
    ("openllm-v1", "arc_challenge", 3),
    ("openllm-v1", "hellaswag", 3),
    ("openllm-v1", "mmlu", 1),
    ("openllm-v1", "truthfulqa_mc2", 3),
    ("openllm-v1", "winogrande", 3),
    ("openllm-v1", "gsm8k", 2),
    ("openllm-v2", "ifeval", 2),
    ("openllm-v2", "bbh", 1),
    ("openllm-v2", "math_hard", 1),
    ("openllm-v2", "musr", 2),
    ("openllm-v2", "mmlu_pro", 3),
    ("ko-h5", "ko_arc_challenge", 2),
    ("ko-h5", "ko_hellaswag", 2),
    ("ko-h5", "ko_mmlu", 2),
    ("ko-h5", "ko_truthfulqa_mc2", 2),
    ("ko-h5", "ko_commongen_v2", 3),
    ("ko-h5", "kmmlu", 1),
    ("mmlu-variants", "mmlu_helm", 1),
    ("mmlu-variants", "mmlu_harness2023", 1),
]


# Both backends, always: a podium backend that fails to import fails these tests (its registration
# is checked on its own in tests/engine/test_engine_parity.py).
BACKENDS = ["hf", "podium"]


@pytest.fixture(scope="session")
def parity_data_dir(eval_data_dir, tmp_path_factory) -> Path:
    """The evaluation data plus synthetic Ko-H5 private files (the operator's data is never here)."""
    from podium.eval.data.registry import get_source

    folder = tmp_path_factory.mktemp("parity-data")
    for entry in Path(eval_data_dir).iterdir():
        (folder / entry.name).symlink_to(entry)
    for hub_path in KO_PRIVATE_SOURCES:
        source = get_source(hub_path)
        if source is not None and source.fixture is not None:
            source.fixture(folder)
    return folder


def reference_run(model_path: Path, lm_eval_task: str, shots, limit, data: Path, chat: bool = False,
                  gen_kwargs: dict | None = None) -> dict:
    import lm_eval

    from podium.eval.data import offline_datasets

    with offline_datasets(data):
        return lm_eval.simple_evaluate(
            model="hf", model_args={"pretrained": str(model_path), "dtype": "float32"}, tasks=[lm_eval_task],
            num_fewshot=shots, limit=limit, log_samples=True, batch_size=1, device="cpu",
            apply_chat_template=chat, fewshot_as_multiturn=chat, task_manager=task_manager(), gen_kwargs=gen_kwargs,
            **SEEDS,
        )


def _batch(backend: str):
    """The reference runs lm-eval at batch size 1; `hf` must run the same way to be bit-identical (its
    "auto" batches pad rows, which moves the last bits). The engine runs with its default, "auto"."""
    return 1 if backend == "hf" else "auto"


def _doc_metrics(samples: list[dict]) -> dict:
    return {(s["doc_id"], s.get("filter")): {m: s[m] for m in s["metrics"]} for s in samples}


def _detail_metrics(rows: list[dict]) -> dict:
    return {(r["doc_id"], r["filter"]): json.loads(r["metrics"]) for r in rows}


def _numeric(block: dict) -> dict:
    return {k: v for k, v in block.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _same(expected, got, backend: str) -> bool:
    """hf runs the same code as lm-eval: identical. The engine sums the same float32 log-probs in
    another order, so continuous values (mc2, log-likelihoods) may differ in the last bits; 0/1
    decisions (acc, acc_norm, exact_match) must still be identical."""
    if isinstance(expected, float) and math.isnan(expected):
        return isinstance(got, float) and math.isnan(got)
    if backend == "hf" or expected in (0, 1) or not isinstance(expected, float):
        return got == expected
    return got == pytest.approx(expected, abs=1e-6)


def assert_parity(ref: dict, out_dir: Path, leaves: list[str], backend: str) -> None:
    ours = json.loads((out_dir / "results.json").read_text())
    for leaf in leaves:
        for metric, value in _numeric(ref["results"][leaf]).items():
            if "_stderr" in metric and backend != "hf":
                continue
            assert _same(value, ours["results"][leaf][metric], backend), (leaf, metric)
        rows = read_details(out_dir / "details" / f"{leaf}.parquet")
        expected_docs, got_docs = _doc_metrics(ref["samples"][leaf]), _detail_metrics(rows)
        assert got_docs.keys() == expected_docs.keys(), leaf
        for doc, metrics in expected_docs.items():
            assert metrics.keys() == got_docs[doc].keys(), (leaf, doc)
            for name, value in metrics.items():
                assert _same(value, got_docs[doc][name], backend), (leaf, doc, name)
        ref_lls = {(s["doc_id"], s.get("filter")): [r[0][0] for r in s["resps"]] for s in ref["samples"][leaf]}
        for row in rows:
            if row["loglikelihoods"]:
                tol = 0 if backend == "hf" else 1e-4
                assert row["loglikelihoods"] == pytest.approx(ref_lls[(row["doc_id"], row["filter"])], abs=tol)


def _with_samples_kept(monkeypatch, suite_name: str) -> None:
    """A private task's samples never leave its run (tests/eval/test_private_details.py); parity
    compares them per document, so here the suite's tasks are evaluated as public ones."""
    suite = get_suite(suite_name)
    public = replace(suite, tasks=tuple(replace(t, visibility="public") for t in suite.tasks))
    monkeypatch.setitem(suites.SUITES, suite_name, public)


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("suite_name, key, limit", CASES, ids=[f"{s}:{k}" for s, k, _ in CASES])
def test_task_parity_with_lm_eval_hf(suite_name, key, limit, backend, demo_models, parity_data_dir, tmp_path,
                                     monkeypatch):
    _with_samples_kept(monkeypatch, suite_name)
    spec = next(t for t in get_suite(suite_name).tasks if t.key == key)
    model = demo_models["podium-demo/gpt2-tiny"]
    ref = reference_run(model, spec.lm_eval_task, spec.num_fewshot, limit, parity_data_dir,
                        gen_kwargs=SHORT_GENERATION)
    record = run_evaluation(EvalRequest(model=str(model), output=tmp_path, suite=suite_name, tasks=[key],
                                        limit=limit, data_dir=parity_data_dir, backend=backend,
                                        batch_size=_batch(backend), gen_kwargs=SHORT_GENERATION))
    leaves = leaf_tasks(spec.lm_eval_task, ref.get("group_subtasks", {}))
    assert_parity(ref, tmp_path, leaves, backend)
    ours = record.tasks[key]
    assert ours.status == "ok"
    assert _same(score_task(spec, ref).raw, ours.raw, backend)


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_chat_template_parity(backend, demo_models, parity_data_dir, tmp_path):
    """--chat-template: few-shot examples as multi-turn, as the v2 leaderboard runs chat models."""
    spec = next(t for t in get_suite("openllm-v1").tasks if t.key == "arc_challenge")
    model = demo_models["podium-demo/llama-tiny-chat"]
    ref = reference_run(model, "arc_challenge", spec.num_fewshot, 2, parity_data_dir, chat=True)
    run_evaluation(EvalRequest(model=str(model), output=tmp_path, suite="openllm-v1", tasks=["arc_challenge"],
                               limit=2, data_dir=parity_data_dir, backend=backend, chat_template=True,
                               batch_size=_batch(backend)))
    assert "<|im_start|>" in ref["samples"]["arc_challenge"][0]["arguments"][0][0]
    assert_parity(ref, tmp_path, ["arc_challenge"], backend)
