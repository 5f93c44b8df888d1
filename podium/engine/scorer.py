"""Log-likelihood scoring that forwards every distinct token prefix once.

All requests' model inputs go into one radix trie (`podium.engine.trie`). The trie is
walked depth first with a single croppable KV buffer holding the current path:

  * a node whose subtree is larger than `pack_tokens` is forwarded on its own with the
    model's ordinary causal attention (in chunks of `chunk_tokens`, which only matters for
    long contexts), extending the path; its children are then visited and the buffer is
    cropped back, which is free;
  * small subtrees hanging off the current node (typically the choices of one question,
    or whole short documents at the root) are packed into one forward of at most
    `pack_tokens` tokens, each token attending to the path and to its own ancestors
    in the pack only (a tree mask), with its true position id.

A pack attends to the path and to its own subtrees in separate calls (`attention`, on CPU
and wherever the probe verified it), so it costs `q x past` plus each subtree's own square; a
model that cannot split runs it under one dense tree mask, `q x (past + q)` whatever the tree.
A long shared context is still better forwarded causally as its own segment and only its
short branches packed: that is what a moderate `pack_tokens` achieves (measured
single-threaded on GPT-2 small with dense masks, HellaSwag-like trees: 512 beats 1024 by 12%
and is level with 256 elsewhere).

So each prefix is computed once, the context of a question is computed once for all
of its choices, few-shot prefixes shared across documents are computed once, and the
continuations are batched. Only scored positions reach the vocabulary projection and
`log_softmax`, which runs in float32 as do the sums.

Memory is bounded by construction: the only KV held is the current path (at most
`max_length` tokens) plus one pack.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from podium.engine.attention import PackLayout
from podium.engine.forward import ModelRunner
from podium.engine.requests import ScorePlan
from podium.engine.trie import Node, Trie

log = logging.getLogger(__name__)

REFORWARD_PATH, REFORWARD_RATIO = 64, 16
"""A segment 16 times longer than its cached path of at most 64 tokens is forwarded with the path (`_run_segment`)."""
_LOGSOFTMAX_ELEMENTS = 1 << 24
"""Rows of `log_softmax` are processed in chunks of at most this many elements (64 MiB in float32)."""


@dataclass
class ScoreStats:
    requests: int = 0
    scored_tokens: int = 0
    trie_tokens: int = 0
    """Distinct prefix tokens over the requests' inputs: the minimum an exact sharing backend forwards."""
    naive_tokens: int = 0
    """Tokens an unshared backend would forward (sum of input lengths)."""
    forwarded_tokens: int = 0
    reforwarded_tokens: int = 0
    """Path tokens forwarded again with a long segment (`_run_segment`); forwarded = trie + reforwarded."""
    packs: int = 0
    segments: int = 0
    peak_kv_bytes: int = 0


@dataclass
class _Pack:
    nodes: list[Node] = field(default_factory=list)
    tokens: int = 0


class LoglikelihoodScorer:
    def __init__(self, runner: ModelRunner, *, pack_tokens: int, max_length: int, chunk_tokens: int | None = None):
        self.runner = runner
        self.pack_tokens = max(1, int(pack_tokens))
        self.chunk_tokens = max(self.pack_tokens, int(chunk_tokens or max_length))
        self.max_length = max_length
        self.stats = ScoreStats()

    # -- public ------------------------------------------------------------------------------
    def score(self, plans: Sequence[ScorePlan]) -> list[tuple[float, bool]]:
        """(sum of log-probs, all tokens greedy) per plan, in order."""
        if not plans:
            return []
        offsets, n_slots = [], 0
        for p in plans:
            offsets.append(n_slots)
            n_slots += p.n_scored
        self._lp = torch.zeros(n_slots, dtype=torch.float32)
        self._greedy = torch.zeros(n_slots, dtype=torch.bool)
        self._filled = torch.zeros(n_slots, dtype=torch.bool)
        inputs = [p.inputs for p in plans]
        trie = Trie(inputs)
        for i, p in enumerate(plans):
            trie.add_marks(i, p.first_scored_position, p.targets(), offsets[i])
        before = self.runner.stats.tokens
        self.stats.requests += len(plans)
        self.stats.scored_tokens += n_slots
        self.stats.trie_tokens += trie.size
        self.stats.naive_tokens += sum(len(x) for x in inputs)
        mode = self.runner.caps.mode
        if mode == "independent":
            self._run_independent(trie)
        else:
            self._walk(trie, packing=mode == "packed")
        self.stats.forwarded_tokens += self.runner.stats.tokens - before
        if not bool(self._filled.all()):  # pragma: no cover - a bug, never a silent wrong answer
            raise RuntimeError("podium scorer left some continuation tokens unscored")
        out = []
        for i, p in enumerate(plans):
            sl = slice(offsets[i], offsets[i] + p.n_scored)
            out.append((float(self._lp[sl].sum()), bool(self._greedy[sl].all())))
        return out

    # -- trie walk ---------------------------------------------------------------------------
    def _walk(self, trie: Trie, *, packing: bool) -> None:
        budget = self.pack_tokens if packing else 0
        cache = self.runner.new_cache(self.max_length + self.pack_tokens + 1)  # path <= max_length, plus one pack
        work: list[tuple[str, Node]] = [("visit", trie.root)]
        while work:
            op, node = work.pop()
            if op == "segment":
                self._run_segment(node, cache)
            elif op == "crop":
                cache.crop_to(node.end)
            else:  # visit: the cache holds the path up to node.end
                small = [c for c in node.children if c.size <= budget]
                big = [c for c in node.children if c.size > budget]
                for pack in self._bin_pack(small, budget):
                    self._run_pack(pack.nodes, cache)
                for c in reversed(big):
                    work.append(("crop", node))
                    work.append(("visit", c))
                    work.append(("segment", c))
            self.stats.peak_kv_bytes = max(self.stats.peak_kv_bytes, cache.nbytes)

    @staticmethod
    def _bin_pack(nodes: list[Node], budget: int, window: int = 8) -> list[_Pack]:
        """First-fit decreasing over the last `window` open bins (bounded cost for many items)."""
        bins: list[_Pack] = []
        for node in sorted(nodes, key=lambda n: -n.size):
            for b in bins[-window:]:
                if b.tokens + node.size <= budget:
                    b.nodes.append(node)
                    b.tokens += node.size
                    break
            else:
                bins.append(_Pack([node], node.size))
        return bins

    def _run_segment(self, node: Node, cache) -> None:
        """Forward `node`'s own tokens after the cached path (causal, in chunks of `chunk_tokens`).

        A long segment under a short path (typically one BOS token that every input shares) is
        forwarded together with that path from position 0 instead: with no past the model runs plain
        causal attention, which SDPA computes without a mask (half the attention time at 1,500 tokens
        on a CPU), while a past of even one token makes it materialise a mask. The path's few tokens
        are forwarded again (counted), and its keys and values rewritten, as `hf` computes them."""
        assert cache.length == node.start, (cache.length, node.start)
        seq = node.seq
        start = node.start
        if 0 < start <= REFORWARD_PATH and node.end - start >= REFORWARD_RATIO * start:
            cache.crop_to(0)
            self.stats.reforwarded_tokens += start
            start = 0
        for a in range(start, node.end, self.chunk_tokens):
            b = min(node.end, a + self.chunk_tokens)
            ids = torch.tensor(seq[a:b], dtype=torch.long)[None]
            marks = [m for m in node.marks if a <= m.pos < b]
            keep = None
            if marks:
                keep = torch.zeros(1, b - a, dtype=torch.bool)
                for m in marks:
                    keep[0, m.pos - a] = True
            logits = self.runner.forward(
                ids, cache=cache, position_ids=torch.arange(a, b)[None], keep=keep if marks else _last_only(b - a),
                layout=PackLayout.chain(a, b - a) if a else None,
            )
            if marks:
                self._apply(logits, keep[0], [(m, m.pos - a) for m in marks])
        self.stats.segments += 1

    def _run_pack(self, roots: list[Node], cache) -> None:
        """Forward whole subtrees in one row with a tree mask; then crop the cache back."""
        past = cache.length
        tokens: list[int] = []
        positions: list[int] = []
        layout: list[tuple[Node, int, int, tuple[tuple[int, int], ...]]] = []
        stack = [(r, ()) for r in reversed(roots)]
        while stack:
            node, anc = stack.pop()
            a = len(tokens)
            tokens.extend(node.seq[node.start : node.end])
            positions.extend(range(node.start, node.end))
            b = len(tokens)
            layout.append((node, a, b, anc))
            inner = anc + ((a, b),)
            stack.extend((c, inner) for c in reversed(node.children))
        q = len(tokens)
        chain = len(roots) == 1 and all(len(n.children) <= 1 for n, *_ in layout)
        mask, split = None, PackLayout.chain(past, q)
        if not chain:
            own = torch.zeros(q, q, dtype=torch.bool)  # which pack token sees which: itself and its ancestors
            tril = torch.tril(torch.ones(q, q, dtype=torch.bool))
            for _node, a, b, anc in layout:
                own[a:b, a:b] = tril[: b - a, : b - a]
                for a2, b2 in anc:
                    own[a:b, a2:b2] = True
            if self.runner.caps.split_attention:
                root_starts = [a for _node, a, _b, anc in layout if not anc]
                split = PackLayout.from_roots(past, own, root_starts, self.runner.dtype)
            else:
                mask = self.runner.additive_mask(torch.cat([torch.ones(q, past, dtype=torch.bool), own], 1)[None])
        keep = torch.zeros(q, dtype=torch.bool)
        where = []
        for node, a, _b, _anc in layout:
            for m in node.marks:
                idx = a + m.pos - node.start
                keep[idx] = True
                where.append((m, idx))
        logits = self.runner.forward(
            torch.tensor(tokens, dtype=torch.long)[None],
            cache=cache,
            position_ids=torch.tensor(positions, dtype=torch.long)[None],
            attention_mask=mask,
            keep=keep[None] if where else _last_only(q),
            layout=split,
        )
        if where:
            self._apply(logits, keep, where)
        self.stats.packs += 1
        self.stats.peak_kv_bytes = max(self.stats.peak_kv_bytes, cache.nbytes)
        cache.crop_to(past)

    # -- fallback: no reuse at all -------------------------------------------------------------
    def _run_independent(self, trie: Trie) -> None:
        """For models whose cache cannot be reused: forward every distinct input on its own.

        A mark on a shared node is recomputed by every input through it; the values are
        the same (they depend only on the prefix), so overwriting is harmless."""
        for terminal in {id(n): n for n in trie.terminal}.values():
            marks = []
            node = terminal
            while node is not None and node.seq is not None:
                marks += [(m, m.pos) for m in node.marks]
                node = node.parent
            if not marks:
                continue
            keep = torch.zeros(terminal.end, dtype=torch.bool)
            for _m, pos in marks:
                keep[pos] = True
            ids = torch.tensor(terminal.seq[: terminal.end], dtype=torch.long)[None]
            self._apply(self.runner.forward(ids, keep=keep[None]), keep, marks)

    # -- scoring -------------------------------------------------------------------------------
    def _apply(self, logits: torch.Tensor, keep: torch.Tensor, where) -> None:
        """`logits` holds one row per True entry of `keep`, in order; score each mark against it."""
        row_of = torch.cumsum(keep.to(torch.long), 0) - 1
        rows = row_of[torch.tensor([idx for _m, idx in where], dtype=torch.long)]
        targets = torch.tensor([m.target for m, _ in where], dtype=torch.long)
        slots = torch.tensor([m.slot for m, _ in where], dtype=torch.long)
        lp = torch.empty(len(where), dtype=torch.float32)
        greedy = torch.empty(len(where), dtype=torch.bool)
        chunk = max(1, _LOGSOFTMAX_ELEMENTS // logits.shape[-1])
        for s in range(0, logits.shape[0], chunk):
            e = min(logits.shape[0], s + chunk)
            sel = ((rows >= s) & (rows < e)).nonzero().squeeze(1)
            if not len(sel):
                continue
            logp = torch.log_softmax(logits[s:e].float(), dim=-1)
            r = (rows[sel] - s).to(logp.device)
            t = targets[sel].to(logp.device)
            lp[sel] = logp[r, t].cpu()
            greedy[sel] = (logp.argmax(dim=-1)[r] == t).cpu()
        self._lp[slots] = lp
        self._greedy[slots] = greedy
        self._filled[slots] = True


def _last_only(q: int) -> torch.Tensor:
    """Nothing to score: ask for the last position only so the vocabulary projection is skipped."""
    keep = torch.zeros(1, q, dtype=torch.bool)
    keep[0, -1] = True
    return keep

