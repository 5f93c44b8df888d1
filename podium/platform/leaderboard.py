"""The leaderboard view: one typed row per (model, precision, sha, chat template) of a suite, from one query.

A board shows one suite version (`podium.eval.versions`) at a time: by default the current one,
the version of the suite's newest result; older versions stay browsable by name, and results of
two versions never share a board or an average. Each submission's row shows its latest finished
job's result of that version. Rows carry native fields (the
model type as the platform's vocabulary, numbers as numbers); the web board reads them as they
are, and `export` alone renames them into the public `open-llm-leaderboard/contents` columns.

Footprint: GPU hours = job wall seconds / 3600 x the job's GPUs; CO₂ cost (kg) = GPU hours x
gpu_power_kw x carbon_g_per_kwh / 1000 (operator settings; defaults 0.7 kW and 269.8 g/kWh).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from podium.eval.suites import SUITES
from podium.platform.config import Settings
from podium.platform.models import Flag, Job, Model, OfficialProvider, Pick, Result, Submission, Vote
from podium.record import AverageUncertainty, TaskScore, tasks_from_json


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One entry of a suite's board."""

    entry: int  # the submission id
    job: int  # the finished job whose result is shown
    suite: str
    repo_id: str
    source: str  # where the weights come from: mirror | hub | path
    precision: str
    model_type: str  # one of vocab.MODEL_TYPES
    weight_type: str
    architecture: str | None
    revision: str  # commit sha, or the content hash of a local folder
    license: str | None
    params_billion: float | None
    params_source: str | None
    available: bool
    moe: bool
    merged: bool
    base_model: str | None  # the declared base; None for an original model
    chat_template: bool
    submitted_at: datetime
    votes: int
    flag_reason: str | None  # the latest unresolved flag's reason
    official: bool  # the organisation is an official provider
    pick_reason: str | None  # why the maintainers picked the model (⭐); None when it is not a pick
    average: float | None  # mean normalized score, 0-100
    average_complete: bool
    suite_version: str  # podium.eval.versions: a board shows the rows of one version
    tasks: dict[str, TaskScore]  # task key -> the result's task score (raw 0-1, normalized 0-100, ...)
    details_path: str
    gpu_hours: float | None
    co2_kg: float | None
    data_differences: dict[str, dict[str, str] | None] = field(default_factory=dict)
    """Task key -> how its data sources differ from the leaderboard's (hub path -> text; `data_notice`)."""
    limit: float | None = None  # the run's --limit: every task scored on a sample
    average_uncertainty: AverageUncertainty | None = None  # the average's SE and 95% interval, where computed

    @property
    def flagged(self) -> bool:
        return self.flag_reason is not None

    @property
    def picked(self) -> bool:
        return self.pick_reason is not None

    @property
    def generation(self) -> int:
        """0 for an original model, 1 for one made from a declared base."""
        return 1 if self.base_model else 0


@dataclass(frozen=True, slots=True)
class SuiteVersion:
    """One version of a suite that has results: how many entries, and when its newest result came."""

    version: str
    entries: int
    latest: datetime
    current: bool  # the version of the suite's newest result: what the board shows by default


@dataclass
class Board:
    suite: str
    version: str | None = None  # the suite version shown (None: the suite has no results yet)
    tasks: list[tuple[str, str]] = field(default_factory=list)  # (task key, title), in column order
    rows: list[BoardRow] = field(default_factory=list)


def suite_versions(session: Session, suite: str) -> list[SuiteVersion]:
    """The versions of `suite` that have results, the current (newest result's) first."""
    found = session.execute(
        select(Result.suite_version, func.count(func.distinct(Result.submission_id)), func.max(Result.created_at))
        .where(Result.suite == suite).group_by(Result.suite_version).order_by(func.max(Result.id).desc())).all()
    return [SuiteVersion(version, entries, latest, n == 0) for n, (version, entries, latest) in enumerate(found)]


def _task_keys(suite: str) -> tuple[str, ...]:
    return tuple(t.key for t in SUITES[suite].tasks) if suite in SUITES else ()


def _query(suite: str, version: str | None, entries: frozenset[int] | None):
    if version is None:  # the current version: that of the suite's newest result
        version = (select(Result.suite_version).where(Result.suite == suite).order_by(Result.id.desc()).limit(1)
                   .scalar_subquery())
    latest = (
        select(Job.submission_id, func.max(Job.id).label("job_id"))
        .join(Result, Result.job_id == Job.id).where(Job.state == "finished", Result.suite_version == version)
        .group_by(Job.submission_id).subquery()
    )
    votes = (select(func.count(Vote.id)).where(Vote.submission_id == Submission.id)
             .correlate(Submission).scalar_subquery())
    active_flag = (Flag.repo_id == Model.repo_id) & Flag.resolved_at.is_(None)
    flag_reason = (select(Flag.reason).where(active_flag).order_by(Flag.id.desc()).limit(1)
                   .correlate(Model).scalar_subquery())
    official = exists().where(OfficialProvider.org == Model.org)
    pick_reason = (select(Pick.reason).where(Pick.repo_id == Model.repo_id, Pick.removed_at.is_(None))
                   .correlate(Model).scalar_subquery())
    columns = {
        "entry": Submission.id, "job": Job.id, "suite": Submission.suite, "repo_id": Model.repo_id,
        "source": Model.source, "precision": Model.precision, "model_type": Model.model_type,
        "weight_type": Model.weight_type, "architecture": Model.architecture, "revision": Model.revision,
        "license": Model.license, "params_billion": Model.params_billion, "params_source": Model.params_source,
        "available": Model.available, "moe": Model.is_moe, "merged": Model.is_merge, "base_model": Model.base_model,
        "chat_template": Submission.use_chat_template, "submitted_at": Submission.submitted_at, "votes": votes,
        "flag_reason": flag_reason, "official": official, "pick_reason": pick_reason, "average": Result.average,
        "average_complete": Result.average_complete, "average_uncertainty": Result.average_uncertainty,
        "suite_version": Result.suite_version, "tasks": Result.tasks,
        "details_path": Result.details_path,
        "gpu_seconds": Job.wall_seconds * Job.gpus, "limit": Result.provenance[("run", "limit")],
    }
    # Each task's recorded data differences alone: the whole provenance lists every data file read.
    differences = {key: Result.provenance[("data", "tasks", key, "differences")] for key in _task_keys(suite)}
    columns |= {f"differences:{key}": column for key, column in differences.items()}
    query = (
        select(*(column.label(name) for name, column in columns.items()))
        .select_from(Submission).join(Model, Submission.model_id == Model.id)
        .join(latest, latest.c.submission_id == Submission.id)
        .join(Job, Job.id == latest.c.job_id).join(Result, Result.job_id == Job.id)
        .where(Submission.suite == suite)
        .order_by(Result.average.desc().nulls_last(), Submission.id)
    )
    return query if entries is None else query.where(Submission.id.in_(sorted(entries)))


def footprint(gpu_seconds: float | None, settings: Settings) -> tuple[float | None, float | None]:
    """(GPU hours, CO₂ kg) of one job's wall time x its GPUs."""
    if gpu_seconds is None:
        return None, None
    gpu_hours = gpu_seconds / 3600
    return gpu_hours, gpu_hours * settings.gpu_power_kw * settings.carbon_g_per_kwh / 1000


def leaderboard(session: Session, settings: Settings, suite: str | None = None, version: str | None = None,
                entries: frozenset[int] | None = None) -> Board:
    """Every entry of `suite` with a finished result of `version` (default: the current one), best average first;
    only those of `entries` when given (a web board updating the rows a change touched)."""
    board = Board(suite=suite or settings.default_suite, version=version)
    spec = SUITES.get(board.suite)
    seen: dict[str, str] = {}
    for found in session.execute(_query(board.suite, board.version, entries)).mappings():
        values = dict(found)
        values["average"] = spec.shown_average(values["average"]) if spec else values["average"]
        values["official"] = bool(values["official"])
        values["tasks"] = tasks_from_json(values["tasks"])
        values["data_differences"] = {key: values.pop(f"differences:{key}") for key in _task_keys(board.suite)}
        values["average_uncertainty"] = AverageUncertainty.from_json(values["average_uncertainty"])
        gpu_hours, co2_kg = footprint(values.pop("gpu_seconds"), settings)
        row = BoardRow(**values, gpu_hours=gpu_hours, co2_kg=co2_kg)
        board.rows.append(row)
        board.version = row.suite_version
        for key, task in row.tasks.items():
            seen.setdefault(key, task.title or key)
    board.tasks = list(seen.items())
    return board
