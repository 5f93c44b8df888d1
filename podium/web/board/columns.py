"""The board's columns: fixed ones, one per task of the suite, and optional ones for the picker.

Column keys are what the URL, the API and the CSV use (`sort=params`, `cols=license,co2`).
The rank range sits beside the rank and hides like an optional column. `search` columns can be
filtered with `@key:value` in the search box; `exact` ones compare the whole value (so
@precision:float16 does not match bfloat16).
"""

from __future__ import annotations

from dataclasses import dataclass

from podium.eval.spec import TaskSpec


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: str  # text | number | bool | date
    optional: bool = True
    shown: bool = False  # shown by default (optional columns only)
    search: bool = False
    exact: bool = False
    about: str = ""


FIXED = (
    Column("rank", "#", "number", optional=False),
    Column("type", "T", "text", optional=False, search=True, exact=True, about="model type"),
    Column("model", "Model", "text", optional=False),
    Column("average", "Average", "number", optional=False),
)
OPTIONAL = (
    Column("architecture", "Architecture", "text", search=True),
    Column("precision", "Precision", "text", shown=True, search=True, exact=True),
    Column("params", "#Params (B)", "number", shown=True),
    Column("license", "License", "text", search=True),
    Column("likes", "Hub ❤️", "number", about="not known offline"),
    Column("chat_template", "Chat template", "bool"),
    Column("submitted", "Submitted", "date"),
    Column("uploaded", "Uploaded", "date", about="not known offline"),
    Column("base_model", "Base model", "text", search=True),
    Column("generation", "Generation", "number"),
    Column("co2", "CO₂ (kg)", "number"),
    Column("moe", "MoE", "bool"),
    Column("merged", "Merged", "bool"),
    Column("flagged", "Flagged", "bool"),
    Column("official", "Official provider", "bool"),
    Column("picked", "Maintainer's pick", "bool", about="⭐ hand-picked by the maintainers"),
    Column("available", "Available", "bool"),
    Column("org", "Organisation", "text", search=True),
    Column("votes", "Votes", "number"),
)
RANK_RANGE = Column(
    "rank_interval", "Rank range", "range", shown=True,
    about="The ranks consistent with the data: with 95% probability every model's true rank lies in its range at "
          "once (ranks on the whole board, complete averages only)")
SEARCH_ALIASES = {"base": "base_model", "arch": "architecture"}


def task_columns(tasks: tuple[TaskSpec, ...]) -> tuple[Column, ...]:
    return tuple(Column(t.key, t.title, "number", optional=False, about=t.about) for t in tasks)


def all_columns(tasks: tuple[TaskSpec, ...]) -> dict[str, Column]:
    columns = {c.key: c for c in (FIXED[0], RANK_RANGE, *FIXED[1:], *task_columns(tasks), *OPTIONAL)}
    assert len(columns) == len(FIXED) + 1 + len(tasks) + len(OPTIONAL), "a task key collides with a column key"
    return columns


def search_fields() -> dict[str, str]:
    """@name -> column key, for every name the search box accepts."""
    fields = {c.key: c.key for c in (*FIXED, *OPTIONAL) if c.search}
    return {**fields, **SEARCH_ALIASES}


def exact_fields() -> set[str]:
    return {name for name, key in search_fields().items() if any(c.key == key and c.exact for c in (*FIXED, *OPTIONAL))}
