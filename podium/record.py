"""The run record: what one evaluation produced, typed from the evaluator to every reader.

`podium eval` writes a `RunRecord` as the `podium` block of results.json (lm-eval's own
blocks sit beside it, unchanged). The worker parses it back, the store keeps its task scores
and its provenance in their own columns, and the board, the entry, compare and sample pages,
the tracing board, the export and the summary table read them through `from_json`, so no
reader picks keys by hand with defaults of its own. Every serialised record carries
`schema`; a reader refuses any other version with a `RecordError` that says so.

Ground floor: imports nothing from podium's upper floors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from podium.errors import PodiumError

SCHEMA = 2
"""Version of the serialised layout. Bump it when a field changes meaning or a required one is added."""


class RecordError(PodiumError):
    """A result that is not a run record of this version (another schema, a missing or unknown field)."""

    kind = "record_schema"


def _build(cls, data, where: str):
    if not isinstance(data, dict):
        raise RecordError(f"{where} is not a JSON object (run record schema {SCHEMA}).")
    try:
        return cls(**data)
    except TypeError as err:  # a missing or unknown field
        detail = str(err).split("__init__() ", 1)[-1]
        raise RecordError(f"{where} does not match run record schema {SCHEMA}: {detail}.") from None


def check_schema(data, where: str) -> None:
    """Refuse a serialised record of another schema version, with a message that says which."""
    found = data.get("schema") if isinstance(data, dict) else None
    if found != SCHEMA:
        what = "has no schema version" if found is None else f"is written in schema {found}"
        raise RecordError(f"{where} {what}; this Podium reads run record schema {SCHEMA}.",
                          hint="Re-run the evaluation with this version of Podium, or read it with the version "
                          "that wrote it.")


@dataclass(frozen=True)
class SubtaskScore:
    raw: float
    normalized: float
    stderr: float | None
    n_samples: int
    lower_bound: float


@dataclass(frozen=True)
class ContaminationSignal:
    """Whether the model knows a task's test questions better than questions of the same style it was
    allowed to see (`podium.eval.contamination`): a signal shown beside the score, never a verdict."""

    test_items: int
    reference_items: int
    reference_split: str | None
    """Where the reference questions came from (the task's train, dev or validation split); None: none."""
    test_loglik: float | None
    """Mean log-likelihood per UTF-8 byte of the test questions (nats; closer to 0 is more familiar)."""
    reference_loglik: float | None
    gap: float | None
    """test_loglik - reference_loglik: above 0 the test questions are more familiar than the reference."""
    gap_z: float | None
    """The gap over its standard error (Welch), so a gap of a few noisy items does not flag."""
    reproduced: int
    reproduction_items: int
    """Test items long enough to check; `reproduced` of them greedy decoding continued word for word."""
    flagged: bool
    method: str
    """The rule and thresholds that set `flagged` (`podium.eval.contamination.METHOD`)."""

    @property
    def reproduction_rate(self) -> float | None:
        return self.reproduced / self.reproduction_items if self.reproduction_items else None


@dataclass(frozen=True)
class TaskScore:
    """One column of a suite for one model: the raw metric, its normalized score and how sure it is."""

    key: str
    title: str
    metric: str
    raw: float | None
    normalized: float | None
    stderr: float | None
    n_samples: int
    lower_bound: float
    status: str = "ok"  # "ok" | "unavailable" | "failed"
    error: str | None = None
    error_kind: str | None = None
    private: bool = False
    in_average: bool = True
    subtasks: Mapping[str, SubtaskScore] = field(default_factory=dict)
    ci_low: float | None = None
    ci_high: float | None = None
    """A 95% interval of `normalized`, computed at evaluation time from the per-document outcomes
    (`podium.eval.uncertainty`); None for results scored before that, or without outcomes."""
    normalized_stderr: float | None = None
    """Standard error of `normalized` (seeded bootstrap: normalization clips at 0, so it is not `stderr` rescaled)."""
    raw_ci_low: float | None = None
    raw_ci_high: float | None = None
    """A 95% interval of `raw`."""
    interval_method: str | None = None
    """How the intervals were computed: "wilson" (one right/wrong set of independent questions) or "bootstrap"."""
    contamination: ContaminationSignal | None = None
    """The contamination signal, where the run computed one (`podium eval --contamination`)."""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_json(self) -> dict:
        """Shallow, field by field (boards serialise thousands; `asdict` deep-copies every value)."""
        data = {name: getattr(self, name) for name in _TASK_FIELDS}
        data["subtasks"] = {name: {f: getattr(sub, f) for f in _SUBTASK_FIELDS} for name, sub in self.subtasks.items()}
        data["contamination"] = None if self.contamination is None else asdict(self.contamination)
        return data

    @classmethod
    def from_json(cls, data, where: str = "a task score") -> TaskScore:
        if not isinstance(data, dict):
            raise RecordError(f"{where} is not a JSON object (run record schema {SCHEMA}).")
        signal = data.get("contamination")
        if signal is not None:
            data = {**data, "contamination": _build(ContaminationSignal, signal, f"{where}, contamination")}
        subtasks = data.get("subtasks") or {}
        if not subtasks:
            return _build(cls, data, where)
        if not isinstance(subtasks, dict):
            raise RecordError(f"{where}: subtasks is not a JSON object (run record schema {SCHEMA}).")
        parsed = {name: _build(SubtaskScore, value, f"{where}, subtask {name}") for name, value in subtasks.items()}
        return _build(cls, {**data, "subtasks": parsed}, where)


@dataclass(frozen=True)
class AverageUncertainty:
    """How sure the suite average is: a seeded bootstrap over documents within tasks (`podium.stats`)."""

    stderr: float
    ci_low: float
    ci_high: float
    resamples: int
    seed: int
    confidence: float = 0.95

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data, where: str = "the average's uncertainty") -> AverageUncertainty | None:
        return None if data is None else _build(cls, data, where)


def uncertainty_to_json(uncertainty: AverageUncertainty | None) -> dict | None:
    return None if uncertainty is None else uncertainty.to_json()


_TASK_FIELDS = tuple(f.name for f in fields(TaskScore) if f.name not in ("subtasks", "contamination"))
_SUBTASK_FIELDS = tuple(f.name for f in fields(SubtaskScore))


def tasks_to_json(tasks: Mapping[str, TaskScore]) -> dict:
    return {key: score.to_json() for key, score in tasks.items()}


def tasks_from_json(data) -> dict[str, TaskScore]:
    """The task scores a store row or results.json keeps, by column key."""
    if not isinstance(data, dict):
        raise RecordError(f"The task scores are not a JSON object (run record schema {SCHEMA}).")
    return {key: TaskScore.from_json(value, f"task score {key!r}") for key, value in data.items()}


@dataclass(frozen=True)
class ModelIdentity:
    """Which model ran: how it was named, where it was loaded from, and what its files were."""

    id: str
    path: str
    source: str  # "path" | "mirror" | "hub" (podium.modelref.SOURCES)
    revision: str | None
    content_hash: str | None
    architecture: str | None
    model_type: str | None
    has_chat_template: bool | None
    vocab_size: int | None
    dtype: str
    chat_template: bool
    weights: Mapping[str, Any] | None = None
    """Adapter or delta weights: their kind and the pinned base they were applied to (None: a plain model)."""


@dataclass(frozen=True)
class RunSettings:
    """How it ran: backend, device and batch settings, seeds, the command line and the clock."""

    backend: str
    device: str
    dtype: str
    batch_size: int | str
    limit: float | None
    gen_kwargs: Mapping[str, Any] | None
    seeds: Mapping[str, int]
    command_line: str
    started_at: str
    finished_at: str
    wall_seconds: float
    quantization: str | None = None
    gpu_name: str | None = None
    gpu_count: int | None = None
    peak_gpu_memory_mb: float | None = None
    hardware: Mapping[str, Any] | None = None
    """The whole hardware block (`podium.engine.hardware.describe`): devices, placement, batch plan, peaks."""


@dataclass(frozen=True)
class DataProvenance:
    """Where the benchmark data came from, the sha256 of every file read, and how it deviates."""

    mode: str  # "offline" | "hub" | "mixed"
    dir: str | None
    files: Mapping[str, str]
    differences: Mapping[str, Any]
    tasks: Mapping[str, Any] = field(default_factory=dict)
    """Each task's data source (hub, data folder or private files) as a label, and what it read."""


@dataclass(frozen=True)
class BaseCheck:
    """The worker's check of a declared base model: ok | review | unchecked, with the reason."""

    status: str
    declared_base: str
    reason: str
    wall_seconds: float | None = None
    test: str | None = None
    log10_p: float | None = None
    threshold_log10_p: float | None = None
    versions: Mapping[str, Any] | None = None

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data) -> BaseCheck:
        return _build(cls, data, "the base check")


@dataclass(frozen=True)
class Provenance:
    """Everything that goes with a score so it can be reproduced (the store's provenance column)."""

    model: ModelIdentity
    run: RunSettings
    versions: Mapping[str, str | None]
    data: DataProvenance
    timings: Mapping[str, float] = field(default_factory=dict)
    """Wall seconds per stage (per lm-eval run; the tracing kind's own stages)."""
    kind_detail: Mapping[str, Any] | None = None
    """The suite kind's own record, kept whole (tracing: the trace record)."""
    base_check: BaseCheck | None = None

    def to_json(self) -> dict:
        return {"schema": SCHEMA, **asdict(self)}

    @classmethod
    def from_json(cls, data, where: str = "The result's provenance") -> Provenance:
        check_schema(data, where)
        values = {k: v for k, v in data.items() if k != "schema"}
        check = values.get("base_check")
        return _build(cls, {
            **values,
            "model": _build(ModelIdentity, values.get("model"), f"{where}: model"),
            "run": _build(RunSettings, values.get("run"), f"{where}: run"),
            "data": _build(DataProvenance, values.get("data"), f"{where}: data"),
            "base_check": None if check is None else BaseCheck.from_json(check),
        }, where)


_PROVENANCE_KEYS = {f.name for f in fields(Provenance)}


@dataclass(frozen=True)
class RunRecord:
    """One run of one suite on one model."""

    kind: str
    """The suite's kind (which code ran it and how its columns are read)."""
    suite: str
    suite_title: str
    suite_version: str
    """What decides the numbers (definition, task configs, data hashes; `podium.eval.versions`): results
    of one suite are ranked and averaged together only within a version."""
    tasks: Mapping[str, TaskScore]
    average: float | None
    average_complete: bool
    provenance: Provenance
    details: Mapping[str, str] = field(default_factory=dict)
    """lm-eval task -> its per-sample file, relative to the result folder."""
    average_uncertainty: AverageUncertainty | None = None
    """Standard error and 95% interval of `average` (None: no per-document outcomes, or no average)."""

    @property
    def missing_tasks(self) -> list[str]:
        return [key for key, score in self.tasks.items() if not score.ok]

    def with_base_check(self, check: BaseCheck | None) -> RunRecord:
        return self if check is None else replace(self, provenance=replace(self.provenance, base_check=check))

    def to_json(self) -> dict:
        """The `podium` block of results.json: the provenance's parts sit at the top, as they always did."""
        return {
            "schema": SCHEMA, "kind": self.kind, "suite": self.suite, "suite_title": self.suite_title,
            "suite_version": self.suite_version, "tasks": tasks_to_json(self.tasks), "average": self.average,
            "average_complete": self.average_complete, "missing_tasks": self.missing_tasks,
            **self.provenance.to_json(), "details": dict(self.details),
            "average_uncertainty": uncertainty_to_json(self.average_uncertainty),
        }

    @classmethod
    def from_json(cls, block, where: str = "The results.json `podium` block") -> RunRecord:
        check_schema(block, where)
        head = {k: v for k, v in block.items() if k not in _PROVENANCE_KEYS and k not in ("schema", "missing_tasks")}
        provenance = Provenance.from_json({"schema": SCHEMA,
                                           **{k: v for k, v in block.items() if k in _PROVENANCE_KEYS}},
                                          where)
        uncertainty = AverageUncertainty.from_json(head.get("average_uncertainty"), f"{where}: average_uncertainty")
        return _build(cls, {**head, "tasks": tasks_from_json(block.get("tasks")), "provenance": provenance,
                            "average_uncertainty": uncertainty}, where)


@dataclass(frozen=True)
class RunError:
    """Why a run wrote no record (the evaluator's error.json): an error class and one paragraph."""

    kind: str
    message: str

    def to_json(self) -> dict:
        return {"schema": SCHEMA, "error": asdict(self)}

    @classmethod
    def from_json(cls, data, where: str = "error.json") -> RunError:
        check_schema(data, where)
        return _build(cls, data.get("error"), f"{where}: error")
