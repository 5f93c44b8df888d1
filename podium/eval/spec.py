"""What a suite is made of: its columns (`TaskSpec`) and the suite itself (`SuiteSpec`).

Types only, so the kinds of suite (`podium.eval.kinds`) can declare their suites without
importing the registry in `podium.eval.suites`, which in turn registers theirs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from podium.errors import UsageError
from podium.eval.kinds import SuiteKind
from podium.eval.kinds.lm_eval import LM_EVAL

Aggregate = Literal["task", "subtask_mean"]
Visibility = Literal["public", "gated", "private"]
"""Who may read a task's questions and answers. "public": everyone. "gated": public data whose
authors ask that its questions never be republished (GPQA): samples are kept, shown to operators
only. "private": operator-supplied test sets: samples never leave the evaluation. Scores are
published in every case."""


@dataclass(frozen=True)
class TaskSpec:
    key: str
    """Column id on the board; also what `--tasks` selects."""
    title: str
    lm_eval_task: str
    """The lm-eval task or group name to run."""
    num_fewshot: int | None
    """None keeps the task config's own count (the v2 leaderboard tasks carry theirs)."""
    metrics: tuple[str, ...]
    """lm-eval result keys read ("acc_norm,none"); several are averaged (IFEval)."""
    aggregate: Aggregate = "task"
    """"task": the metric of `lm_eval_task` itself (for a group, lm-eval's own aggregate).
    "subtask_mean": unweighted mean over the leaf subtasks, each normalized with its own bound."""
    lower_bound: float = 0.0
    subtask_lower_bounds: Mapping[str, float] = field(default_factory=dict)
    visibility: Visibility = "public"
    in_average: bool = True
    aliases: tuple[str, ...] = ()
    about: str = ""
    shared_context: str | None = None
    """The document field several questions share (MuSR: the story; GPQA's pooled sets: the question,
    asked up to three times): such documents form one cluster for the standard errors and the bootstrap."""

    @property
    def private(self) -> bool:
        return self.visibility == "private"

    @property
    def samples_restricted(self) -> bool:
        """Its questions and answers are shown to operators only (gated or private)."""
        return self.visibility != "public"

    def subtask_bound(self, subtask: str) -> float:
        return self.subtask_lower_bounds.get(subtask, self.lower_bound)


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    title: str
    tasks: tuple[TaskSpec, ...]
    about: str = ""
    archived: bool = False
    kind: SuiteKind = LM_EVAL
    """How the suite runs and where its columns are shown (`podium.eval.kinds`)."""
    compared: tuple[str, ...] = ()
    """Column keys ranked side by side, each on its own, in a suite that compares implementations
    of one benchmark: such a suite has no average (an average of implementations measures none of
    them) and its board is the comparison view at `board_path`."""

    def __post_init__(self):
        keys = {t.key for t in self.tasks}
        if not set(self.compared) <= keys:
            raise ValueError(f"suite {self.name!r} compares columns it does not have: {set(self.compared) - keys}")
        if self.compared and any(t.in_average for t in self.tasks):
            raise ValueError(f"suite {self.name!r} compares implementations, so none of its columns may be averaged")

    @property
    def averaged(self) -> bool:
        """Whether the suite has an average at all (some column counts in it)."""
        return any(t.in_average for t in self.tasks)

    def shown_average(self, stored: float | None) -> float | None:
        """A stored result's average as boards, pages and exports show it: None for a suite without
        an average, even where an older record of it (from before its columns left the average) has one."""
        return stored if self.averaged else None

    @property
    def board_path(self) -> str | None:
        """Where the suite's results are shown when not on the score board /board/<suite> (None: there)."""
        return self.kind.board_path or (f"/variants/{self.name}" if self.compared else None)

    @property
    def has_score_board(self) -> bool:
        return self.board_path is None

    @property
    def version(self) -> str:
        """A digest of what decides the suite's numbers (its kind and each column's task, shots,
        metrics, aggregation and bounds): two results share it only if scored alike."""
        columns = [[t.key, t.lm_eval_task, t.num_fewshot, list(t.metrics), t.aggregate, t.lower_bound,
                    sorted(t.subtask_lower_bounds.items()), t.in_average] for t in self.tasks]
        text = json.dumps([self.kind.name, columns], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def select(self, names: list[str] | None) -> tuple[TaskSpec, ...]:
        """The tasks named by `--tasks` (key, alias or lm-eval name), in suite order."""
        if not names:
            return self.tasks
        chosen = []
        for name in names:
            matches = [t for t in self.tasks if name in (t.key, t.lm_eval_task, *t.aliases)]
            if not matches:
                known = ", ".join(t.key for t in self.tasks)
                raise UsageError(
                    f"Suite '{self.name}' has no task '{name}'.", hint=f"Choose among: {known}."
                )
            chosen += [t for t in matches if t not in chosen]
        return tuple(t for t in self.tasks if t in chosen)
