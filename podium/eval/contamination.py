"""Contamination signals: does a model know a task's test questions better than it should?

Two measurements per task, both on a small seeded sample, both a signal and never a verdict:

1. Familiarity (in the spirit of OpenCompass' contamination report): the model's mean
   log-likelihood per UTF-8 byte on test questions against reference questions of the same
   style that a model may legitimately have seen (the task's train, dev or validation split).
   A model that trained on the test questions finds them far more likely than the reference.
2. Reproduction: greedy decoding is given the first half of a test question (by words) and
   must continue it; the item counts as reproduced when the first `REPRODUCE_WORDS` words of
   the second half come out verbatim. Independent models almost never do this.

`flagged` is set by fixed thresholds (`METHOD` names them; BENCHMARKS.md records their false-
positive rate on independent models). Known limits: a reference split of another style than
the test split (MMLU's dev questions are five per subject) moves the gap either way; a model
trained on the reference split shows a negative gap, which says nothing about the test split;
questions that quote famous text can be reproduced without contamination.

Pure: numbers in, a `ContaminationSignal` out. The runner hook is `contamination_check`.
"""

from __future__ import annotations

import math
import random
import re
from statistics import fmean, variance

from podium.record import ContaminationSignal

SEED = 1234
"""Seed of the item samples (the same items for every model, so signals compare across models)."""
TEST_ITEMS = 50
REFERENCE_ITEMS = 50
GAP_MIN = 0.25
"""Nats per byte: the test questions must be at least this much more likely than the reference..."""
GAP_Z_MIN = 4.0
"""...and the gap this many standard errors above 0."""
REPRODUCE_WORDS = 8
"""Words of the second half that greedy decoding must reproduce verbatim for an item to count."""
MIN_HALF_WORDS = 4
"""Questions whose second half is shorter are not checked for reproduction (too easy to guess)."""
REPRODUCTION_RATE_MIN = 0.2
REPRODUCTION_ITEMS_MIN = 2
GEN_TOKENS = 32
"""Tokens greedy decoding may write: enough for `REPRODUCE_WORDS` words in any tokenizer seen so far."""
METHOD = (f"v1: gap >= {GAP_MIN} nats/byte and z >= {GAP_Z_MIN}, or >= {REPRODUCTION_RATE_MIN:.0%} of "
          f">= {REPRODUCTION_ITEMS_MIN} items reproduce {REPRODUCE_WORDS} words")

MEANING = ("A contamination signal compares how familiar the model finds this task's test questions with questions "
           "of the same style it may legitimately have seen, and how often greedy decoding completes a test "
           "question word for word from its first half. A flag means the model may have trained on the test set; "
           "it is a reason to look closer, not a finding.")

_WORD = re.compile(r"\S+")


def sample(count: int, k: int, seed: int = SEED) -> list[int]:
    """Up to `k` of `count` item indices, seeded, in order."""
    return sorted(random.Random(seed).sample(range(count), min(k, count)))


def per_byte(loglik: float, text: str) -> float:
    """Log-likelihood per UTF-8 byte: comparable across tokenizers and question lengths."""
    return loglik / max(1, len(text.encode("utf-8")))


def halves(text: str) -> tuple[str, list[str]] | None:
    """The first half of `text` by words (its own spacing kept) and the words of the second half;
    None when the second half is too short to check."""
    words = list(_WORD.finditer(text))
    cut = len(words) // 2
    rest = [w.group() for w in words[cut:]]
    if cut == 0 or len(rest) < MIN_HALF_WORDS:
        return None
    return text[: words[cut - 1].end()], rest


def reproduces(generation: str, rest: list[str]) -> bool:
    """Whether the generation starts with the first `REPRODUCE_WORDS` words of the second half."""
    want = rest[:REPRODUCE_WORDS]
    return generation.split()[: len(want)] == want


def _welch_z(test: list[float], ref: list[float]) -> float | None:
    if len(test) < 2 or len(ref) < 2:
        return None
    se = math.sqrt(variance(test) / len(test) + variance(ref) / len(ref))
    gap = fmean(test) - fmean(ref)
    return math.copysign(math.inf, gap) if se == 0 else gap / se


def score(test: list[float], reference: list[float], reference_split: str | None,
          matches: list[bool]) -> ContaminationSignal:
    """The signal from per-item log-likelihoods per byte (test, reference) and reproduction outcomes."""
    test_ll = fmean(test) if test else None
    ref_ll = fmean(reference) if reference else None
    gap = test_ll - ref_ll if test_ll is not None and ref_ll is not None else None
    z = _welch_z(test, reference)
    familiar = gap is not None and z is not None and gap >= GAP_MIN and z >= GAP_Z_MIN
    reproduced = sum(matches)
    copied = len(matches) >= REPRODUCTION_ITEMS_MIN and reproduced / len(matches) >= REPRODUCTION_RATE_MIN
    return ContaminationSignal(
        test_items=len(test), reference_items=len(reference), reference_split=reference_split,
        test_loglik=_round(test_ll), reference_loglik=_round(ref_ll), gap=_round(gap),
        gap_z=None if z is None or math.isinf(z) else round(z, 2), reproduced=reproduced,
        reproduction_items=len(matches), flagged=familiar or copied, method=METHOD,
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def summary(signal: ContaminationSignal) -> str:
    """One line for a score's row: the flag, the gap and the reproduction rate."""
    parts = ["flagged" if signal.flagged else "not flagged"]
    if signal.gap is not None:
        parts.append(f"familiarity gap {signal.gap:+.3f} nats/byte vs {signal.reference_split}")
    if signal.reproduction_items:
        parts.append(f"{signal.reproduced}/{signal.reproduction_items} questions reproduced")
    return ", ".join(parts)
