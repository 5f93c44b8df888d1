"""Batched greedy decoding with a preallocated KV cache.

Rows are sorted by prompt length and decoded in cohorts of up to `max_rows`:

  * prefill: each prompt is forwarded once on its own (a full-length forward, which is
    efficient), reusing the KV of a prefix it shares with other prompts from the
    `PrefixCache` when there is one, and its KV is written into a left-padded batch
    buffer (`KVBuffer`);
  * decode: one forward per step for all rows of the cohort, with a 2D padding mask and
    explicit position ids, the standard `transformers` left-padding path; new keys and
    values are written in place, so no step copies the past;
  * stop: after every token each row is checked with lm-eval's own rule
    (`podium.engine.stops`); finished rows leave the batch: their slots are dropped
    (and the common leading padding with them) once a quarter of the batch is done.

Greedy means argmax of the last logits, which is what `generate(do_sample=False)` does
when the generation config adds no logits processor; the backend only sends plain
greedy requests here and anything else to `transformers.generate`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from podium.engine.forward import ModelRunner
from podium.engine.kvcache import KV, PrefixCache, kv_nbytes
from podium.engine.stops import StopRule, finished_rows
from podium.engine.trie import common_prefix_length

log = logging.getLogger(__name__)


@dataclass
class GenStats:
    rows: int = 0
    cohorts: int = 0
    prompt_tokens: int = 0
    prefill_tokens: int = 0
    """Prompt tokens actually forwarded (the rest came from the prefix cache)."""
    new_tokens: int = 0
    decode_steps: int = 0
    decode_row_steps: int = 0
    """Rows x steps forwarded while decoding (finished rows still in the batch included)."""
    compactions: int = 0
    peak_batch_kv_bytes: int = 0


@dataclass
class _Row:
    index: int
    prompt: list[int]
    rule: StopRule
    generated: list[int] = field(default_factory=list)
    done: bool = False


class GreedyGenerator:
    def __init__(
        self,
        runner: ModelRunner,
        tokenizer,
        *,
        max_rows: int,
        kv_budget_bytes: int,
        prefix_cache: PrefixCache | None,
        min_shared_prefix: int = 16,
    ):
        self.runner = runner
        self.tokenizer = tokenizer
        self.max_rows = max(1, int(max_rows))
        self.kv_budget_bytes = kv_budget_bytes
        self.prefix_cache = prefix_cache
        self.min_shared_prefix = min_shared_prefix
        self.stats = GenStats()

    def generate(self, prompts: Sequence[list[int]], rules: Sequence[StopRule]) -> list[list[int]]:
        """Generated token ids for each prompt (EOS included when produced, as `generate` returns it)."""
        rows = [_Row(i, list(p), r) for i, (p, r) in enumerate(zip(prompts, rules, strict=True))]
        share = self._shared_prefix_lengths([r.prompt for r in rows])
        for r in rows:
            r.share = share[r.index]  # type: ignore[attr-defined]
        order = sorted(rows, key=lambda r: (-len(r.prompt), r.prompt))
        start = 0
        while start < len(order):
            cohort = order[start : start + self.max_rows]
            taken = self._run_cohort(cohort)
            start += taken
        self.stats.rows += len(rows)
        return [r.generated for r in rows]

    # -- prefix sharing between prompts ----------------------------------------------------
    def _shared_prefix_lengths(self, prompts: list[list[int]]) -> list[int]:
        """For each prompt, the longest prefix it shares with any other prompt of this call."""
        order = sorted(range(len(prompts)), key=lambda i: prompts[i])
        share = [0] * len(prompts)
        for a, b in zip(order, order[1:]):
            n = common_prefix_length(prompts[a], prompts[b])
            share[a] = max(share[a], n)
            share[b] = max(share[b], n)
        return share

    # -- prefill -----------------------------------------------------------------------------
    def _prefill(self, row: _Row) -> tuple[KV, int]:
        """Forward the prompt (reusing a cached shared prefix); returns its KV and first token."""
        prompt = row.prompt
        n = len(prompt)
        cache = self.runner.new_cache(n + 1)
        done = 0
        if self.prefix_cache is not None:
            done, kv = self.prefix_cache.lookup(prompt, max_len=n - 1)
            if kv is not None:
                cache.load(kv)
            share = min(row.share, n - 1)  # type: ignore[attr-defined]
            if share >= self.min_shared_prefix and share > done:
                self._forward(prompt, done, share, cache, last=False)
                self.prefix_cache.insert(prompt[:share], cache.snapshot(0, share))
                done = share
        logits = self._forward(prompt, done, n, cache, last=True)
        self.stats.prompt_tokens += n
        first = int(logits[-1].argmax())
        kv = [(layer.keys, layer.values) for layer in cache.layers]
        return kv, first

    def _forward(self, prompt: list[int], a: int, b: int, cache, *, last: bool):
        keep = None
        if last:
            keep = torch.zeros(1, b - a, dtype=torch.bool)
            keep[0, -1] = True
        out = self.runner.forward(
            torch.tensor(prompt[a:b], dtype=torch.long)[None],
            cache=cache,
            position_ids=torch.arange(a, b)[None],
            keep=keep if last else _last(b - a),
        )
        self.stats.prefill_tokens += b - a
        return out

    # -- one cohort ------------------------------------------------------------------------------
    def _run_cohort(self, cohort: list[_Row]) -> int:
        """Decode `cohort` (trimmed to fit the KV budget) to the end; returns how many rows it took."""
        first_kv, first_tok = self._prefill(cohort[0])
        per_token = max(1, kv_nbytes(first_kv) // max(1, len(cohort[0].prompt)))
        width = len(cohort[0].prompt)  # the longest prompt: rows are sorted by length, descending
        cap = width + max(r.rule.max_new for r in cohort) + 1
        fits = max(1, self.kv_budget_bytes // (per_token * cap))
        cohort = cohort[: max(1, min(len(cohort), fits))]
        cap = width + max(r.rule.max_new for r in cohort) + 1
        b = len(cohort)
        batch = self.runner.new_cache(cap)
        batch.allocate(b, first_kv, width)
        batch.place_rows([0], [first_kv], width)
        del first_kv
        firsts = [first_tok]
        for i, row in enumerate(cohort[1:], start=1):
            kv, tok = self._prefill(row)
            batch.place_rows([i], [kv], width)
            firsts.append(tok)
        self.stats.cohorts += 1
        self.stats.peak_batch_kv_bytes = max(self.stats.peak_batch_kv_bytes, batch.nbytes)

        start_col = torch.tensor([width - len(r.prompt) for r in cohort])  # first valid column per slot
        pos = torch.tensor([len(r.prompt) for r in cohort])  # position id of the next token per slot
        slots = list(cohort)  # slot -> row
        last = torch.tensor(firsts)
        for row, tok in zip(cohort, firsts, strict=True):
            row.generated.append(tok)
        self._check(slots)
        while True:
            live = [i for i, r in enumerate(slots) if not r.done]
            if not live:
                break
            if len(live) < len(slots) and (len(slots) - len(live)) * 4 >= len(slots):
                keep = torch.tensor(live)
                first = int(start_col[keep].min())
                batch.select_rows(keep, first_column=first)
                start_col, pos, last = start_col[keep] - first, pos[keep], last[keep]
                slots = [slots[i] for i in live]
                self.stats.compactions += 1
            width = batch.length
            cols = torch.arange(width + 1)
            mask = (cols[None, :] >= start_col[:, None]).to(torch.long)
            logits = self.runner.forward(
                last[:, None], cache=batch, position_ids=pos[:, None], attention_mask=mask.to(self.runner.device),
                keep=torch.ones(len(slots), 1, dtype=torch.bool),
            )
            nxt = logits.argmax(dim=-1).cpu()
            self.stats.decode_steps += 1
            self.stats.decode_row_steps += len(slots)
            self.runner.stats.decode_steps += 1
            pos = pos + 1
            last = nxt
            for r, tok in zip(slots, nxt.tolist(), strict=True):
                if not r.done:
                    r.generated.append(tok)
            self._check(slots)
        for r in cohort:
            self.stats.new_tokens += len(r.generated)
        return len(cohort)

    def _check(self, slots: list[_Row]) -> None:
        live = [r for r in slots if not r.done]
        by_rule: dict[int, list[_Row]] = {}
        for r in live:
            by_rule.setdefault(id(r.rule), []).append(r)
        for group in by_rule.values():
            for r, done in zip(group, finished_rows(self.tokenizer, group[0].rule, [r.generated for r in group])):
                r.done = r.done or done


def _last(q: int) -> torch.Tensor:
    keep = torch.zeros(1, q, dtype=torch.bool)
    keep[0, -1] = True
    return keep
