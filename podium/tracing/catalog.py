"""The tracing tests by name and the run's default sizes.

Light on purpose (no torch, no scipy): `podium`'s argument parser lists them for every
command, and importing the tracing machinery there would cost every `podium eval` about a
second. `procedures` implements the tests named here; `api` runs them.
"""

from __future__ import annotations

TESTS = {
    "glu-gate-up": "robust (GLU): Spearman between MATCH(gate_proj activations) and MATCH(up_proj activations)",
    "gpt2-fc-proj": "robust (GPT-2): Spearman between MATCH(c_fc activations) and MATCH(c_proj rows), residual "
    "basis aligned by MATCH(embedding dimensions)",
    "weights-identity": "exact (unpermuted): MATCH(up_proj rows / c_fc columns) against the identity",
    "activations-identity": "exact (unpermuted): MATCH(up_proj / c_fc activations) against the identity",
}
ROBUST = {"glu": "glu-gate-up", "gpt2": "gpt2-fc-proj"}
"""The robust test of each architecture family (what `--test auto` runs)."""

DEFAULT_TOKENS = 4096
DEFAULT_SEQ_LEN = 512
