"""Agreement, document by document, and the result file's agreement with its own details.

A document agrees when its re-run has the same document and prompt, every log-likelihood within
the tolerance, the same greedy flags, the same generation and filtered answers, and the same
metric values (numbers within the tolerance). Independently of any re-run, the result file must
agree with its details: each task's mean-aggregated metric in lm-eval's results is the mean of
its documents' values, and each Podium score is what the suite's rules make of those results.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from podium.eval.normalize import suite_average
from podium.eval.scoring import score_task
from podium.eval.versions import config_differences
from podium.record import RunRecord

EXACT = 1e-9
"""How close a recomputed aggregate must be to the recorded one (floating-point summation order only)."""
SHOWN_TEXT = 60


@dataclass(frozen=True)
class Finding:
    task: str
    doc_id: int | None
    """None: the finding is about the task or the result file as a whole."""
    what: str

    def line(self) -> str:
        where = self.task if self.doc_id is None else f"{self.task} doc {self.doc_id}"
        return f"{where}: {self.what}"


@dataclass
class Report:
    compared: dict[str, int] = field(default_factory=dict)
    """lm-eval task -> documents re-run and compared."""
    findings: list[Finding] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return not self.findings

    def disagreeing(self, task: str) -> int:
        return len({f.doc_id for f in self.findings if f.task == task and f.doc_id is not None})


def _short(text) -> str:
    text = repr(text)
    return text if len(text) <= SHOWN_TEXT else text[:SHOWN_TEXT] + "…"


def _close(a, b, tolerance: float) -> bool:
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return a == b
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= tolerance


def row_differences(old: dict, new: dict, tolerance: float) -> list[str]:
    """What differs between a document's recorded and re-run details row (empty: they agree)."""
    found = [f"its {label} differs" for name, label in (("doc_hash", "document"), ("prompt_hash", "prompt"))
             if old.get(name) != new.get(name)]
    for name in ("target", "choices", "is_greedy"):
        if old.get(name) != new.get(name):
            found.append(f"{name}: recorded {_short(old.get(name))}, re-run {_short(new.get(name))}")
    old_ll, new_ll = list(old.get("loglikelihoods") or []), list(new.get("loglikelihoods") or [])
    if len(old_ll) != len(new_ll):
        found.append(f"{len(old_ll)} log-likelihoods recorded, {len(new_ll)} re-run")
    for i, (a, b) in enumerate(zip(old_ll, new_ll)):
        if not _close(a, b, tolerance):
            found.append(f"log-likelihood of choice {i}: recorded {a:.6f}, re-run {b:.6f}")
    if old.get("generation") != new.get("generation"):
        found.append(f"generation: recorded {_short(old.get('generation'))}, re-run {_short(new.get('generation'))}")
    elif old.get("generation") is not None and old.get("filtered") != new.get("filtered"):
        found.append(f"filtered answer: recorded {_short(old.get('filtered'))}, re-run {_short(new.get('filtered'))}")
    old_m, new_m = json.loads(old.get("metrics") or "{}"), json.loads(new.get("metrics") or "{}")
    for name in sorted(set(old_m) | set(new_m)):
        if not _close(old_m.get(name), new_m.get(name), tolerance):
            found.append(f"{name}: recorded {_short(old_m.get(name))}, re-run {_short(new_m.get(name))}")
    return found


def compare_task(task: str, recorded: list[dict], fresh: list[dict], chosen: list[int], tolerance: float,
                 report: Report) -> None:
    """Compare the chosen documents of one task, one finding per disagreeing document."""
    by_doc_old: dict[int, dict] = {}
    by_doc_new: dict[int, dict] = {}
    for rows, into in ((recorded, by_doc_old), (fresh, by_doc_new)):
        for row in rows:
            into.setdefault(int(row["doc_id"]), {})[row.get("filter")] = row
    for doc in chosen:
        old, new = by_doc_old.get(doc, {}), by_doc_new.get(doc, {})
        found = []
        for filt in sorted(set(old) | set(new), key=str):
            if filt not in new or filt not in old:
                found.append(f"filter {filt}: {'not re-run' if filt not in new else 'not recorded'}")
                continue
            prefix = f"[{filt}] " if len(old) > 1 else ""
            found += [prefix + text for text in row_differences(old[filt], new[filt], tolerance)]
        if found:
            report.findings.append(Finding(task, doc, "; ".join(found)))
    report.compared[task] = len(chosen)


def config_findings(recorded: dict, fresh: dict) -> list[Finding]:
    """Tasks whose resolved lm-eval config now differs (another prompt, metric or setting)."""
    return [Finding(task, None, f"lm-eval's task config differs from the recorded one in: {', '.join(keys)}")
            for task in sorted(set(recorded) & set(fresh)) if (keys := config_differences(recorded[task], fresh[task]))]


def data_findings(recorded: dict[str, str], read: dict[str, str]) -> list[Finding]:
    """Data files the re-run read that the result does not record with the same content."""
    return [Finding("data", None, f"the re-run read {rel}, which the result does not record with this content")
            for rel, digest in sorted(read.items()) if recorded.get(rel) != digest]


def _mean_metrics(config: dict) -> list[str]:
    return [m["metric"] for m in config.get("metric_list") or [] if m.get("aggregation") == "mean"
            and isinstance(m.get("metric"), str)]


def details_findings(lm_eval: dict, recorded: dict[str, list[dict]]) -> list[Finding]:
    """Each task's mean-aggregated metrics in lm-eval's results against the mean of its documents' values."""
    found = []
    results, configs = lm_eval.get("results") or {}, lm_eval.get("configs") or {}
    for task, rows in sorted(recorded.items()):
        for metric in _mean_metrics(configs.get(task) or {}):
            for filt in sorted({row.get("filter") for row in rows}, key=str):
                values = [json.loads(row.get("metrics") or "{}").get(metric)
                          for row in rows if row.get("filter") == filt]
                stated = (results.get(task) or {}).get(f"{metric},{filt}")
                numbers = values and all(isinstance(v, (int, float)) for v in values)
                if not numbers or not isinstance(stated, (int, float)):
                    continue
                mean = math.fsum(values) / len(values)
                if abs(mean - stated) > EXACT:
                    found.append(Finding(task, None, f"results.json gives {metric},{filt} = {stated:.6f}, but its "
                                         f"{len(values)} documents' values in the details average {mean:.6f}"))
    return found


def score_findings(record: RunRecord, lm_eval: dict, suite) -> list[Finding]:
    """Each Podium score against what the suite's rules make of lm-eval's results, and the average."""
    found = []
    for spec in suite.tasks:
        score = record.tasks.get(spec.key)
        if score is None or not score.ok:
            continue
        try:
            again = score_task(spec, lm_eval)
        except KeyError as err:
            found.append(Finding(spec.key, None, f"lm-eval's results lack what the score is made of ({err})"))
            continue
        for name in ("raw", "normalized"):
            stated, derived = getattr(score, name), getattr(again, name)
            if not _close(stated, derived, EXACT):
                found.append(Finding(spec.key, None, f"results.json gives the {name} score {stated}, lm-eval's "
                                     f"results in the same file make it {derived}"))
    average, _ = suite_average({k: s.normalized for k, s in record.tasks.items() if s.in_average})
    if not _close(record.average, average, EXACT):
        found.append(Finding("average", None,
                             f"results.json gives {record.average}, its task scores average {average}"))
    return found
