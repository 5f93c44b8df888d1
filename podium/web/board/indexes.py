"""The indexes a board snapshot answers filters from, built from its rows or patched for a few.

A change to a few entries (a new result, a flag, a vote) patches them: the sets that lose or
gain an entry are copied and edited, the others shared with the previous snapshot, which
readers may still hold and must see unchanged.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

VALUED = ("type", "precision")  # column -> value -> entries
SETS = {"merged": lambda r: r["merged"], "moe": lambda r: r["moe"], "flagged": lambda r: r["flagged"],
        "unavailable": lambda r: not r["available"], "official": lambda r: r["official"],
        "picked": lambda r: r["picked"], "incomplete": lambda r: not r["complete"]}


@dataclass(frozen=True)
class Indexes:
    names: dict[int, tuple[int, str, str]]  # entry -> (entry, model, model lowercased): what search terms scan
    by_value: dict[str, dict[str, set[int]]]
    sets: dict[str, set[int]]
    by_params: list[tuple[float, int]]  # (params, entry), sorted: ranges by bisection


def _name(row: dict) -> tuple[int, str, str]:
    return row["id"], row["model"], row["model"].lower()


def build(rows: list[dict]) -> Indexes:
    by_value: dict[str, dict[str, set[int]]] = {key: {} for key in VALUED}
    for row in rows:
        for key in VALUED:
            by_value[key].setdefault(row[key], set()).add(row["id"])
    return Indexes({r["id"]: _name(r) for r in rows}, by_value,
                   {name: {r["id"] for r in rows if test(r)} for name, test in SETS.items()},
                   sorted((r["params"], r["id"]) for r in rows if r["params"] is not None))


def patch(old: Indexes, before: list[dict], after: list[dict]) -> Indexes:
    """`old` with the entries of `before` (their rows as indexed) replaced by the rows `after`
    (the entries that are still on the board, as they are now)."""
    touched = {r["id"] for r in before} | {r["id"] for r in after}
    by_value = {}
    for key in VALUED:
        index = dict(old.by_value[key])
        for value in {r[key] for r in before} | {r[key] for r in after}:
            index[value] = (index.get(value, set()) - touched) | {r["id"] for r in after if r[key] == value}
            if not index[value]:
                del index[value]
        by_value[key] = index
    sets = {}
    for name, test in SETS.items():
        was, now = {r["id"] for r in before if test(r)}, {r["id"] for r in after if test(r)}
        sets[name] = old.sets[name] if was == now else (old.sets[name] - was) | now
    names = dict(old.names)
    for entry in touched:
        names.pop(entry, None)
    names.update((r["id"], _name(r)) for r in after)
    by_params = list(old.by_params)
    for r in before:
        if r["params"] is not None:
            del by_params[bisect.bisect_left(by_params, (r["params"], r["id"]))]
    for r in after:
        if r["params"] is not None:
            bisect.insort(by_params, (r["params"], r["id"]))
    return Indexes(names, by_value, sets, by_params)
