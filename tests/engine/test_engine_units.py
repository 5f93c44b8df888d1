"""Unit tests of the engine's pieces that need no model: trie, plans, prefix cache, stop rule."""

from __future__ import annotations

import random

import pytest
import torch

from podium.engine.kvcache import KVBuffer, PrefixCache, kv_nbytes
from podium.engine.requests import plan_loglikelihood
from podium.engine.trie import Trie, distinct_tokens


def _prefixes(seqs):
    return {tuple(s[:i]) for s in seqs for i in range(1, len(s) + 1)}


def test_trie_counts_distinct_prefixes_and_places_marks():
    rng = random.Random(0)
    seqs = []
    for _ in range(200):
        base = [rng.randrange(4) for _ in range(rng.randrange(1, 12))]
        seqs.append(base)
        seqs.append(base + [rng.randrange(4) for _ in range(rng.randrange(0, 5))])
    seqs.append(list(seqs[3]))  # an exact duplicate
    trie = Trie(seqs)
    assert trie.size == len(_prefixes(seqs)) == distinct_tokens(seqs)
    # every sequence's terminal node ends where the sequence ends, and its path spells it
    for i, s in enumerate(seqs):
        node, parts = trie.terminal[i], []
        assert node.end == len(s)
        while node.seq is not None:
            parts.append(list(node.tokens()))
            node = node.parent
        assert sum(reversed(parts), []) == s
    # marks land on the node covering their position
    for i, s in enumerate(seqs):
        trie.add_marks(i, 0, s, first_slot=1000 * i)
    for node in trie.postorder():
        for m in node.marks:
            assert node.start <= m.pos < node.end


def test_plan_matches_lm_eval_window():
    ctx, cont = list(range(100, 130)), [1, 2, 3]
    plan = plan_loglikelihood(ctx, cont, max_length=16)
    full = ctx + cont
    assert plan.inputs == tuple(full[-17:][:-1])
    assert plan.targets() == (1, 2, 3)
    assert plan.window[plan.first_scored_position + 1 :] == (1, 2, 3)
    with pytest.raises(ValueError):
        plan_loglikelihood(ctx, list(range(17)), max_length=16)


def _kv(n_tokens: int, value: float = 1.0, layers: int = 2):
    return [(torch.full((1, 2, n_tokens, 4), value), torch.full((1, 2, n_tokens, 4), value)) for _ in range(layers)]


def test_prefix_cache_longest_prefix_lru_and_budget():
    per_token = kv_nbytes(_kv(1))
    cache = PrefixCache(budget_bytes=per_token * 10)
    assert cache.insert((1, 2, 3), _kv(3, 1.0))
    assert cache.insert((1, 2, 3, 4, 5), _kv(5, 2.0))
    n, kv = cache.lookup((1, 2, 3, 4, 5, 6))
    assert n == 5 and float(kv[0][0][0, 0, 0, 0]) == 2.0
    n, _ = cache.lookup((1, 2, 3, 4, 5, 6), max_len=4)
    assert n == 3
    assert cache.lookup((9, 9))[0] == 0
    cache.lookup((1, 2, 3))  # (1,2,3,4,5) is now the least recently used entry
    # 8 + 4 tokens exceed the budget of 10: the LRU entry is evicted
    assert cache.insert((7, 7, 7, 7), _kv(4))
    assert cache.lookup((1, 2, 3, 4, 5))[0] == 3
    assert cache.bytes <= cache.budget and cache.stats.evictions == 1
    assert not cache.insert(tuple(range(11)), _kv(11))  # larger than the whole budget
    assert cache.stats.rejected == 1


def test_kvbuffer_appends_in_place_and_crops():
    buf = KVBuffer(num_layers=1, capacity=4)
    k = torch.arange(2 * 3 * 2, dtype=torch.float32).reshape(1, 2, 3, 2)
    buf.layers[0].update(k, k + 100)
    assert buf.length == 3
    buf.crop_to(1)
    k2 = torch.ones(1, 2, 5, 2)  # grows past the capacity
    keys, values = buf.layers[0].update(k2, k2)
    assert buf.length == 6 and keys.shape == (1, 2, 6, 2)
    assert torch.equal(keys[:, :, :1], k[:, :, :1]) and torch.equal(keys[:, :, 1:], k2)
    snap = buf.snapshot(0, 2)
    buf.crop_to(0)
    assert snap[0][0].shape == (1, 2, 2, 2)


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    from podium import paths
    from workshop.corpus import corpus_lines
    from workshop.toys import train_tokenizer

    return train_tokenizer(corpus_lines(paths.data_dir()), 800, bos_in_encode=False, context=256)


def test_stop_rule_matches_lm_eval_criteria(tokenizer):
    """Row by row, the engine stops at the same step as lm-eval's `MultiTokenEOSCriteria`."""
    from lm_eval.models.utils_hf import stop_sequences_criteria

    from podium.engine.stops import finished_rows, make_stop_rule

    rng = random.Random(1)
    text = "Question: how many apples?\n\nAnswer: she sold 24 clips.\nQuestion: the end"
    base = tokenizer.encode(text)
    stops = ["Question:", "\n\n", "clips", "</s>"]
    for trial in range(30):
        gen = [rng.choice(base) for _ in range(rng.randrange(1, 25))]
        prompt = [5, 6, 7]
        criteria = stop_sequences_criteria(tokenizer, stops, len(prompt), 1)
        rule = make_stop_rule(tokenizer, stops, eos_ids=[], max_new=1000)
        for step in range(1, len(gen) + 1):
            ids = torch.tensor([prompt + gen[:step]])
            theirs = any(bool(c(ids, None)) for c in criteria)
            ours = finished_rows(tokenizer, rule, [gen[:step]])[0]
            assert ours == theirs, (trial, step, tokenizer.decode(gen[:step]))
            if theirs:
                break


@pytest.mark.parametrize("past", [0, 5, 40])
@pytest.mark.parametrize("roots", [1, 3, 12])  # 12 > MAX_SPANS: one call under the pack's whole tree mask
def test_split_attention_equals_one_dense_masked_call(past, roots):
    """Path and own subtrees in separate calls, merged by log-sum-exp, give SDPA's dense tree-mask result."""
    from podium.engine.attention import PackLayout, split_attention

    rng = random.Random(past * 100 + roots)
    own_blocks, starts, q = [], [], 0
    for r in range(roots):
        n = rng.randint(1, 9)
        block = torch.tril(torch.ones(n, n, dtype=torch.bool))
        if r % 2 and n > 3:  # a branching subtree: the last two tokens are siblings
            block[-1, -2] = False
        own_blocks.append(block)
        starts.append(q)
        q += n
    own = torch.block_diag(*own_blocks).bool()
    layout = PackLayout.from_roots(past, own, starts, torch.float32)
    assert len(layout.spans) == (1 if roots > 8 else roots)
    g = torch.Generator().manual_seed(roots)
    query = torch.randn(1, 4, q, 16, generator=g)
    key, value = (torch.randn(1, 2, past + q, 16, generator=g) for _ in range(2))  # grouped: 2 query heads each
    allowed = torch.cat([torch.ones(q, past, dtype=torch.bool), own], 1)
    dense = torch.nn.functional.scaled_dot_product_attention(
        query, key.repeat_interleave(2, 1), value.repeat_interleave(2, 1), attn_mask=allowed, scale=0.3)
    split = split_attention(query, key, value, layout, 0.3)
    assert split.shape == dense.shape
    assert float((split - dense).abs().max()) < 1e-5
