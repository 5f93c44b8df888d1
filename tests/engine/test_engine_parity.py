"""Per-request parity of the `podium` backend with lm-eval's own `hf` backend.

Tiny random GPT-2 (no BOS added by its tokenizer) and Llama (its tokenizer prepends BOS)
models are built once per session. Synthetic requests cover shared contexts, the empty
context (prefix token), trailing-whitespace moves, left truncation at the model's
max length, many requests per call (packing and batching), rolling log-likelihoods,
generation with several stop sequences and `max_gen_toks`, bfloat16 and float16, the engine's
fallback modes, and a prefix cache too small for what it is offered.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from lm_eval.api.instance import Instance

from podium import paths
from workshop.toys import ToySpec, build_toy_model

CONTEXT = 256
TOL = 1e-4
CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

BASE = "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May."
CONTEXTS = [
    f"Question: {BASE}\nAnswer:",
    f"Question: {BASE}\nAnswer: ",  # trailing space moves into the continuation
    f"Question: {BASE}  ",  # two trailing spaces
    "Answer:",
    ("Question: " + BASE + " How many clips did she sell? ") * 12,  # longer than max length: left truncation
    "",  # empty context: the prefix token
]
CONTINUATIONS = [" 72", "72 clips", " She sold 24 clips in May", "\n#### 72", " half", " clips"]


def _ll_requests():
    pairs = [(c, k) for c in CONTEXTS for k in CONTINUATIONS]
    reqs = [Instance("loglikelihood", {}, pair, i) for i, pair in enumerate(pairs)]
    reqs.append(Instance("loglikelihood", {}, (CONTEXTS[0], " 72"), len(reqs)))  # an exact duplicate
    return reqs


@pytest.fixture(scope="session")
def toy_models(tmp_path_factory):
    root = tmp_path_factory.mktemp("engine-models")
    data = paths.data_dir()
    shape = dict(vocab=1024, context=CONTEXT, init_std=0.2, corpus_limit=1500)
    return {
        "gpt2": build_toy_model(ToySpec("gpt2", seed=1, **shape), root / "gpt2", data),
        "llama": build_toy_model(ToySpec("llama", seed=2, **shape), root / "llama", data),
        "llama-chat": build_toy_model(ToySpec("llama", seed=3, chat_template=CHATML, **shape), root / "chat", data),
    }


_LOADED: dict = {}


def load(kind: str, path, **kw):
    """HFLM or PodiumLM on `path`, memoised per arguments (loading is the slow part of these tests)."""
    key = (kind, str(path), tuple(sorted(kw.items())))
    if key not in _LOADED:
        if kind == "hf":
            from lm_eval.models.huggingface import HFLM

            _LOADED[key] = HFLM(pretrained=str(path), device="cpu", batch_size=1, **{"dtype": "float32", **kw})
        else:
            from podium.engine.backend import PodiumLM

            _LOADED[key] = PodiumLM(pretrained=str(path), device="cpu", **{"dtype": "float32", **kw})
    return _LOADED[key]


@pytest.fixture(params=["gpt2", "llama"])
def arch(request):
    return request.param


def assert_ll_close(ref, got, tol=TOL):
    assert len(ref) == len(got)
    for i, ((a, ga), (b, gb)) in enumerate(zip(ref, got, strict=True)):
        assert abs(a - b) <= tol, (i, a, b)
        assert ga == gb, (i, a, b)


def test_registered_and_built_like_the_runner_does(toy_models):
    from lm_eval.api.registry import get_model

    import podium.engine  # noqa: F401
    from podium.engine.backend import PodiumLM

    assert get_model("podium") is PodiumLM
    assert get_model("hf").__name__ == "HFLM"  # lm-eval's own backends stay reachable
    lm = get_model("podium").create_from_arg_obj(
        {"pretrained": str(toy_models["gpt2"]), "dtype": "float32", "trust_remote_code": False, "prefix_cache_mb": 8},
        {"batch_size": 4, "device": "cpu"},
    )
    assert lm.runner.caps.mode == "packed" and lm.generator.max_rows == 4
    assert lm.prefix_cache.budget == 8 * 2**20
    with pytest.raises(ValueError, match="trust_remote_code"):
        PodiumLM(pretrained=str(toy_models["gpt2"]), trust_remote_code=True)


def test_loglikelihood_parity(toy_models, arch):
    hf = load("hf", toy_models[arch])
    pm = load("podium", toy_models[arch], pack_tokens=96)  # small packs: several packs and segments
    reqs = _ll_requests()
    stats = pm.scorer.stats
    before = stats.forwarded_tokens, stats.trie_tokens, stats.reforwarded_tokens
    assert pm.runner.caps.split_attention  # packs attend to the path and to themselves in separate calls
    assert_ll_close(hf.loglikelihood(reqs, disable_tqdm=True), pm.loglikelihood(reqs, disable_tqdm=True))
    forwarded, trie, again = (now - was for now, was in zip(
        (stats.forwarded_tokens, stats.trie_tokens, stats.reforwarded_tokens), before))
    assert forwarded == trie + again  # every distinct prefix forwarded once, but a short path under a long segment
    assert again == (1 if arch == "llama" else 0)  # Llama's BOS, under the one long context
    assert pm.scorer.stats.naive_tokens > 1.5 * trie
    assert pm.tok_encode("hello").__len__() >= 1
    if arch == "llama":
        assert pm.tok_encode("hello")[0] == pm.tokenizer.bos_token_id


def test_truncated_windows_still_share(toy_models):
    """Choices of different lengths under left truncation get different windows; equal lengths share."""
    hf = load("hf", toy_models["gpt2"])
    pm = load("podium", toy_models["gpt2"])
    long_ctx = ("Question: " + BASE + " ") * 14
    conts = [" 72", " 73", " seventy two clips", " 24 and 48 clips", " 7"]
    reqs = [Instance("loglikelihood", {}, (long_ctx, c), i) for i, c in enumerate(conts)]
    before = pm.scorer.stats.forwarded_tokens
    assert_ll_close(hf.loglikelihood(reqs, disable_tqdm=True), pm.loglikelihood(reqs, disable_tqdm=True))
    assert pm.scorer.stats.forwarded_tokens - before < sum(CONTEXT for _ in conts)


def test_rolling_parity(toy_models, arch):
    hf = load("hf", toy_models[arch])
    pm = load("podium", toy_models[arch])
    texts = [(BASE + " ") * 15, "short text", BASE]
    reqs = [Instance("loglikelihood_rolling", {}, (t,), i) for i, t in enumerate(texts)]
    a = hf.loglikelihood_rolling(reqs, disable_tqdm=True)
    b = pm.loglikelihood_rolling(reqs, disable_tqdm=True)
    assert all(abs(x - y) <= TOL * 10 for x, y in zip(a, b, strict=True)), (a, b)



def test_tracing_perplexity_matches_both_backends_rolling_loglikelihood(toy_models):
    """The tracing board's perplexity (BOS-prefixed, one window when the passage fits) is
    exp(-rolling log-likelihood / tokens) as lm-eval's hf backend and ours compute it."""
    from podium.tracing.perplexity import load_passage, perplexity

    hf = load("hf", toy_models["gpt2"])
    pm = load("podium", toy_models["gpt2"])
    text = load_passage() if paths.data_dir() else (BASE + " ") * 3
    while len(hf.tok_encode(text)) >= CONTEXT - 1:  # one window: the protocols agree only there
        text = text[: len(text) * 3 // 4]
    ours = perplexity(hf.model, hf.tokenizer, text)
    req = [Instance("loglikelihood_rolling", {}, (text,), 0)]
    for lm in (hf, pm):
        [ll] = lm.loglikelihood_rolling(req, disable_tqdm=True)
        assert abs(-ll - ours.nll_sum) <= TOL * 10, (lm, ll, ours.nll_sum)
    assert ours.perplexity == pytest.approx(math.exp(ours.nll_sum / ours.tokens_scored), rel=1e-9)


GEN_KWARGS = [
    {"until": ["Question:", "\n\n", "ing"], "max_gen_toks": 24, "do_sample": False},
    {"until": "the", "max_gen_toks": 5},
    {"until": ["</s>"], "max_gen_toks": 40, "temperature": 0.0},
]


def _gen_requests():
    prompts = [c for c in CONTEXTS if c] + [("Weng earns $12 an hour for babysitting. " * 30)]
    return [
        Instance("generate_until", {}, (p, dict(kw)), i)
        for i, (p, kw) in enumerate((p, kw) for kw in GEN_KWARGS for p in prompts)
    ]


def test_generate_until_parity(toy_models, arch):
    hf = load("hf", toy_models[arch])
    pm = load("podium", toy_models[arch], batch_size=3)  # several cohorts
    reqs = _gen_requests()
    a = hf.generate_until(reqs, disable_tqdm=True)
    b = pm.generate_until(reqs, disable_tqdm=True)
    assert a == b
    assert pm.hf_generate_requests == 0  # all served by the batched greedy decoder
    assert any(len(x) > 0 for x in b)


def test_non_greedy_kwargs_take_transformers_generate(toy_models):
    hf = load("hf", toy_models["llama"])
    pm = load("podium", toy_models["llama"])
    kwargs = {"until": ["\n"], "max_gen_toks": 12, "repetition_penalty": 1.5}
    reqs = [Instance("generate_until", {}, (CONTEXTS[0], kwargs), 0)]
    before = pm.hf_generate_requests
    assert hf.generate_until(reqs, disable_tqdm=True) == pm.generate_until(reqs, disable_tqdm=True)
    assert pm.hf_generate_requests == before + 1


def test_fallback_modes_are_exact(toy_models):
    """Without tree masks (sequential) and without cache reuse (independent) results do not change."""
    from podium.engine.forward import Capabilities

    hf = load("hf", toy_models["llama"])
    reqs = _ll_requests()
    ref = hf.loglikelihood(reqs, disable_tqdm=True)
    seq = load("podium", toy_models["llama"], packing=False)
    assert seq.runner.caps.mode == "sequential"
    assert_ll_close(ref, seq.loglikelihood(reqs, disable_tqdm=True))
    dense = load("podium", toy_models["llama"], pack_tokens=96)
    saved = dense.runner.caps
    try:  # packs under one dense tree mask, as a model whose attention cannot be split runs them
        dense.runner.caps = dataclasses.replace(saved, split_attention=False)
        assert_ll_close(ref, dense.loglikelihood(reqs, disable_tqdm=True))
    finally:
        dense.runner.caps = saved
    ind = load("podium", toy_models["llama"], pack_tokens=64)
    saved = ind.runner.caps
    try:
        ind.runner.caps = Capabilities(keep_tensor=saved.keep_tensor)
        assert ind.runner.caps.mode == "independent"
        assert_ll_close(ref, ind.loglikelihood(reqs, disable_tqdm=True))
        gen = _gen_requests()[:3]
        assert hf.generate_until(gen, disable_tqdm=True) == ind.generate_until(gen, disable_tqdm=True)
    finally:
        ind.runner.caps = saved


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_half_precision_within_looser_tolerance(toy_models, arch, dtype):
    hf = load("hf", toy_models[arch], dtype=dtype)
    pm = load("podium", toy_models[arch], dtype=dtype)
    assert next(pm.model.parameters()).dtype == getattr(torch, dtype)
    reqs = _ll_requests()
    a = hf.loglikelihood(reqs, disable_tqdm=True)
    b = pm.loglikelihood(reqs, disable_tqdm=True)
    # lm-eval rounds every token's log-prob and the sum to the model's dtype (bfloat16: 8 significant bits);
    # we sum in float32.
    for (x, _), (y, _) in zip(a, b, strict=True):
        assert abs(x - y) <= 0.02 * abs(x) + 0.25, (x, y)
    ref32 = load("hf", toy_models[arch]).loglikelihood(reqs, disable_tqdm=True)
    err_pm = max(abs(x[0] - y[0]) for x, y in zip(ref32, b, strict=True))
    err_hf = max(abs(x[0] - y[0]) for x, y in zip(ref32, a, strict=True))
    assert err_pm <= err_hf + 0.25  # not worse than lm-eval's own half precision against float32


def test_tiny_prefix_cache_evicts_and_stays_exact(toy_models):
    hf = load("hf", toy_models["gpt2"])
    tiny = load("podium", toy_models["gpt2"], prefix_cache_mb=0.06, batch_size=2)
    roomy = load("podium", toy_models["gpt2"], prefix_cache_mb=64, batch_size=2)
    preambles = [f"Question {k}: " + BASE * 2 for k in range(3)]
    prompts = [p + f" Part {j} asks how many clips?" for j in range(3) for p in preambles]
    reqs = [Instance("generate_until", {}, (p, {"until": ["\n\n"], "max_gen_toks": 10}), i)
            for i, p in enumerate(prompts)]
    ref = hf.generate_until(reqs, disable_tqdm=True)
    assert tiny.generate_until(reqs, disable_tqdm=True) == ref
    assert roomy.generate_until(reqs, disable_tqdm=True) == ref
    st_tiny, st_roomy = tiny.prefix_cache.stats, roomy.prefix_cache.stats
    assert st_roomy.hits >= 6 and st_roomy.evictions == 0
    assert st_tiny.evictions + st_tiny.rejected > 0
    assert tiny.prefix_cache.bytes <= tiny.prefix_cache.budget
    assert tiny.engine_stats()["gen_prefill_tokens"] > roomy.engine_stats()["gen_prefill_tokens"]


def test_chat_template_like_hf(toy_models):
    hf = load("hf", toy_models["llama-chat"])
    pm = load("podium", toy_models["llama-chat"])
    history = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "How many clips?"}]
    assert pm.chat_template(True) == hf.chat_template(True)
    assert pm.apply_chat_template(history) == hf.apply_chat_template(history)
    assert pm.tokenizer_name == hf.tokenizer_name
    prompt = pm.apply_chat_template(history)
    reqs = [Instance("loglikelihood", {}, (prompt, c), i) for i, c in enumerate([" 72", " seventy-two"])]
    assert_ll_close(hf.loglikelihood(reqs, disable_tqdm=True), pm.loglikelihood(reqs, disable_tqdm=True))


def test_simple_evaluate_end_to_end(toy_models, eval_data_dir):
    """Whole lm-eval tasks (offline data): identical metrics per document for both backends."""
    from lm_eval import simple_evaluate
    from lm_eval.tasks import TaskManager

    from podium.eval.data import offline_datasets

    out = {}
    tm = TaskManager()  # indexing lm-eval's tasks takes seconds: once for both backends
    for kind in ("hf", "podium"):
        lm = load(kind, toy_models["llama"])
        with offline_datasets(eval_data_dir):
            out[kind] = simple_evaluate(
                model=lm, tasks=["arc_challenge", "gsm8k"], num_fewshot=2, limit=3, log_samples=True,
                gen_kwargs={"max_gen_toks": 24}, bootstrap_iters=0, task_manager=tm,
            )
    for task in ("arc_challenge", "gsm8k"):
        ra, rb = out["hf"]["results"][task], out["podium"]["results"][task]
        for key, va in ra.items():
            if isinstance(va, float) and not key.endswith("_stderr,none") and "stderr" not in key:
                assert va == rb[key] or (math.isnan(va) and math.isnan(rb[key])), (task, key)
        for sa, sb in zip(out["hf"]["samples"][task], out["podium"]["samples"][task], strict=True):
            assert sa["doc_id"] == sb["doc_id"]
            if task == "gsm8k":
                assert sa["resps"] == sb["resps"]
            else:
                for ra_, rb_ in zip(sa["resps"], sb["resps"], strict=True):
                    assert abs(ra_[0][0] - rb_[0][0]) <= TOL and ra_[0][1] == rb_[0][1]
