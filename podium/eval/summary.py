"""The readable table `podium eval` prints at the end of a run."""

from __future__ import annotations

from podium.eval.suites import SUITES
from podium.record import RunRecord


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _average_note(record: RunRecord) -> str:
    suite = SUITES.get(record.suite)
    note = suite.kind.average_note(record) if suite else None
    if note:
        return note
    if suite and suite.compared:
        return "no average: the implementations are compared side by side"
    return "complete" if record.average_complete else "INCOMPLETE: " + ", ".join(record.missing_tasks)


def _interval(low, high) -> str:
    return "-" if low is None or high is None else f"[{low:.2f}, {high:.2f}]"


def summary_table(record: RunRecord) -> str:
    rows = [("task", "metric", "raw", "score", "stderr", "95% interval", "n", "note")]
    for score in record.tasks.values():
        note = "" if score.ok else score.status
        if score.private:
            note = (note + " private").strip()
        if not score.in_average:
            note = (note + " not in average").strip()
        # The normalized score's own SE where it was computed; else the raw SE in points (equal when the bound is 0).
        stderr = score.normalized_stderr if score.normalized_stderr is not None else (
            None if score.stderr is None else score.stderr * 100)
        rows.append((score.title, score.metric, _fmt(score.raw, ".4f"), _fmt(score.normalized, ".2f"),
                     _fmt(stderr, ".2f"), _interval(score.ci_low, score.ci_high), str(score.n_samples), note))
    average = record.average_uncertainty
    rows.append(("Average", "", "", _fmt(record.average, ".2f"), _fmt(average and average.stderr, ".2f"),
                 _interval(average and average.ci_low, average and average.ci_high), "", _average_note(record)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.insert(len(lines) - 1, "  ".join("-" * w for w in widths))
    model, run = record.provenance.model, record.provenance.run
    header = (f"{record.suite_title} ({record.suite}) | model {model.id} | backend "
              f"{run.backend} | {run.dtype} | limit {run.limit} | {run.wall_seconds:.1f} s")
    errors = [f"  {s.title}: {s.error}" for s in record.tasks.values() if s.error]
    return "\n".join([header, *lines, *(["", "Unavailable tasks:", *errors] if errors else [])])
