"""Where each task's data comes from: the hub, the data folder, or the operator's private files.

One deployment runs some tasks from the Hugging Face Hub, others from the shared data folder and
the private Korean sets from the operator's own files. `PODIUM_DATA_SOURCES` names the source of
each task (`ifeval=hub,ko_arc_challenge=private:/srv/ko,bbh=folder`; `*=...` sets the default);
a task it does not name reads the data folder when one is in use, else the hub. A task whose
source cannot serve it (no data folder, private files absent, hub switched off or unreachable) is
reported unavailable with the reason, and the other tasks still run.

The result records each task's source by kind and a public label only: the private folder's
path never leaves the server.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from podium.errors import DataMissingError, UsageError
from podium.eval.data.registry import DataUsage, load_dataset_lock, offline_datasets

Kind = Literal["hub", "folder", "private"]
LABELS = {"hub": "Hugging Face Hub", "folder": "data folder", "private": "private operator files"}


@dataclass(frozen=True)
class DataOrigin:
    """One task's source: its kind and, for folders, where on this server (never published)."""

    kind: Kind
    root: Path | None = None
    unavailable: str | None = None
    """Why this source cannot serve the task, known before it runs (None: try it)."""

    def public(self) -> dict:
        return {"source": self.kind, "location": LABELS[self.kind]}


@dataclass
class TaskData:
    """What one task read: its origin, and the files (relative path -> sha256) or hub datasets."""

    origin: DataOrigin
    usage: DataUsage | None = None
    hub_loads: list[tuple[str, str | None]] = field(default_factory=list)

    def record(self) -> dict:
        block = self.origin.public()
        if self.usage is not None:
            block["files"] = dict(self.usage.files)
            block["differences"] = dict(self.usage.differences)
        if self.origin.kind == "hub":
            block["datasets"] = [f"{path}:{name}" if name else path for path, name in self.hub_loads]
        return block


def parse_sources(text: str | None) -> dict[str, str]:
    """`task=source,...` -> {task: source}; malformed entries are a UsageError."""
    chosen: dict[str, str] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        task, sep, source = (part.strip() for part in item.partition("="))
        if not sep or not task or not source:
            raise UsageError(f"PODIUM_DATA_SOURCES entry '{item.strip()[:80]}' is not 'task=source'.",
                             hint="Write e.g. ifeval=hub,bbh=folder,ko_arc_challenge=private:/srv/ko.")
        if source not in ("hub", "folder") and not (source.startswith("private:") and source[8:].strip()):
            raise UsageError(f"PODIUM_DATA_SOURCES: '{source[:80]}' (task '{task}') is not a data source.",
                             hint="A source is hub, folder or private:PATH.")
        chosen[task] = source
    return chosen


def _known_names() -> set[str]:
    from podium.eval.suites import SUITES

    return {n for s in SUITES.values() for t in s.tasks for n in (t.key, t.lm_eval_task, *t.aliases)}


def _origin(source: str, task: str, data_dir: Path | None, hub_offline: bool) -> DataOrigin:
    if source == "hub":
        why = ("The Hugging Face Hub is unreachable here: it is switched off (HF_HUB_OFFLINE=1)."
               if hub_offline else None)
        return DataOrigin("hub", unavailable=why)
    if source == "folder":
        why = None if data_dir is not None else (
            f"Task '{task}' is set to read the data folder, but no data folder is in use "
            "(set --data-dir or PODIUM_DATA_DIR).")
        return DataOrigin("folder", root=data_dir, unavailable=why)
    root = Path(source[len("private:"):].strip()).expanduser().resolve()
    why = None if root.is_dir() else (
        f"The private data files configured for task '{task}' (PODIUM_DATA_SOURCES) are not on this server.")
    return DataOrigin("private", root=root, unavailable=why)


def plan_origins(specs, text: str | None, data_dir: Path | None, hub_offline: bool) -> dict[str, DataOrigin]:
    """Each spec's origin (by spec key): its own entry in `text` (key, alias or lm-eval name), else `*`,
    else the data folder when one is in use, else the hub."""
    chosen = parse_sources(text)
    unknown = sorted(set(chosen) - _known_names() - {"*"})
    if unknown:
        raise UsageError(f"PODIUM_DATA_SOURCES names no known task: {', '.join(u[:60] for u in unknown)}.",
                         hint="Use task keys such as ifeval, bbh, ko_arc_challenge (see the suites).")
    default = chosen.get("*") or ("folder" if data_dir is not None else "hub")
    plan = {}
    for spec in specs:
        named = next((chosen[n] for n in (spec.key, *spec.aliases, spec.lm_eval_task) if n in chosen), default)
        plan[spec.key] = _origin(named, spec.key, data_dir, hub_offline)
    return plan


@contextlib.contextmanager
def hub_datasets(loads: list) -> Iterator[None]:
    """Let `datasets.load_dataset` reach the hub for the block; a failure to get there (network,
    missing or gated dataset) becomes a DataMissingError with the library's reason."""
    import datasets
    from datasets.exceptions import DatasetNotFoundError
    from huggingface_hub.errors import HfHubHTTPError

    original = datasets.load_dataset

    def load_dataset(path=None, name=None, *args, **kwargs):
        try:
            dataset = original(path, name, *args, **kwargs)
        except (OSError, DatasetNotFoundError, HfHubHTTPError) as err:
            raise DataMissingError(
                f"The hub dataset '{path}'" + (f" (config '{name}')" if name else "")
                + f" could not be loaded: {type(err).__name__}: {str(err)[:300]}",
                hint="Check the network and the dataset's access terms, or set this task's source to the "
                "data folder (PODIUM_DATA_SOURCES, see DATA.md).") from None
        loads.append((path, name))
        return dataset

    with load_dataset_lock:
        datasets.load_dataset = load_dataset
        try:
            yield
        finally:
            datasets.load_dataset = original


@contextlib.contextmanager
def serving(origin: DataOrigin, cache_dir: Path | None) -> Iterator[TaskData]:
    """Serve `datasets.load_dataset` from `origin` for one task run; yields what it read."""
    if origin.unavailable:
        raise DataMissingError(origin.unavailable)
    if origin.kind == "hub":
        taken = TaskData(origin)
        with hub_datasets(taken.hub_loads):
            yield taken
        return
    taken = TaskData(origin, usage=DataUsage(data_dir=origin.root))
    with offline_datasets(origin.root, taken.usage, cache_dir):
        yield taken


class DataPlan:
    """The origins of one run's tasks, and what each task read: the runner's one handle on data."""

    def __init__(self, origins: dict[str, DataOrigin], data_dir: Path | None, cache_dir: Path | None):
        self.origins, self.data_dir, self.cache_dir = origins, data_dir, cache_dir
        self.taken: dict[str, TaskData] = {}

    @classmethod
    def for_run(cls, specs, text: str | None, data_dir: Path | None, env) -> DataPlan:
        """`text`: the run's own `task=source` list, else PODIUM_DATA_SOURCES."""
        origins = plan_origins(specs, text if text is not None else env.data_sources, data_dir, env.hub_offline)
        return cls(origins, data_dir, env.cache)

    @property
    def needs_hub(self) -> bool:
        return any(o.kind == "hub" and not o.unavailable for o in self.origins.values())

    @contextlib.contextmanager
    def serving(self, members) -> Iterator[None]:
        """Serve the data of one lm-eval run (specs reading the same run share one origin)."""
        origins = {self.origins[m.key] for m in members}
        if len(origins) > 1:
            raise UsageError(f"Tasks {', '.join(m.key for m in members)} read one lm-eval run, so they need one "
                             "data source.", hint="Give them the same source in PODIUM_DATA_SOURCES.")
        with serving(origins.pop(), self.cache_dir) as taken:
            for member in members:
                self.taken[member.key] = taken
            yield

    def block(self) -> dict:
        """The result's data provenance: the data folder's files as before, and each task's source."""
        folder = [t for t in self.taken.values() if t.origin.kind == "folder"]
        offline = [t for t in self.taken.values() if t.usage is not None]
        kinds = {"hub" if o.kind == "hub" else "offline" for o in self.origins.values()}
        return {
            "mode": kinds.pop() if len(kinds) == 1 else "mixed",
            "dir": str(self.data_dir) if self.data_dir is not None else None,
            "files": {rel: digest for t in folder for rel, digest in t.usage.files.items()},
            "differences": {k: v for t in offline for k, v in t.usage.differences.items()},
            "tasks": {key: (self.taken[key].record() if key in self.taken else origin.public())
                      for key, origin in self.origins.items()},
        }
