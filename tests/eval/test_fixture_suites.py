"""Every suite runs to completion on the synthetic fixture data, and so does `podium demo`.

The fixtures stand in for the real data folder wherever it is absent (the demo, core tests), so
they must be large enough for the suites as declared: each few-shot pool at least the suite's shot
count (plus one where lm-eval draws from the evaluated split's own pool), every subject of the
MMLU/KMMLU groups, every BBH and MATH subtask. Runs use limit 1 (one document per (sub)task) and a
short generation budget.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from podium import paths
from podium.eval.data.fixtures import write_fixture_data
from podium.eval.suites import SUITES
from podium.record import RunRecord

MODEL = "podium-demo/gpt2-tiny"
# The tiny random model never stops early: at the tasks' own budgets (IFEval 1280 tokens, MATH 1024)
# one suite takes minutes. How much is generated says nothing about whether the data fits.
SHORT_GENERATION = {"max_gen_toks": 16}

# Leaf subtasks each grouped task of the suites must report (every one must have run).
SUBTASK_COUNTS = {
    "mmlu": 57, "mmlu_original": 57, "mmlu_helm": 57, "mmlu_harness2023": 57, "mmlu_harness2023_norm": 57,
    "ko_mmlu": 57, "kmmlu": 45, "bbh": 24, "math_hard": 7, "musr": 3, "gpqa": 3,
}


@pytest.fixture(scope="module")
def fixture_data(tmp_path_factory) -> Path:
    return write_fixture_data(tmp_path_factory.mktemp("fixture-data"))


def _punkt_available() -> bool:
    import nltk

    paths.ensure_nltk_data()
    if os.environ.get("NLTK_DATA") and os.environ["NLTK_DATA"] not in nltk.data.path:
        nltk.data.path.insert(0, os.environ["NLTK_DATA"])
    try:
        nltk.data.find("tokenizers/punkt_tab")
    except LookupError:
        return False
    return True


# --- the fixtures fit the suites (fast checks) -------------------------------------------


def test_fixture_subject_lists_match_lm_eval():
    """The subject lists written out in the sources are lm-eval's (the fixture must not import it)."""
    import yaml
    from lm_eval.tasks.mmlu._generate_configs import SUBJECTS

    from podium.eval.data.sources import bbh, hendrycks_math, kmmlu, mmlu
    from podium.eval.suites import BBH_CHOICES

    assert list(mmlu.FIXTURE_SUBJECTS) == list(SUBJECTS)
    tasks = Path(__import__("lm_eval").__file__).parent / "tasks"
    kmmlu_names = sorted(yaml.safe_load(p.read_text(encoding="utf-8"))["dataset_name"]
                         for p in (tasks / "kmmlu" / "default").glob("kmmlu_*.yaml"))
    # Two file names are the config's in lower case, as in the real folder (matched case-insensitively).
    assert sorted(p.lower() for p in kmmlu._FIXTURE_PREFIXES) == sorted(n.lower() for n in kmmlu_names)
    assert len(kmmlu_names) == 45
    assert set(bbh._FIXTURE_ANSWERS) == set(BBH_CHOICES)
    for task, answers in bbh._FIXTURE_ANSWERS.items():
        assert (answers if isinstance(answers, int) else len(answers)) == BBH_CHOICES[task], task
    math_names = {yaml.safe_load(p.read_text(encoding="utf-8"))["dataset_name"]
                  for p in (tasks / "leaderboard" / "math").glob("math_*.yaml")}
    fixture_math = {s for s, _ in hendrycks_math._FIXTURE} | {s for s, _ in hendrycks_math._FIXTURE_SUBJECTS}
    assert fixture_math == math_names


def test_fixture_is_small_and_deterministic(tmp_path):
    """Small (under 512 KiB, so writing it is cheap) and byte-identical on every build."""
    first = write_fixture_data(tmp_path / "a")
    second = write_fixture_data(tmp_path / "b")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files and files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)
    assert sum((first / f).stat().st_size for f in files) < 512 * 1024


# --- every suite runs end to end (the trace suite: tests/test_tracing_platform.py) --------


@pytest.mark.slow
@pytest.mark.parametrize("suite", [name for name, spec in SUITES.items() if spec.has_score_board or spec.compared])
def test_suite_runs_on_fixture_data(suite, fixture_data, demo_models, tmp_path):
    from podium.eval.runner import EvalRequest, run_evaluation

    spec = SUITES[suite]
    keys = [t.key for t in spec.tasks]
    if suite == "openllm-v2" and not _punkt_available():
        # IFEval needs NLTK's punkt_tab, which only the shared nltk_data folder supplies offline.
        keys.remove("ifeval")
    record = run_evaluation(EvalRequest(model=MODEL, output=tmp_path / "run", suite=suite,
                                        tasks=keys if len(keys) < len(spec.tasks) else None,
                                        limit=1, data_dir=fixture_data, gen_kwargs=SHORT_GENERATION))
    failed = {k: f"{t.status}: {t.error}" for k, t in record.tasks.items() if not t.ok}
    assert not failed
    assert list(record.tasks) == keys
    assert record.missing_tasks == [] and record.average_complete is spec.averaged
    assert (record.average is not None) == spec.averaged  # a suite comparing implementations has no average
    assert record.provenance.data.dir == str(fixture_data.resolve())
    for key, task in record.tasks.items():
        assert task.raw is not None and task.n_samples >= 1, key
        if key in SUBTASK_COUNTS:
            assert len(task.subtasks) == SUBTASK_COUNTS[key], key
            assert all(s.n_samples == 1 for s in task.subtasks.values()), key


# --- `podium demo` without a data folder -------------------------------------------------

# Runs `podium.cli.main` as `python -m` would, with the shared-folder lookup of podium.paths
# switched off for the data folder only (models and NLTK data are still found).
_WITHOUT_SHARED_DATA = (
    "import runpy, sys\n"
    "import podium.paths as paths\n"
    "shared = paths._shared_candidates\n"
    "paths._shared_candidates = lambda sub: [] if sub == 'data' else shared(sub)\n"
    "runpy.run_module('podium.cli.main', run_name='__main__', alter_sys=True)\n"
)


def _paths_has_off_switch(monkeypatch) -> bool:
    monkeypatch.setenv("PODIUM_DATA_DIR", "none")
    try:
        return paths.data_dir() is None
    finally:
        monkeypatch.delenv("PODIUM_DATA_DIR")


@pytest.mark.slow
def test_demo_runs_on_fixtures_without_a_data_folder(demo_models, tmp_path, monkeypatch):
    env = {k: v for k, v in os.environ.items() if k != "PODIUM_DATA_DIR"}
    env["PODIUM_HOME"] = str(tmp_path / "home")  # a fresh home: fixtures and results land here
    env["PODIUM_MODELS_ROOT"] = str(paths.models_root())  # the demo models the session built
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(paths.REPO_ROOT), env.get("PYTHONPATH")]))
    if _paths_has_off_switch(monkeypatch):
        env["PODIUM_DATA_DIR"] = "none"
        launcher = ["-m", "podium.cli.main"]
    else:
        launcher = ["-c", _WITHOUT_SHARED_DATA]
    cwd = tmp_path / "elsewhere"  # no ../shared/data beside it
    cwd.mkdir()
    proc = subprocess.run([sys.executable, *launcher, "demo", "--limit", "1"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    fixture_dir = tmp_path / "home" / "fixture-data"
    assert "No benchmark data folder found" in proc.stdout
    assert f"using the synthetic fixture tasks in {fixture_dir}" in proc.stdout
    assert "INCOMPLETE" not in proc.stdout
    results = sorted((tmp_path / "home" / "runs").glob("*/openllm-v1/results.json"))
    assert len(results) == 1
    record = RunRecord.from_json(json.loads(results[0].read_text())["podium"])
    assert record.provenance.data.dir == str(fixture_dir.resolve())
    assert record.average_complete is True
    assert all(t.ok for t in record.tasks.values())
