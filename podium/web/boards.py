"""Which boards exist: one per suite (main boards in the navigation, the rest in the archive),
the comparison boards of suites that compare implementations, and the tracing board."""

from __future__ import annotations

from podium.eval.suites import SUITES, SuiteSpec
from podium.platform.errors import NotFound

MAIN_BOARDS = ("openllm-v2", "openllm-v1", "ko-h5")
NAV_TITLES = {"openllm-v2": "Open LLM v2", "openllm-v1": "v1", "ko-h5": "Ko", "mmlu-variants": "MMLU variants",
              "tracing": "Tracing"}


def suite_or_404(name: str, *, compared: bool = False) -> SuiteSpec:
    """The suite of a score board; with `compared`, a suite that compares implementations is accepted too."""
    suite = SUITES.get(name)
    if suite is not None and not suite.has_score_board and not (compared and suite.compared):
        raise NotFound(f"Suite {name!r} has no score board.",
                       hint=f"Its results are on {suite.board_path} (API: /api{suite.board_path}).")
    if suite is None:
        boards = ", ".join(s.name for s in archive())
        raise NotFound(f"There is no board {name[:60]!r}.", hint=f"Boards: {boards}.")
    return suite


def nav() -> list[tuple[str, str]]:
    """(path, label) of the boards shown in the header."""
    return ([(f"/board/{n}", NAV_TITLES[n]) for n in MAIN_BOARDS if n in SUITES]
            + [(s.board_path, NAV_TITLES.get(s.name, s.title)) for s in comparisons()] + [("/tracing", "Tracing")])


def comparisons() -> list[SuiteSpec]:
    """Suites that rank implementations of one benchmark side by side, each on its comparison board."""
    return [s for s in SUITES.values() if s.compared]


def archive() -> list[SuiteSpec]:
    """Every suite with a score board, archived ones included, for the archive page (a suite of
    another kind, such as tracing, is shown on its kind's own board instead)."""
    return sorted((s for s in SUITES.values() if s.has_score_board), key=lambda s: (not s.archived, s.name))
