"""Kinds of suite: how a suite runs, which columns it yields and where they are shown.

Every `SuiteSpec` carries its kind. The runner asks the kind to run the selected columns and
gets back task scores and the provenance that goes with them; the worker asks it for extra
evaluator arguments and whether the base-model check applies; the web asks where its board
is and which lines it adds to an entry's provenance. Nobody else tests a suite's name.

Kinds: `lm_eval.LM_EVAL` (tasks through lm-eval, ranked on a score board with an average)
and `tracing.TRACING` (perplexity and the match test against a base, on the tracing board).
Adding a kind: one module here that defines its `SuiteKind` and declares its suites, and
the suites' registration in `podium.eval.suites.SUITES`.

Kind modules import their heavy machinery inside `run`, so importing a suite stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from podium.eval.runner import EvalRequest
    from podium.eval.spec import SuiteSpec, TaskSpec
    from podium.modelref import ModelRef
    from podium.record import Provenance, RunRecord, TaskScore


@dataclass(frozen=True)
class KindRun:
    """What the runner hands a kind: the request, the chosen columns, the resolved model and data."""

    request: EvalRequest
    suite: SuiteSpec
    specs: tuple[TaskSpec, ...]
    ref: ModelRef
    data: Path | None
    output: Path
    on_task_done: Callable | None = None
    run_device: Any = None
    """Where the model runs (`podium.engine.devices.RunDevice`: device, dtype, GPUs)."""


@dataclass(frozen=True)
class KindOutput:
    """What a kind's run produced, for the runner to put in the run record."""

    tasks: dict[str, TaskScore]
    data_files: dict[str, str]
    """sha256 of every data file read, by path relative to the data folder."""
    data_differences: dict = field(default_factory=dict)
    lm_eval: dict = field(default_factory=dict)
    """lm-eval's own result blocks, written beside the record unchanged."""
    details: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    kind_detail: Mapping[str, Any] | None = None
    hardware: Mapping[str, Any] | None = None
    """What it ran on (`podium.engine.hardware.describe`)."""
    data: Mapping[str, Any] | None = None
    """The whole data provenance block, where the kind builds one (lm-eval: per-task sources)."""
    average_uncertainty: Any = None
    """The average's error bars (`podium.record.AverageUncertainty`), where the kind computes them."""


class SuiteKind:
    """The interface every kind of suite implements (defaults: a plain score-board suite)."""

    name: str = ""
    board_path: str | None = None
    """Where the kind's results are shown; None: the suite's own score board (/board/<suite>)."""
    base_check_skip: str | None = None
    """Why the worker's check of a declared base does not apply to this kind (None: it does)."""

    def select(self, suite: SuiteSpec, names: list[str] | None) -> tuple[TaskSpec, ...]:
        """The columns a run computes (`--tasks` picks among them)."""
        return suite.select(names)

    def run(self, job: KindRun) -> KindOutput:
        raise NotImplementedError(f"suite kind {self.name!r} does not say how it runs")

    def needs_hub(self, specs, request, data: Path | None) -> bool:
        """Whether this run reads anything from the Hugging Face Hub (else the hub is switched off)."""
        return data is None

    def eval_args(self, settings) -> list[str]:
        """Extra `podium eval` arguments the worker adds from its settings for this kind."""
        return []

    def reproduce_args(self, provenance: Provenance) -> list[str]:
        """Extra `podium eval` arguments that reproduce a result of this kind."""
        return []

    def provenance_note(self, provenance: Provenance) -> str | None:
        """One sentence the entry page shows about what the kind used (None: nothing to add)."""
        return None

    def public_detail(self, provenance: Provenance) -> Mapping[str, Any] | None:
        """The part of the kind's own record that the entry API publishes."""
        return None

    def average_note(self, record: RunRecord) -> str | None:
        """What the summary table says instead of complete/incomplete (None: the average's status)."""
        return None
