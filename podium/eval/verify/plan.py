"""What `podium verify` re-runs, and the checks that must pass before anything runs.

The result folder's run record names the model (id, load path, content hash or hub revision,
overlay and its base), the run settings and the sha256 of every data file read. A model whose
files hash to something else, or a data file that differs or is gone, is refused with the
reason: agreement on other inputs would prove nothing.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from podium import paths
from podium.errors import ModelLoadError, PodiumError, UsageError
from podium.eval.details import read_details
from podium.eval.provenance import SEEDS
from podium.eval.spec import SuiteSpec
from podium.eval.suites import get_suite
from podium.modelref import ModelRef, resolve
from podium.record import RecordError, RunRecord

SHOWN_FILES = 5


class VerifyRefused(PodiumError):
    """The result cannot be verified here: its model or data files are not the ones it was computed on."""

    kind = "verify_refused"


@dataclass(frozen=True)
class VerifyOptions:
    result_dir: Path
    per_task: int = 50
    """Documents sampled per lm-eval task (each details file)."""
    everything: bool = False
    seed: int = 0
    tolerance: float = 1e-4
    """Largest accepted difference of a log-likelihood or a numeric metric value."""
    data_dir: Path | None = None
    """Where the data files are, when not in the recorded folder."""
    model: str | None = None
    """Where the model's files are, when not where recorded (its content hash is still checked)."""


@dataclass(frozen=True)
class Plan:
    options: VerifyOptions
    record: RunRecord
    lm_eval: dict
    """lm-eval's own blocks of results.json (configs, results, group_subtasks, ...)."""
    suite: SuiteSpec
    ref: ModelRef
    data: Path | None
    recorded: dict[str, list[dict]]
    """lm-eval task -> its details rows, as recorded."""
    chosen: dict[str, list[int]]
    """lm-eval task -> the sampled document ids."""


def load_result(folder: Path) -> tuple[RunRecord, dict]:
    results = folder / "results.json"
    if not results.is_file():
        raise UsageError(f"{folder} holds no results.json.", hint="Give the output folder of `podium eval`.")
    try:
        data = json.loads(results.read_text())
    except json.JSONDecodeError as err:
        raise UsageError(f"{results} is not JSON ({err.msg}, line {err.lineno}).") from None
    if not isinstance(data, dict) or "podium" not in data:
        raise RecordError(f"{results} has no `podium` block: it was not written by `podium eval`.")
    return RunRecord.from_json(data["podium"], f"{results}'s `podium` block"), {k: v for k, v in data.items()
                                                                              if k != "podium"}


def check_model(record: RunRecord, override: str | None) -> ModelRef:
    """The recorded model, found where it was (or at `override`), with the same files."""
    model = record.provenance.model
    if model.source == "hub" and override is None:
        return resolve(model.id, model.revision)
    tried: list[str] = []
    for name in dict.fromkeys(n for n in (override, model.id, model.path) if n):
        try:
            ref = resolve(name)
        except ModelLoadError as err:
            tried.append(err.message)
            continue
        if ref.content_hash != model.content_hash:
            raise VerifyRefused(
                f"The model's files changed: {ref.load_path} hashes to {(ref.content_hash or 'nothing')[:12]}, the "
                f"result was computed on files hashing to {(model.content_hash or 'unknown')[:12]}.",
                hint="Point --model at the model's files as they were evaluated.")
        return ref
    raise VerifyRefused(f"The model {model.id} was not found: {' '.join(tried)}",
                        hint="Point --model at the model's files (their content hash is checked).")


def check_data(record: RunRecord, override: Path | None) -> Path | None:
    """The data folder, with every recorded file present and unchanged (None: the data came from the hub)."""
    from podium.eval.data.registry import sha256_file

    data = record.provenance.data
    if data.mode == "hub" and override is None:
        return None
    recorded_dir = Path(data.dir) if data.dir else None
    folder = override or (recorded_dir if recorded_dir and recorded_dir.is_dir() else paths.data_dir())
    if folder is None or not Path(folder).is_dir():
        raise VerifyRefused(f"The data folder {override or data.dir} is not here.",
                            hint="Point --data-dir at the data the result was computed on.")
    folder = Path(folder)
    differ = [f"{rel} ({'missing' if not (folder / rel).is_file() else 'changed'})"
              for rel, digest in sorted(data.files.items())
              if not (folder / rel).is_file() or sha256_file(folder / rel) != digest]
    if differ:
        more = f" and {len(differ) - SHOWN_FILES} more" if len(differ) > SHOWN_FILES else ""
        raise VerifyRefused(
            f"{len(differ)} of the {len(data.files)} data files in {folder} differ from the ones the result was "
            f"computed on: {', '.join(differ[:SHOWN_FILES])}{more}.",
            hint="Point --data-dir at the data as it was (compare with the entry's data-files.sha256), or evaluate "
            "anew on this data.")
    return folder


def sample(doc_ids: list[int], per_task: int, everything: bool, seed: int, task: str) -> list[int]:
    """The documents to re-run: all, or `per_task` of them drawn with a generator seeded by (seed, task)."""
    unique = sorted(set(doc_ids))
    if everything or len(unique) <= per_task:
        return unique
    return sorted(random.Random(f"{seed}:{task}").sample(unique, per_task))


def make_plan(options: VerifyOptions) -> Plan:
    if options.per_task < 1:
        raise UsageError(f"--per-task must be at least 1, got {options.per_task}.")
    if not options.tolerance >= 0:
        raise UsageError(f"--tolerance must be zero or more, got {options.tolerance}.")
    folder = Path(options.result_dir)
    record, lm_eval = load_result(folder)
    suite = get_suite(record.suite)
    if suite.kind.name != "lm-eval":
        raise UsageError(f"`podium verify` re-runs lm-eval suites; {record.suite} is a {record.kind} suite.")
    lm_eval_seeds = {key: record.provenance.run.seeds.get(key) for key in SEEDS}  # not the error bars' seed
    if lm_eval_seeds != SEEDS:
        raise VerifyRefused(f"The result was computed with seeds {lm_eval_seeds}; this Podium "
                            f"runs lm-eval with {SEEDS}.", hint="Verify it with the Podium version that wrote it.")
    if not record.details:
        raise UsageError(f"{folder} has no per-document details to compare (private tasks keep none).")
    recorded = {}
    for task, rel in sorted(record.details.items()):
        if not (folder / rel).is_file():
            raise UsageError(f"The details file {folder / rel} named in results.json is missing.")
        recorded[task] = read_details(folder / rel)
    chosen = {task: sample([r["doc_id"] for r in rows], options.per_task, options.everything, options.seed, task)
              for task, rows in recorded.items()}
    ref = check_model(record, options.model)
    data = check_data(record, Path(options.data_dir) if options.data_dir else None)
    return Plan(options, record, lm_eval, suite, ref, data, recorded, chosen)
