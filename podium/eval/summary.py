"""The readable table `podium eval` prints at the end of a run."""

from __future__ import annotations


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def summary_table(podium_block: dict) -> str:
    rows = [("task", "metric", "raw", "score", "stderr", "n", "note")]
    for score in podium_block["tasks"].values():
        note = "" if score["status"] == "ok" else score["status"]
        if score["private"]:
            note = (note + " private").strip()
        if not score["in_average"]:
            note = (note + " not in average").strip()
        stderr = None if score["stderr"] is None else score["stderr"] * 100
        rows.append((score["title"], score["metric"], _fmt(score["raw"], ".4f"), _fmt(score["normalized"], ".2f"),
                     _fmt(stderr, ".2f"), str(score["n_samples"]), note))
    if "trace" in podium_block:  # the tracing suite has columns, not an average
        complete = f"tracing suite, no average; match test against {podium_block['trace']['base']}"
    elif podium_block["average_complete"]:
        complete = "complete"
    else:
        complete = "INCOMPLETE: " + ", ".join(podium_block["missing_tasks"])
    rows.append(("Average", "", "", _fmt(podium_block["average"], ".2f"), "", "", complete))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.insert(len(lines) - 1, "  ".join("-" * w for w in widths))
    model, run = podium_block["model"], podium_block["run"]
    header = (f"{podium_block['suite_title']} ({podium_block['suite']}) | model {model['id']} | backend "
              f"{run['backend']} | {run['dtype']} | limit {run['limit']} | {run['wall_seconds']:.1f} s")
    errors = [f"  {s['title']}: {s['error']}" for s in podium_block["tasks"].values() if s["error"]]
    return "\n".join([header, *lines, *(["", "Unavailable tasks:", *errors] if errors else [])])
