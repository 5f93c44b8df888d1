"""`podium export`: the leaderboard as parquet, csv or json, in a fixed, documented schema.

This is the one place where the board's typed rows take the column names of the public
`open-llm-leaderboard/contents` dataset, so scripts written against it keep working. Schema
(one row per model, precision, sha and chat template, best average first, then the averages
that lack a task):

    eval_name (org_name_precision), Precision, Type (emoji + label), T (emoji), Weight type,
    Architecture, Model (plain repo id), fullname, Model sha (commit sha, or content hash of a
    local folder), Average ⬆️ (mean normalized score, 0-100), Hub License, Hub ❤️ (empty),
    #Params (B), Available on the hub, MoE, Flagged, Chat Template, CO₂ cost (kg),
    then per task in suite order: "<Task> Raw" (0-1) and "<Task>" (normalized, 0-100),
    then per task: "<Task> SE", "<Task> 95% low", "<Task> 95% high" (the normalized score's standard
    error and 95% interval, `podium.eval.uncertainty`; empty for results scored without them),
    then Merged, Official Providers (the organisation), Maintainer's Highlight (a maintainer's
    pick, ⭐), Upload To Hub Date (empty), Submission Date (YYYY-MM-DD), Generation (0 original,
    1 derived), Base Model (the model itself when original), and Podium's additions: Suite,
    Entry (submission id), Job, Votes, GPU hours, Flag reason, Pick reason, Average complete,
    Data deviates (a task ran on a sample or a substitute split), Data notice (in words: which tasks
    the average lacks and how the data differs; empty when complete on the leaderboard's data),
    Params source (safetensors | name), Details (result folder), Average SE, Average 95% low,
    Average 95% high (the average's seeded bootstrap standard error and interval).

Differences from upstream: `Model` is the plain repo id (upstream: an HTML link), `Hub ❤️` and
`Upload To Hub Date` are empty (not known offline), and the columns after Base Model are added.
Column types are fixed (strings, float64, nullable Int64 and booleans), so an empty
leaderboard still exports its fixed columns with the right types. Files are written to a
temporary name and renamed, so a reader never sees half an export.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from podium.errors import UsageError
from podium.eval.suites import SUITES
from podium.platform.data_notice import in_average, notice
from podium.platform.leaderboard import Board, BoardRow
from podium.platform.vocab import EXPORT_FORMATS as FORMATS
from podium.platform.vocab import MODEL_TYPE_LABELS, UNKNOWN_TYPE_LABEL

# (column, pandas/arrow dtype) of the fixed part, in order; task columns follow "CO₂ cost (kg)".
HEAD_COLUMNS = [
    ("eval_name", "string"), ("Precision", "string"), ("Type", "string"), ("T", "string"),
    ("Weight type", "string"), ("Architecture", "string"), ("Model", "string"), ("fullname", "string"),
    ("Model sha", "string"), ("Average ⬆️", "float64"), ("Hub License", "string"), ("Hub ❤️", "Int64"),
    ("#Params (B)", "float64"), ("Available on the hub", "boolean"), ("MoE", "boolean"), ("Flagged", "boolean"),
    ("Chat Template", "boolean"), ("CO₂ cost (kg)", "float64"),
]
TAIL_COLUMNS = [
    ("Merged", "boolean"), ("Official Providers", "boolean"), ("Maintainer's Highlight", "boolean"),
    ("Upload To Hub Date", "string"),
    ("Submission Date", "string"), ("Generation", "Int64"), ("Base Model", "string"),
    # Podium additions.
    ("Suite", "string"), ("Entry", "Int64"), ("Job", "Int64"), ("Votes", "Int64"), ("GPU hours", "float64"),
    ("Flag reason", "string"), ("Pick reason", "string"), ("Average complete", "boolean"),
    ("Data deviates", "boolean"), ("Data notice", "string"), ("Params source", "string"), ("Details", "string"),
    ("Average SE", "float64"), ("Average 95% low", "float64"), ("Average 95% high", "float64"),
]
UNCERTAINTY = (("SE", "normalized_stderr"), ("95% low", "ci_low"), ("95% high", "ci_high"))
"""Per task: (column suffix, TaskScore field) of the normalized score's error bars."""


def columns(board: Board) -> list[tuple[str, str]]:
    """Every exported (column, dtype) of `board`, in order."""
    task_cols = [c for _, title in board.tasks for c in ((f"{title} Raw", "float64"), (title, "float64"))]
    error_cols = [(f"{title} {suffix}", "float64") for _, title in board.tasks for suffix, _ in UNCERTAINTY]
    return HEAD_COLUMNS + task_cols + error_cols + TAIL_COLUMNS


def data_notice(row: BoardRow) -> tuple[bool, bool, str | None]:
    """(complete, deviates, the notice in words): the board row's and the entry page's words."""
    suite = SUITES.get(row.suite)
    told = notice(in_average(suite.tasks if suite else (), row.tasks), row.tasks, row.data_differences, row.limit)
    if told is None:
        return row.average_complete, False, None
    words = None if told.complete and not told.deviates else " ".join((told.summary, *told.details))
    return told.complete and row.average_complete, told.deviates, words


def contents_row(row: BoardRow) -> dict:
    """One board row under the contents dataset's column names."""
    symbol, label = MODEL_TYPE_LABELS.get(row.model_type, UNKNOWN_TYPE_LABEL)
    complete, deviates, told = data_notice(row)
    out = {
        "eval_name": f"{row.repo_id.replace('/', '_')}_{row.precision}", "Precision": row.precision,
        "Type": label, "T": symbol, "Weight type": row.weight_type, "Architecture": row.architecture,
        "Model": row.repo_id, "fullname": row.repo_id, "Model sha": row.revision, "Average ⬆️": row.average,
        "Hub License": row.license, "Hub ❤️": None, "#Params (B)": row.params_billion,
        "Available on the hub": row.available, "MoE": row.moe, "Flagged": row.flagged,
        "Chat Template": row.chat_template, "CO₂ cost (kg)": row.co2_kg,
        "Merged": row.merged, "Official Providers": row.official, "Maintainer's Highlight": row.picked,
        "Upload To Hub Date": None,
        "Submission Date": f"{row.submitted_at:%Y-%m-%d}", "Generation": row.generation,
        "Base Model": row.base_model or row.repo_id, "Suite": row.suite, "Entry": row.entry, "Job": row.job,
        "Votes": row.votes, "GPU hours": row.gpu_hours, "Flag reason": row.flag_reason,
        "Pick reason": row.pick_reason,
        "Average complete": complete, "Data deviates": deviates, "Data notice": told,
        "Params source": row.params_source, "Details": row.details_path,
    }
    average = row.average_uncertainty
    if average is not None:
        out.update({"Average SE": average.stderr, "Average 95% low": average.ci_low,
                    "Average 95% high": average.ci_high})
    for key, task in row.tasks.items():
        title = task.title or key
        out[f"{title} Raw"] = task.raw
        out[title] = task.normalized
        out.update({f"{title} {suffix}": getattr(task, name) for suffix, name in UNCERTAINTY})
    return out


def to_frame(board: Board) -> pd.DataFrame:
    cols = columns(board)
    names = [name for name, _ in cols]
    found = [contents_row(row) for row in board.rows]
    found.sort(key=lambda r: not r["Average complete"])  # incomplete averages are not ranked among complete ones
    frame = pd.DataFrame([[row.get(name) for name in names] for row in found], columns=names)
    return frame.astype(dict(cols))


def write_export(board: Board, path: str | os.PathLike, fmt: str | None = None) -> Path:
    path = Path(path)
    fmt = fmt or path.suffix.lstrip(".")
    if fmt not in FORMATS:
        raise UsageError(f"Unknown export format {fmt!r}; use one of {', '.join(FORMATS)}.")
    frame = to_frame(board)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if fmt == "parquet":
        frame.to_parquet(tmp, index=False)
    elif fmt == "csv":
        frame.to_csv(tmp, index=False)
    else:
        frame.to_json(tmp, orient="records", force_ascii=False, indent=1)
    os.replace(tmp, path)
    return path
