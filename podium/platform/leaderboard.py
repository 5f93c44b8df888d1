"""The leaderboard view: one row per (model, precision, sha, chat template) of a suite, from one query.

Each submission's row shows its latest finished job's result. Rows use the column names of the
public `open-llm-leaderboard/contents` dataset, so scripts written against it keep working (the
schema is listed in `export`). Differences: `Model` is the
plain repo id (upstream: an HTML link), `Hub ❤️` and `Upload To Hub Date` are empty (not known
offline), and a few columns are added at the end (Votes, GPU hours, Entry, ...).

Footprint: GPU hours = job wall seconds / 3600 x gpus_per_job; CO₂ cost (kg) = GPU hours x
gpu_power_kw x carbon_g_per_kwh / 1000 (operator settings; defaults 0.7 kW and 269.8 g/kWh).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from podium.platform.config import Settings
from podium.platform.models import Flag, Job, Model, OfficialProvider, Result, Submission, Vote
from podium.record import TaskScore, tasks_from_json

MODEL_TYPE_LABELS = {
    "pretrained": ("🟢", "🟢 pretrained"),
    "continuously pretrained": ("🟩", "🟩 continuously pretrained"),
    "fine-tuned": ("🔶", "🔶 fine-tuned on domain-specific datasets"),
    "chat": ("💬", "💬 chat models (RLHF, DPO, IFT, ...)"),
    "merge": ("🤝", "🤝 base merges and moerges"),
    "multimodal": ("🌸", "🌸 multimodal"),
}

# (column, pandas/arrow dtype) of the fixed part, in order; task columns follow "CO₂ cost (kg)".
HEAD_COLUMNS = [
    ("eval_name", "string"), ("Precision", "string"), ("Type", "string"), ("T", "string"),
    ("Weight type", "string"), ("Architecture", "string"), ("Model", "string"), ("fullname", "string"),
    ("Model sha", "string"), ("Average ⬆️", "float64"), ("Hub License", "string"), ("Hub ❤️", "Int64"),
    ("#Params (B)", "float64"), ("Available on the hub", "boolean"), ("MoE", "boolean"), ("Flagged", "boolean"),
    ("Chat Template", "boolean"), ("CO₂ cost (kg)", "float64"),
]
TAIL_COLUMNS = [
    ("Merged", "boolean"), ("Official Providers", "boolean"), ("Upload To Hub Date", "string"),
    ("Submission Date", "string"), ("Generation", "Int64"), ("Base Model", "string"),
    # Podium additions.
    ("Suite", "string"), ("Entry", "Int64"), ("Job", "Int64"), ("Votes", "Int64"), ("GPU hours", "float64"),
    ("Flag reason", "string"), ("Average complete", "boolean"), ("Params source", "string"), ("Details", "string"),
]


@dataclass
class Board:
    suite: str
    tasks: list[tuple[str, str]] = field(default_factory=list)  # (task key, title), in column order
    rows: list[dict] = field(default_factory=list)
    task_scores: dict[int, dict[str, TaskScore]] = field(default_factory=dict)
    """Job id -> its result's task scores by task key (what the web board reads, without a second query)."""

    def columns(self) -> list[tuple[str, str]]:
        task_cols = [c for _, title in self.tasks for c in ((f"{title} Raw", "float64"), (title, "float64"))]
        return HEAD_COLUMNS + task_cols + TAIL_COLUMNS


@dataclass(frozen=True)
class ResultFields:
    """The columns of a result the board shows (its provenance JSON is never loaded here)."""

    tasks: dict[str, TaskScore]
    average: float | None
    average_complete: bool
    details_path: str


def _query(suite: str):
    latest = (
        select(Job.submission_id, func.max(Job.id).label("job_id"))
        .join(Result, Result.job_id == Job.id).where(Job.state == "finished")
        .group_by(Job.submission_id).subquery()
    )
    votes = (select(func.count(Vote.id)).where(Vote.submission_id == Submission.id)
             .correlate(Submission).scalar_subquery())
    active_flag = (Flag.repo_id == Model.repo_id) & Flag.resolved_at.is_(None)
    flag_reason = (select(Flag.reason).where(active_flag).order_by(Flag.id.desc()).limit(1)
                   .correlate(Model).scalar_subquery())
    official = exists().where(OfficialProvider.org == Model.org)
    return (
        select(Model, Submission, Job.id, Job.wall_seconds, Result.tasks, Result.average, Result.average_complete,
               Result.details_path, votes.label("votes"), flag_reason.label("flag_reason"), official.label("official"))
        .select_from(Submission).join(Model, Submission.model_id == Model.id)
        .join(latest, latest.c.submission_id == Submission.id)
        .join(Job, Job.id == latest.c.job_id).join(Result, Result.job_id == Job.id)
        .where(Submission.suite == suite)
        .order_by(Result.average.desc().nulls_last(), Submission.id)
    )


def footprint(wall_seconds: float | None, settings: Settings) -> tuple[float | None, float | None]:
    """(GPU hours, CO₂ kg) of one job's wall time."""
    if wall_seconds is None:
        return None, None
    gpu_hours = wall_seconds / 3600 * settings.gpus_per_job
    return gpu_hours, gpu_hours * settings.gpu_power_kw * settings.carbon_g_per_kwh / 1000


def _row(model: Model, sub: Submission, job_id: int, wall: float | None, result: ResultFields, votes: int,
         flag_reason: str | None, official: bool, settings: Settings) -> dict:
    symbol, label = MODEL_TYPE_LABELS[model.model_type]
    gpu_hours, co2 = footprint(wall, settings)
    row = {
        "eval_name": f"{model.repo_id.replace('/', '_')}_{model.precision}", "Precision": model.precision,
        "Type": label, "T": symbol, "Weight type": model.weight_type, "Architecture": model.architecture,
        "Model": model.repo_id, "fullname": model.repo_id, "Model sha": model.revision, "Average ⬆️": result.average,
        "Hub License": model.license, "Hub ❤️": None, "#Params (B)": model.params_billion,
        "Available on the hub": model.available, "MoE": model.is_moe, "Flagged": flag_reason is not None,
        "Chat Template": sub.use_chat_template, "CO₂ cost (kg)": co2,
        "Merged": model.is_merge, "Official Providers": bool(official), "Upload To Hub Date": None,
        "Submission Date": f"{sub.submitted_at:%Y-%m-%d}", "Generation": 1 if model.base_model else 0,
        "Base Model": model.base_model or model.repo_id, "Suite": sub.suite, "Entry": sub.id, "Job": job_id,
        "Votes": votes, "GPU hours": gpu_hours, "Flag reason": flag_reason,
        "Average complete": result.average_complete, "Params source": model.params_source,
        "Details": result.details_path,
    }
    for task in result.tasks.values():
        row[f"{task.title} Raw"] = task.raw
        row[task.title] = task.normalized
    return row


def leaderboard(session: Session, settings: Settings, suite: str | None = None) -> Board:
    """Every entry of `suite` with a finished result, best average first."""
    board = Board(suite=suite or settings.default_suite)
    seen: dict[str, str] = {}
    for model, sub, job_id, wall, tasks, average, complete, details, votes, flag_reason, official in session.execute(
            _query(board.suite)):
        result = ResultFields(tasks_from_json(tasks), average, complete, details)
        board.rows.append(_row(model, sub, job_id, wall, result, votes, flag_reason, official, settings))
        board.task_scores[job_id] = result.tasks
        for key, task in result.tasks.items():
            seen.setdefault(key, task.title)
    board.tasks = list(seen.items())
    return board
