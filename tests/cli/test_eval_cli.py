"""`podium eval` end to end through the real command: output files and clear errors."""

from __future__ import annotations

import json

import pytest

from podium.record import RunError, RunRecord
from support.cli import assert_clean_error, podium


def test_eval_writes_results_details_and_summary(demo_models, eval_data_dir, tmp_path):
    out = tmp_path / "run"
    proc = podium("eval", "--model", "podium-demo/gpt2-tiny", "--suite", "openllm-v1", "--tasks",
                  "arc_challenge,gsm8k", "--limit", "2", "--output", str(out), "--data-dir", str(eval_data_dir))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "ARC (25-shot)" in proc.stdout and "Average" in proc.stdout
    results = json.loads((out / "results.json").read_text())
    record = RunRecord.from_json(results["podium"])  # lm-eval's blocks beside the run record, unchanged
    assert set(record.tasks) == {"arc_challenge", "gsm8k"}
    assert results["results"]["arc_challenge"]["acc_norm,none"] == record.tasks["arc_challenge"].raw
    assert record.average_complete is True and record.suite_version
    assert all(score.contamination is None for score in record.tasks.values())  # off unless --contamination
    prov = record.provenance
    assert prov.versions["lm_eval"] == "0.4.13"
    assert prov.data.files and all(len(h) == 64 for h in prov.data.files.values())
    assert prov.model.content_hash and prov.run.command_line.startswith("podium eval")
    assert prov.run.seeds["fewshot_random_seed"] == 1234
    timings = prov.timings  # per task, and what the model itself took: its load, its forward passes
    assert {"arc_challenge", "gsm8k", "model_load", "model_forward"} <= set(timings)
    assert 0 < timings["model_forward"] < timings["arc_challenge"] + timings["gsm8k"]
    assert record.details["arc_challenge"] == "details/arc_challenge.parquet"
    assert (out / "details" / "arc_challenge.parquet").exists()
    run = prov.run  # the defaults on a CPU-only machine: --device auto, --dtype auto, --batch-size auto
    assert (run.device, run.dtype, run.batch_size) == ("cpu", "float32", "auto")
    hw = run.hardware
    assert hw["requested"] == {"device": "auto", "dtype": "auto", "gpus": 1}
    assert (hw["device_kind"], hw["gpu_count"], hw["gpu_models"], hw["peak_gpu_memory_mb"]) == ("cpu", 0, [], None)
    assert hw["model_dtype"] == "float32" and hw["cpu_count"] >= 1
    assert hw["batch_size"]["requested"] == "auto" and hw["batch_size"]["resolved"]["decode_rows"] == 32
    assert json.loads((out / "progress.json").read_text())["task_index"] == 2


@pytest.mark.parametrize(
    "args, phrases",
    [
        (["--suite", "openllm-v9"], ["Unknown suite 'openllm-v9'", "openllm-v2"]),
        (["--suite", "openllm-v1", "--tasks", "arc,nope"], ["no task 'nope'"]),
        (["--revision", "../../etc"], ["not a valid revision"]),
        (["--revision=-rf"], ["not a valid revision"]),
        (["--limit", "0"], ["--limit must be positive"]),
        (["--backend", "tgi"], ["Unknown backend"]),
        (["--backend", "vllm"], ["vllm backend needs the vllm package"]),
        (["--device", "cuda"], ["--device cuda was asked for, but no CUDA GPU is visible"]),
        (["--gpus", "2"], ["--gpus 2 needs CUDA"]),
        (["--batch-size", "0"], ["--batch-size", "at least 1"]),
        (["--batch-size", "big"], ["--batch-size", "'auto' or a positive integer"]),
    ],
)
def test_bad_flags_give_one_paragraph_errors(demo_models, tmp_path, args, phrases):
    out = tmp_path / "run"
    proc = podium("eval", "--model", "podium-demo/gpt2-tiny", "--output", str(out), *args)
    assert_clean_error(proc, *phrases)
    assert RunError.from_json(json.loads((out / "error.json").read_text())).kind == "usage"


def test_missing_model_folder(tmp_path):
    proc = podium("eval", "--model", str(tmp_path / "no-such-model"), "--output", str(tmp_path / "o"))
    assert_clean_error(proc, "does not exist")
    assert RunError.from_json(json.loads((tmp_path / "o" / "error.json").read_text())).kind == "model_load"


def test_unknown_hub_model_offline(tmp_path):
    proc = podium("eval", "--model", "nobody/nothing", "--output", str(tmp_path / "o"),
                  env_extra={"HF_HUB_OFFLINE": "1"})
    assert_clean_error(proc, "not in the local model mirror")


def test_folder_without_a_model(tmp_path):
    (tmp_path / "empty").mkdir()
    proc = podium("eval", "--model", str(tmp_path / "empty"), "--output", str(tmp_path / "o"))
    assert_clean_error(proc, "Could not load the configuration")


def test_chat_template_refused_without_one(demo_models, tmp_path):
    proc = podium("eval", "--model", "podium-demo/gpt2-tiny", "--chat-template", "--output", str(tmp_path / "o"))
    assert_clean_error(proc, "has no chat template")


def test_missing_data_folder(demo_models, tmp_path):
    proc = podium("eval", "--model", "podium-demo/gpt2-tiny", "--data-dir", str(tmp_path / "nodata"),
                  "--output", str(tmp_path / "o"))
    assert_clean_error(proc, "does not exist", "DATA.md")
    assert RunError.from_json(json.loads((tmp_path / "o" / "error.json").read_text())).kind == "data_missing"


def test_missing_data_file_marks_task_unavailable_and_average_incomplete(demo_models, eval_data_dir, tmp_path):
    data = tmp_path / "data"
    data.mkdir()  # ARC present, GSM8K absent: the missing task is reported, not fatal
    (data / "arc_challenge").symlink_to(eval_data_dir / "arc_challenge")
    out = tmp_path / "run"
    proc = podium("eval", "--model", "podium-demo/gpt2-tiny", "--suite", "openllm-v1", "--tasks", "arc,gsm8k",
                  "--limit", "1", "--data-dir", str(data), "--output", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    record = RunRecord.from_json(json.loads((out / "results.json").read_text())["podium"])
    assert record.tasks["gsm8k"].status == "unavailable"
    assert "gsm8k/train.jsonl" in record.tasks["gsm8k"].error
    assert record.average_complete is False and record.missing_tasks == ["gsm8k"]
    assert "INCOMPLETE" in proc.stdout
