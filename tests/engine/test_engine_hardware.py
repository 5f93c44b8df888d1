"""Devices, dtypes and batch sizes by default; placement of a model over several GPUs, planned on CPU.

The GPU facts (visible GPUs, bfloat16 support, free memory) are passed in, so every rule is
checked here without a GPU; the split itself is checked on the CPU through accelerate's own
hooks, which is the path a split model's forwards take.
"""

from __future__ import annotations

import pytest
import torch
import transformers

from podium.engine import devices, placement, sizing
from podium.errors import OutOfMemoryError, UsageError


# -- device and dtype defaults ---------------------------------------------------------------
def test_device_auto_is_cpu_without_gpus_and_cuda_with_them():
    cpu = devices.resolve("auto", "auto", visible_gpus=0)
    assert (cpu.device, cpu.gpus, cpu.on_cuda) == ("cpu", 0, False)
    gpu = devices.resolve("auto", "auto", visible_gpus=2, bf16=True)
    assert (gpu.device, gpu.gpus, gpu.on_cuda) == ("cuda", 1, True)
    assert gpu.requested == {"device": "auto", "dtype": "auto", "gpus": 1}


def test_dtype_auto_is_float32_on_cpu_and_the_checkpoint_half_dtype_on_gpu():
    assert devices.resolve("auto", "auto", checkpoint=lambda: "bfloat16", visible_gpus=0).dtype == "float32"
    assert devices.resolve("auto", "auto", checkpoint=lambda: "bfloat16", visible_gpus=1, bf16=True).dtype == "bfloat16"
    assert devices.resolve("cuda", "auto", checkpoint=lambda: "float16", visible_gpus=1, bf16=True).dtype == "float16"
    assert devices.resolve("cuda", "auto", checkpoint=lambda: None, visible_gpus=1, bf16=True).dtype == "float32"


def test_explicit_dtype_is_honoured_or_refused_never_substituted():
    assert devices.resolve("cpu", "bfloat16", visible_gpus=0).dtype == "bfloat16"  # asked for: honoured on CPU
    assert devices.resolve("cuda", "float32", checkpoint=lambda: "bfloat16", visible_gpus=1,
                           bf16=True).dtype == "float32"
    with pytest.raises(UsageError, match="does not support bfloat16; no other dtype is substituted"):
        devices.resolve("cuda", "bfloat16", visible_gpus=1, bf16=False)
    with pytest.raises(UsageError, match="chosen \\(the checkpoint dtype\\)"):
        devices.resolve("auto", "auto", checkpoint=lambda: "bfloat16", visible_gpus=1, bf16=False)
    with pytest.raises(UsageError, match="Unknown dtype 'int8'"):
        devices.resolve("cpu", "int8", visible_gpus=0)


def test_gpu_requests_are_refused_with_the_reason():
    with pytest.raises(UsageError, match="no CUDA GPU is visible"):
        devices.resolve("cuda", "auto", visible_gpus=0)
    with pytest.raises(UsageError, match="--gpus 2 needs CUDA"):
        devices.resolve("auto", "auto", 2, visible_gpus=0)
    with pytest.raises(UsageError, match="asks for 4 GPU\\(s\\) from cuda:0, but only 2"):
        devices.resolve("cuda", "float16", 4, visible_gpus=2, bf16=True)
    with pytest.raises(UsageError, match="starts at cuda:0"):
        devices.resolve("cuda:1", "float16", 2, visible_gpus=4, bf16=True)
    with pytest.raises(UsageError, match="Unknown device 'tpu'"):
        devices.resolve("tpu", "auto", visible_gpus=0)
    split = devices.resolve("cuda", "bfloat16", 4, visible_gpus=8, bf16=True)
    assert (split.device, split.gpus) == ("cuda", 4)


# -- batch size auto -------------------------------------------------------------------------
def test_batch_auto_means_32_rows_on_cpu_and_max_batch_on_gpu():
    roomy = dict(free_bytes=64 * 2**30, vocab=32000, hidden=4096)
    cpu = sizing.plan_batch("auto", on_cuda=False, **roomy)
    assert (cpu.requested, cpu.decode_rows, cpu.pack_tokens, cpu.chunk_tokens) == ("auto", 32, 512, 2048)
    gpu = sizing.plan_batch(None, on_cuda=True, max_batch_size=48, **roomy)
    assert (gpu.requested, gpu.decode_rows, gpu.pack_tokens, gpu.chunk_tokens) == ("auto", 48, 2048, 8192)
    assert sizing.plan_batch(4, on_cuda=True, **roomy).decode_rows == 4
    assert sizing.plan_batch("1", on_cuda=False, **roomy).decode_rows == 1


def test_pack_tokens_shrink_to_free_memory_and_explicit_sizes_win():
    tight = sizing.plan_batch("auto", on_cuda=True, free_bytes=16 * 2**30, vocab=128000, hidden=4096)
    # 128000 x 8 + 4096 x 64 bytes = 1.2 MiB per token: 1,669 tokens fit in an eighth of 16 GiB
    assert tight.pack_tokens == 1024
    assert sizing.plan_batch("auto", on_cuda=True, free_bytes=1, vocab=128000,
                             hidden=4096).pack_tokens == sizing.PACK_FLOOR
    fixed = sizing.plan_batch("auto", on_cuda=True, free_bytes=1, vocab=10, hidden=10, pack_tokens=300,
                              chunk_tokens=900)
    assert (fixed.pack_tokens, fixed.chunk_tokens) == (300, 900)


def test_batch_size_values_are_checked():
    for bad, message in (("0", "at least 1"), (-3, "at least 1"), ("auto:4", "'auto' or a positive integer"),
                         ("big", "'auto' or a positive integer")):
        with pytest.raises(ValueError, match=message):
            sizing.parse_batch_size(bad)


def test_kv_budget_follows_the_tightest_gpu_share_of_layers():
    cpu = [torch.device("cpu")] * 4
    assert sizing.kv_budget(cpu, {"cpu": 8 * 2**30}) == 2 * 2**30
    assert sizing.kv_budget(cpu, {"cpu": 64 * 2**30}) == 8 * 2**30  # capped
    split = [torch.device("cuda:0")] * 2 + [torch.device("cuda:1")] * 6
    # cuda:1 holds 6 of 8 layers with 12 GiB free: half of it spread over 6/8 of the cache -> 8 GiB in all
    assert sizing.kv_budget(split, {"cuda:0": 40 * 2**30, "cuda:1": 12 * 2**30}) == 8 * 2**30


# -- placement over several GPUs -------------------------------------------------------------
def _llama_config(layers=8):
    return transformers.LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=layers,
                                    num_attention_heads=4, num_key_value_heads=2, vocab_size=512,
                                    tie_word_embeddings=False)


def _layer_device(plan, i):
    return next(dev for name, dev in plan.items() if name == f"model.layers.{i}" or name == "model.layers"
                or name == "model")


def test_plan_spreads_layers_in_order_over_the_gpus():
    config = _llama_config()
    size = placement.meta_model(config, "bfloat16").num_parameters() * 2
    plan = placement.plan_device_map(config, "bfloat16", 3, {i: size for i in range(3)})
    assert set(plan.values()) == {0, 1, 2}, plan  # every module on a GPU, all three used
    assert plan["model.embed_tokens"] == 0 and plan["lm_head"] == 2
    layer_devices = [_layer_device(plan, i) for i in range(8)]
    assert layer_devices == sorted(layer_devices)  # a pipeline: layer i never after layer i + 1


def test_plan_for_a_tied_model_and_the_hf_argument_shape():
    gpt2 = transformers.GPT2Config(n_layer=6, n_embd=64, n_head=2, vocab_size=512, n_positions=128)
    size = placement.meta_model(gpt2, "float32").num_parameters() * 4
    plan = placement.plan_device_map(gpt2, "float32", 2, {0: size, 1: size})
    assert set(plan.values()) <= {0, 1} and plan["transformer.wte"] == plan["lm_head"]


def test_a_model_too_large_for_its_gpus_is_refused_not_offloaded():
    with pytest.raises(OutOfMemoryError, match="does not fit in 2 GPU\\(s\\).*Podium does not do"):
        placement.plan_device_map(_llama_config(), "float32", 2, {0: "40KB", 1: "40KB"})
    with pytest.raises(ValueError, match="GPUs 0..1"):
        placement.plan_device_map(_llama_config(), "float32", 2, {0: 10**9})


def test_one_device_needs_no_plan():
    run = devices.resolve("cpu", "auto", visible_gpus=0)
    assert placement.model_args(run, "unused-path") == {}


def test_split_forward_through_accelerate_hooks_keeps_logits_and_fast_paths(demo_models):
    """A model dispatched with accelerate's hooks (as a split model is) gives the same logits, and the
    engine's selected-logits path survives the top-level hook (`keep_selection_on_host`)."""
    from accelerate import dispatch_model

    from podium.engine.forward import ModelRunner

    path = demo_models["podium-demo/gpt2-tiny"]
    plain = transformers.AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
    hooked = transformers.AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
    dispatch_model(hooked, device_map={f"transformer.{n}": "cpu" for n, _ in hooked.transformer.named_children()}
                   | {"lm_head": "cpu"}, force_hooks=True, skip_keys=hooked._skip_keys_device_placement)
    assert hasattr(hooked, "_hf_hook")
    placement.keep_selection_on_host(hooked)
    assert "logits_to_keep" in hooked._hf_hook.skip_keys
    runner = ModelRunner(hooked, keep_on_host=True)
    caps = runner.probe()
    assert caps.mode == "packed" and caps.keep_tensor, caps.notes
    assert runner.layer_devices == [torch.device("cpu")] * runner.num_layers
    ids = torch.randint(0, plain.config.vocab_size, (1, 12), generator=torch.Generator().manual_seed(0))
    keep = torch.zeros(1, 12, dtype=torch.bool)
    keep[0, [3, 7, 11]] = True
    with torch.inference_mode():
        expected = plain(ids).logits[keep]
    assert torch.allclose(runner.forward(ids, keep=keep), expected, atol=1e-5)


def test_podium_backend_refuses_what_it_cannot_honour(demo_models):
    from podium.engine.backend import PodiumLM

    path = str(demo_models["podium-demo/gpt2-tiny"])
    with pytest.raises(ValueError, match="parallelize=True splits the model over CUDA GPUs"):
        PodiumLM(pretrained=path, device="cpu", parallelize=True)
    with pytest.raises(ValueError, match="max_cpu_memory .* is refused"):
        PodiumLM(pretrained=path, device="cpu", max_cpu_memory="10GB")
    with pytest.raises(ValueError, match="device_map is only used with parallelize=True"):
        PodiumLM(pretrained=path, device="cpu", device_map={"": "cpu"})
    with pytest.raises(ValueError, match="'auto' or a positive integer"):
        PodiumLM(pretrained=path, device="cpu", batch_size="auto:2")


def test_podium_backend_defaults_on_cpu(demo_models):
    from podium.engine import hardware
    from podium.engine.backend import PodiumLM

    lm = PodiumLM(pretrained=str(demo_models["podium-demo/gpt2-tiny"]))
    assert lm.device == torch.device("cpu") and lm.batch_size == "auto"
    assert lm.describe_batch()["decode_rows"] == 32 and lm.generator.max_rows == 32
    block = hardware.describe(lm, devices.resolve("auto", "auto", visible_gpus=0), "auto")
    assert block["batch_size"]["resolved"] == lm.describe_batch()
    assert block["model_dtype"] == "float32" and block["placement"] is None


def test_hf_keeps_lm_evals_auto_and_the_result_records_what_it_detected(demo_models):
    from lm_eval.api.instance import Instance
    from lm_eval.models.huggingface import HFLM

    from podium.engine import hardware

    lm = HFLM(pretrained=str(demo_models["podium-demo/gpt2-tiny"]), device="cpu", dtype="float32",
              batch_size="auto", max_batch_size=4)
    hardware.observe(lm)
    assert lm.batch_size == "auto"
    lm.loglikelihood([Instance("loglikelihood", {}, ("Question: 2 + 2 =", c), i) for i, c in enumerate([" 4", " 5"])])
    run = devices.resolve("cpu", "float32", visible_gpus=0)
    assert hardware.describe(lm, run, "auto")["batch_size"] == {"requested": "auto", "resolved": {"detected": [4]}}
