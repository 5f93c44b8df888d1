"""Model tracing on tiny trained GPT-2 and Llama models (a reduced version of
benchmarks/tracing_validation.py): derived pairs are detected, independent pairs are not,
tokenizers must match, different widths and depths work, CLI and provenance API."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

from podium import paths
from podium.paths import REPO_ROOT
from podium.tracing import leaderboard_record, provenance_check, run_trace
from podium.tracing.errors import TokenizerMismatchError
from workshop.derive import add_block, drop_mlp_units
from workshop.toys import ToySpec, train_tokenizer
from workshop.trained import TrainedModels

TOKENS = 1536


def small(arch: str, seed: int = 1) -> ToySpec:
    return ToySpec(arch=arch, width=32, layers=2, heads=2, kv_heads=2, mlp=96, context=32, dropout=0.0, steps=250,
                   batch=8, lr=1e-2, seed=seed)


@pytest.fixture(scope="module")
def ws():
    root = os.environ.get("PODIUM_TRACE_CACHE") or str(REPO_ROOT / "podium-data" / "tracing-cache")
    torch.set_num_threads(1)
    return TrainedModels(Path(root) / "tests", vocab_size=1024)


def trace(ws, m1, m2, **kw):
    kw.setdefault("n_tokens", TOKENS)
    return run_trace((m1, ws.tokenizer, "base"), (m2, ws.tokenizer, "model"), **kw)


@pytest.mark.parametrize("arch", ["gpt2", "llama"])
def test_tiny_models_learn(ws, arch):
    _, info = ws.pretrained(small(arch))
    assert info["heldout_loss"] < info["heldout_loss_init"] - 1.0


@pytest.mark.parametrize(
    "arch,how",
    [("gpt2", "permute"), ("llama", "permute"), ("llama", "rotate")],
)
def test_function_preserving_transforms_keep_outputs(ws, arch, how):
    _, info = ws.derived(small(arch), how)
    assert info["max_logit_diff"] < 1e-4


@pytest.mark.parametrize(
    "arch,how,kw",
    [
        ("gpt2", "permute", {}),
        ("gpt2", "noise", {"scale": 0.3}),
        ("gpt2", "finetune", {"steps": 60}),
        # GPT-2's input view reads activations, which move when an upstream block changes: in these
        # 32-wide models a retrained block 0 leaves block 1 unrecognisable (rho 0.17); the validation's
        # 64-wide models keep rho 1.0 there (BENCHMARKS.md). Here the last block is retrained.
        ("gpt2", "retrain-layer", {"layer": 1, "steps": 60}),
        ("llama", "permute", {}),
        ("llama", "rotate", {}),
        ("llama", "noise", {"scale": 0.3}),
        ("llama", "finetune", {"steps": 60}),
        ("llama", "retrain-layer", {"layer": 0, "steps": 60}),
    ],
)
def test_derived_pairs_are_detected(ws, arch, how, kw):
    if (arch, how) == ("llama", "retrain-layer") and paths.data_dir() is None:
        pytest.skip("needs the real benchmark data folder (PODIUM_DATA_DIR or ../shared/data): trained on the "
                    "built-in 34-word corpus, the tiny Llama's retrained first block shares too few features with "
                    "the base for the robust test (rho 0.10-0.16)")
    base, _ = ws.pretrained(small(arch))
    derived, _ = ws.derived(small(arch), how, **kw)
    res = trace(ws, base, derived)
    assert res.test == ("gpt2-fc-proj" if arch == "gpt2" else "glu-gate-up")
    assert res.log10_p < -10, res.to_dict()["per_layer"]


@pytest.mark.parametrize("arch", ["gpt2", "llama"])
def test_identity_tests_are_exact_but_lose_power_on_permutation(ws, arch):
    base, _ = ws.pretrained(small(arch))
    tuned, _ = ws.derived(small(arch), "finetune", steps=60)
    perm, _ = ws.derived(small(arch), "permute")
    for test in ("weights-identity", "activations-identity"):
        assert trace(ws, base, tuned, test=test).log10_p < -10
        assert trace(ws, base, perm, test=test).log10_p > -4


@pytest.mark.parametrize("arch", ["gpt2", "llama"])
def test_independent_models_are_not_flagged(ws, arch):
    base, _ = ws.pretrained(small(arch))
    for seed in (2, 3):
        other, _ = ws.pretrained(small(arch, seed))
        res = trace(ws, base, other)
        assert res.log10_p > -4, res.to_dict()["per_layer"]


@pytest.mark.parametrize("arch", ["gpt2", "llama"])
def test_different_widths_and_depths(ws, arch):
    base, _ = ws.pretrained(small(arch))
    narrow = drop_mlp_units(base, 16, seed=5)
    res = trace(ws, base, narrow)
    assert all(block.n == 80 for block in res.per_layer) and res.log10_p < -10
    deeper = add_block(base, seed=5)
    res = trace(ws, base, deeper)
    assert [block.model_layer for block in res.per_layer] == [0, 1]
    assert all(block.candidates == 3 for block in res.per_layer) and res.log10_p < -10
    other, _ = ws.pretrained(small(arch, 2))
    assert trace(ws, base, add_block(other, seed=6)).log10_p > -4


def _other_tokenizer():
    """A byte-level BPE trained on other text: it splits the tracing text differently."""
    end = "<|endoftext|>"
    return train_tokenizer([f"zebra quartz {i} vexing jumbo wolves" for i in range(500)], 300, specials=(end,),
                           roles={"bos": end, "eos": end})


def test_tokenizer_mismatch_is_refused(ws, tmp_path, eval_data_dir):
    base, _ = ws.pretrained(small("gpt2"))
    other_tok = _other_tokenizer()
    with pytest.raises(TokenizerMismatchError) as err:
        run_trace((base, ws.tokenizer, "base"), (base, other_tok, "other"), n_tokens=256)
    assert "same token ids" in err.value.render()
    res = provenance_check((base, other_tok, "other"), (base, ws.tokenizer, "base"), n_tokens=256)
    assert res.provenance["status"] == "review" and res.error["kind"] == "tokenizer_mismatch"
    rec = leaderboard_record((base, other_tok, "other"), (base, ws.tokenizer, "base"), n_tokens=256,
                             data_dir=eval_data_dir)
    assert rec["log10_p"] is None and rec["error"]["kind"] == "tokenizer_mismatch" and rec["perplexity"] > 1


def test_provenance_check_and_record(ws, eval_data_dir):
    spec = small("llama")
    ws.pretrained(spec)
    ws.derived(spec, "finetune", steps=60)
    ws.pretrained(small("llama", 2))
    base = str(ws.path(spec.key()))
    ok = provenance_check(str(ws.path(ws.derived_name(spec, "finetune", steps=60))), base, n_tokens=TOKENS,
                          perplexity=True, data_dir=eval_data_dir)
    assert ok.provenance["status"] == "ok" and ok.provenance["consistent"]
    rec = ok.to_dict()
    for key in ("perplexity", "bits_per_byte", "log10_p", "p_value", "test", "per_layer", "base", "runtime_s",
                "peak_rss_mb", "versions"):
        assert key in rec
    assert rec["perplexity"] > 1 and rec["bits_per_byte"] > 0
    assert rec["p_value"] == pytest.approx(10 ** rec["log10_p"], rel=1e-3) or rec["log10_p"] < -300
    json.dumps(rec)
    bad = provenance_check(str(ws.path(small("llama", 2).key())), base, n_tokens=TOKENS)
    assert bad.provenance["status"] == "review" and not bad.provenance["consistent"]


def test_cli_trace(ws, tmp_path, capsys, eval_data_dir):
    from podium.cli.main import main

    spec = small("gpt2")
    ws.derived(spec, "permute")
    out = tmp_path / "trace.json"
    rc = main(["trace", "--base", str(ws.path(spec.key())), "--model", str(ws.path(ws.derived_name(spec, "permute"))),
               "--perplexity", "--tokens", "512", "--json", str(out), "--data-dir", str(eval_data_dir)])
    text = capsys.readouterr().out
    assert rc == 0
    assert "gpt2-fc-proj" in text and "combined (Fisher, 4 df):" in text and "perplexity of model" in text
    rec = json.loads(out.read_text())
    assert rec["log10_p"] < -10 and rec["perplexity_detail"]["tokens_scored"] > 50
    rc = main(["trace", "--model", str(ws.path(spec.key())), "--perplexity", "--data-dir", str(eval_data_dir)])
    text = capsys.readouterr().out
    assert rc == 0 and "bits/byte" in text and "protocol:" in text
    rc = main(["trace", "--base", str(tmp_path / "missing"), "--model", str(tmp_path / "missing")])
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err and "does not exist" in err
