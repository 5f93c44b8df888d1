"""When a greedy generation stops, decided exactly as lm-eval + `transformers.generate` decide it.

lm-eval's `MultiTokenEOSCriteria` does not search the whole generated text for a stop
sequence: after every new token it decodes only the last `len(encode(stop)) + 2`
generated tokens (special tokens kept) and checks whether the stop string occurs in
that window. `generate` additionally stops a row at any of the generation config's EOS
ids, and after `max_gen_toks` new tokens. The final text is cut at the first stop
string afterwards (`postprocess_generated_text`), so stopping at a different step could
still change the tokens decoded, for example when a stop string is missed by the
window and generation runs on into an EOS. Replicating the window rule makes the
generated token sequences identical, not merely the post-processed strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class StopRule:
    stops: tuple[str, ...]
    windows: tuple[int, ...]
    eos_ids: frozenset[int]
    max_new: int


def make_stop_rule(tokenizer, stops: Sequence[str], eos_ids: Sequence[int], max_new: int) -> StopRule:
    windows = tuple(len(tokenizer.encode(s, add_special_tokens=False)) + 2 for s in stops)
    return StopRule(tuple(stops), windows, frozenset(int(e) for e in eos_ids), int(max_new))


def finished_rows(tokenizer, rule: StopRule, generated: Sequence[Sequence[int]]) -> list[bool]:
    """For each row's generated tokens (just extended by one), whether generation stops now."""
    done = [False] * len(generated)
    windows, owners = [], []
    for i, gen in enumerate(generated):
        if not gen:
            continue
        if len(gen) >= rule.max_new or gen[-1] in rule.eos_ids:
            done[i] = True
            continue
        for j, w in enumerate(rule.windows):
            windows.append(list(gen[-w:]))
            owners.append((i, j))
    if windows:
        texts = tokenizer.batch_decode(windows)
        for (i, j), text in zip(owners, texts, strict=True):
            if not done[i] and rule.stops[j] in text:
                done[i] = True
    return done
