"""When a traced model counts as derived from its base: the one threshold, and the verdict words.

The provenance check, `podium trace` and the tracing board all read it from here. Light on
purpose (no torch), so the web can show verdicts without loading the tracing machinery.
"""

from __future__ import annotations

DERIVED_LOG10_P = -6.0
"""Below this combined log10 p-value a model is taken as derived from the base (a strict
threshold: the robust tests are not exact, see README "Known limits")."""


def is_derived(log10_p: float | None, threshold: float = DERIVED_LOG10_P) -> bool:
    return log10_p is not None and log10_p <= threshold


def verdict(model: str | None, base: str | None, log10_p: float | None) -> str:
    """The tracing board's word for one pair."""
    if not base:
        return "no base"
    if model == base:
        return "the base itself"
    if log10_p is None:
        return "not testable"
    return "derived" if is_derived(log10_p) else "independent"
