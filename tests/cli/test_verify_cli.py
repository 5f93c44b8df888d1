"""`podium verify` through the real command: a demo result agrees, an altered one is caught,
changed data or model files are refused."""

from __future__ import annotations

import json
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from podium.record import RunRecord
from support.cli import assert_clean_error, podium

TASK = "arc_challenge"


@pytest.fixture(scope="module")
def demo_result(demo_models, eval_data_dir, tmp_path_factory):
    """One 4-document ARC run of the tiny GPT-2 demo model."""
    out = tmp_path_factory.mktemp("verify") / "run"
    proc = podium("eval", "--model", "podium-demo/gpt2-tiny", "--suite", "openllm-v1", "--tasks", TASK, "--limit", "4",
                  "--output", str(out), "--data-dir", str(eval_data_dir))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def copy_of(result, tmp_path):
    folder = tmp_path / "result"
    shutil.copytree(result, folder)
    return folder


def test_a_sample_of_the_documents_agrees_with_the_result(demo_result):
    # 2 of the 4 documents: each keeps its original few-shot examples, so the prompts are the same
    proc = podium("verify", str(demo_result), "--per-task", "2", "--seed", "7")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "AGREE: 2 of 2 documents agree" in proc.stdout
    assert "podium float32 cpu batch auto" in proc.stdout  # the default --batch-size, as recorded


def test_altered_details_and_results_files_are_caught_and_named(demo_result, tmp_path):
    folder = copy_of(demo_result, tmp_path)
    details = folder / "details" / f"{TASK}.parquet"
    rows = pq.read_table(details).to_pylist()
    victim = rows[1]["doc_id"]
    rows[1]["loglikelihoods"] = [value - 1.0 for value in rows[1]["loglikelihoods"]]
    pq.write_table(pa.Table.from_pylist(rows), details)
    results = json.loads((folder / "results.json").read_text())
    results["results"][TASK]["acc_norm,none"] = 1.0  # a better score than the documents give
    (folder / "results.json").write_text(json.dumps(results))

    proc = podium("verify", str(folder), "--all")
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"{TASK} doc {victim}: log-likelihood of choice 0: recorded" in proc.stdout
    assert f"{TASK}: results.json gives acc_norm,none = 1.000000, but its 4 documents' values" in proc.stdout
    assert "DISAGREE: 3 of 4 documents agree" in proc.stdout


def test_a_changed_data_file_is_refused(demo_result, tmp_path):
    record = RunRecord.from_json(json.loads((demo_result / "results.json").read_text())["podium"])
    data = tmp_path / "data"
    for rel in record.provenance.data.files:
        (data / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(f"{record.provenance.data.dir}/{rel}", data / rel)
    changed = sorted(record.provenance.data.files)[0]
    with open(data / changed, "a") as f:
        f.write("\n")
    proc = podium("verify", str(demo_result), "--data-dir", str(data))
    assert_clean_error(proc, f"1 of the {len(record.provenance.data.files)} data files", f"{changed} (changed)")


def test_changed_model_files_are_refused(demo_result, demo_models, tmp_path):
    model = tmp_path / "model"
    shutil.copytree(demo_models["podium-demo/gpt2-tiny"], model)
    config = json.loads((model / "config.json").read_text())
    (model / "config.json").write_text(json.dumps({**config, "podium_note": "edited"}))
    proc = podium("verify", str(demo_result), "--model", str(model))
    assert_clean_error(proc, "The model's files changed", "Point --model")


@pytest.mark.parametrize("args, phrases", [
    (["--per-task", "0"], ["--per-task must be at least 1"]),
    (["--tolerance", "-1"], ["--tolerance must be zero or more"]),
])
def test_bad_options_are_usage_errors(demo_result, args, phrases):
    assert_clean_error(podium("verify", str(demo_result), *args), *phrases)


def test_a_folder_without_a_result_is_a_usage_error(tmp_path):
    assert_clean_error(podium("verify", str(tmp_path)), "holds no results.json")
