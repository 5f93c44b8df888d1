"""Adapter and delta weights through `podium eval`: base + overlay scores exactly as the merged
(or full) model saved as a plain folder, every per-request log-likelihood within 1e-5; bad
overlays and quantization this machine cannot run are refused with the reason."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from podium.errors import ModelLoadError, UsageError
from podium.eval.details import read_details
from podium.eval.runner import EvalRequest, run_evaluation
from podium.paths import podium_home
from support.models import build_delta, build_lora

TOLERANCE = 1e-5
TASKS = ["arc_challenge", "hellaswag"]


def merged_reference(base: Path, adapter: Path, out: Path) -> Path:
    """What an operator would do by hand: peft's merge, saved as a plain model folder."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    merged = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base), adapter).merge_and_unload()
    merged.save_pretrained(out)
    AutoTokenizer.from_pretrained(base).save_pretrained(out)
    return out


def evaluate(model, out: Path, data: Path, **kwargs) -> dict:
    request = EvalRequest(model=str(model), output=out, suite="openllm-v1", tasks=TASKS, limit=3, data_dir=data,
                          **kwargs)
    return run_evaluation(request)


def loglikelihoods(out: Path) -> dict[tuple[str, int], list[float]]:
    found = {}
    for path in sorted((out / "details").glob("*.parquet")):
        for row in read_details(path):
            found[(path.stem, row["doc_id"])] = row["loglikelihoods"]
    return found


def assert_same_loglikelihoods(a: Path, b: Path) -> float:
    la, lb = loglikelihoods(a), loglikelihoods(b)
    assert la.keys() == lb.keys() and la
    worst = max(abs(x - y) for key in la for x, y in zip(la[key], lb[key], strict=True))
    assert worst <= TOLERANCE, worst
    return worst


def largest_change(a: Path, b: Path) -> float:
    la, lb = loglikelihoods(a), loglikelihoods(b)
    return max(abs(x - y) for key in la for x, y in zip(la[key], lb[key], strict=True))


@pytest.fixture(scope="module")
def base_run(demo_models, eval_data_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("base-run")
    evaluate(demo_models["podium-demo/gpt2-tiny"], out, eval_data_dir)
    return out


def test_base_plus_adapter_scores_as_the_merged_folder(demo_models, eval_data_dir, tmp_path, base_run):
    base = demo_models["podium-demo/gpt2-tiny"]
    adapter = build_lora(base, tmp_path / "lora")
    reference = merged_reference(base, adapter, tmp_path / "merged")
    before = set((podium_home() / "scratch").glob("adapter-*"))  # a killed earlier run may have left one
    payload = evaluate(adapter, tmp_path / "overlay", eval_data_dir, weights="adapter", base_model=str(base))
    evaluate(reference, tmp_path / "reference", eval_data_dir)
    assert_same_loglikelihoods(tmp_path / "overlay", tmp_path / "reference")
    assert largest_change(tmp_path / "overlay", base_run) > 1e-3  # the adapter was applied
    model = payload.provenance.model
    assert model.id == str(adapter) and model.weights["kind"] == "adapter"
    assert model.weights["peft_type"] == "LORA"
    assert model.weights["base"]["content_hash"] and model.weights["base"]["path"] == str(base)
    assert set((podium_home() / "scratch").glob("adapter-*")) == before  # this run's merged copy is gone


def test_base_plus_delta_scores_as_the_full_model(demo_models, eval_data_dir, tmp_path, base_run):
    base, full = demo_models["podium-demo/gpt2-tiny"], demo_models["podium-demo/gpt2-tiny-ft"]
    delta = build_delta(base, full, tmp_path / "delta")
    payload = evaluate(delta, tmp_path / "overlay", eval_data_dir, weights="delta", base_model=str(base))
    evaluate(full, tmp_path / "reference", eval_data_dir)
    assert_same_loglikelihoods(tmp_path / "overlay", tmp_path / "reference")
    assert largest_change(tmp_path / "overlay", base_run) > 1e-3
    assert payload.provenance.model.weights["kind"] == "delta"


def test_adapter_of_another_base_is_refused(demo_models, eval_data_dir, tmp_path):
    adapter = build_lora(demo_models["podium-demo/gpt2-tiny"], tmp_path / "lora")
    with pytest.raises(ModelLoadError, match="trained on .*gpt2-tiny.*not on the declared base .*llama-tiny"):
        evaluate(adapter, tmp_path / "out", eval_data_dir, weights="adapter",
                 base_model=str(demo_models["podium-demo/llama-tiny"]))


def test_adapter_that_does_not_fit_its_base_is_refused(demo_models, eval_data_dir, tmp_path):
    """The adapter names the Llama base, but its modules are GPT-2's."""
    llama = demo_models["podium-demo/llama-tiny"]
    adapter = build_lora(demo_models["podium-demo/gpt2-tiny"], tmp_path / "lora")
    config = json.loads((adapter / "adapter_config.json").read_text())
    (adapter / "adapter_config.json").write_text(json.dumps({**config, "base_model_name_or_path": str(llama)}))
    with pytest.raises(ModelLoadError, match="does not fit the base model"):
        evaluate(adapter, tmp_path / "out", eval_data_dir, weights="adapter", base_model=str(llama))


def test_delta_with_other_shapes_is_refused(demo_models, eval_data_dir, tmp_path):
    llama = demo_models["podium-demo/llama-tiny"]
    delta = tmp_path / "delta"
    delta.mkdir()
    shutil.copy(llama / "model.safetensors", delta)
    with pytest.raises(ModelLoadError, match="delta weights do not match the base model: the base has no tensor"):
        evaluate(delta, tmp_path / "out", eval_data_dir, weights="delta",
                 base_model=str(demo_models["podium-demo/gpt2-tiny"]))


def test_changed_base_is_refused_against_its_pin(demo_models, eval_data_dir, tmp_path):
    adapter = build_lora(demo_models["podium-demo/gpt2-tiny"], tmp_path / "lora")
    with pytest.raises(ModelLoadError, match="not the one pinned"):
        evaluate(adapter, tmp_path / "out", eval_data_dir, weights="adapter",
                 base_model=str(demo_models["podium-demo/gpt2-tiny"]), base_revision="0" * 64)


@pytest.mark.parametrize("kwargs, words", [
    ({"weights": "adapter"}, "--weights adapter needs --base-model"),
    ({"base_model": "x/y"}, "apply only with --weights adapter or delta"),
    ({"quantization": "3bit"}, "Unknown --quantization"),
    ({"weights": "delta", "base_model": "x/y", "quantization": "gptq"}, "cannot be gptq models"),
    ({"quantization": "4bit"}, "4bit weights run on CUDA GPUs only"),
    ({"quantization": "4bit", "backend": "hf"}, "The hf comparison backend cannot quantize at load time"),
    ({"quantization": "8bit", "device": "cpu"}, "8bit weights run on CUDA GPUs only"),
    ({"quantization": "gptq"}, "needs a model whose config has a gptq quantization_config"),
])
def test_unsupported_options_are_refused_before_loading(demo_models, tmp_path, kwargs, words):
    request = EvalRequest(model=str(demo_models["podium-demo/gpt2-tiny"]), output=tmp_path / "out", **kwargs)
    with pytest.raises(UsageError) as info:
        run_evaluation(request)
    assert words in info.value.render()


def test_a_quantized_model_is_never_run_in_full_precision(demo_models, tmp_path):
    model = shutil.copytree(demo_models["podium-demo/gpt2-tiny"], tmp_path / "gptq")
    config = json.loads((model / "config.json").read_text())
    (model / "config.json").write_text(json.dumps({**config, "quantization_config": {"quant_method": "gptq",
                                                                                      "bits": 4}}))
    with pytest.raises(UsageError, match="is gptq-quantized .* evaluate it with --quantization gptq"):
        run_evaluation(EvalRequest(model=str(model), output=tmp_path / "out"))
    (model / "config.json").write_text(json.dumps({**config, "quantization_config": {"quant_method": "fp8"}}))
    with pytest.raises(UsageError, match="is fp8-quantized .*, which Podium does not run"):
        run_evaluation(EvalRequest(model=str(model), output=tmp_path / "out", quantization="8bit"))
