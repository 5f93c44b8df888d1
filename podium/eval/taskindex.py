"""lm-eval's task index, built once per installation instead of once per process.

`lm_eval.tasks.TaskManager` parses every task YAML it can find (about 14,000) when it is
constructed, only to learn each task's name, kind, file and tags: seconds of every run,
worker job and test. That index depends on nothing but the installed lm-eval and Podium's
own task folder, so it is stored as JSON under the cache folder (`PODIUM_CACHE_DIR`), keyed
by lm-eval's version and install path and a hash of every file in Podium's task folder, and
later processes read it in milliseconds. Tasks themselves are still built by lm-eval from
their YAML files, so a cached index builds exactly the tasks a fresh one does.

The entries' parsed configs (`Entry.cfg`) are not stored: lm-eval reads a config from the
entry's YAML file whenever it has one, and every indexed task or group has one (tags have
no config at all).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
from collections import defaultdict
from importlib import metadata
from pathlib import Path

from podium.eval.tasks import TASKS_DIR
from podium.settings import EnvSettings, current

log = logging.getLogger(__name__)
INDEX_FORMAT = 1


def index_key(tasks_dir: Path = TASKS_DIR) -> str:
    """What the index depends on: lm-eval's version and location, and Podium's task files."""
    import lm_eval

    h = hashlib.sha256(f"{INDEX_FORMAT}\0{metadata.version('lm_eval')}\0{Path(lm_eval.__file__).parent}".encode())
    for path in sorted(p for p in tasks_dir.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(f"\0{path.relative_to(tasks_dir).as_posix()}\0".encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _to_json(index: dict) -> dict:
    return {name: {"kind": e.kind.name, "path": str(e.yaml_path) if e.yaml_path else None, "tags": sorted(e.tags)}
            for name, e in index.items()}


def _from_json(stored: dict) -> dict:
    from lm_eval.tasks._index import Entry, Kind

    return {name: Entry(name=name, kind=Kind[e["kind"]], yaml_path=Path(e["path"]) if e["path"] else None,
                        tags=set(e["tags"]))
            for name, e in stored.items()}


def _indexed_manager(index: dict, include_path: Path):
    """A TaskManager over a ready index: lm-eval's constructor walks no folder (`include_defaults=False`,
    no paths), then receives the index and derives its name lists exactly as lm-eval's own does."""
    from lm_eval.tasks import TaskManager
    from lm_eval.tasks._index import Kind

    manager = TaskManager(include_defaults=False)
    manager.include_path = str(include_path)
    manager._index = index
    buckets = defaultdict(list)
    for name, entry in index.items():
        buckets[entry.kind].append(name)
    manager._all_tasks = sorted(index)
    manager._all_subtasks = sorted(buckets[Kind.TASK] + buckets[Kind.PY_TASK])
    manager._all_groups = sorted(buckets[Kind.GROUP])
    manager._all_tags = sorted(buckets[Kind.TAG])
    return manager


def build_task_manager(cache_dir: Path | None, tasks_dir: Path = TASKS_DIR):
    """lm-eval's TaskManager over its stock tasks and Podium's, from the stored index when there is
    one for this installation; otherwise indexed as lm-eval does and stored (when `cache_dir` is given)."""
    from lm_eval.tasks import TaskManager

    if cache_dir is None:
        return TaskManager(include_path=str(tasks_dir))
    stored = Path(cache_dir) / f"task-index-{index_key(tasks_dir)[:32]}.json"
    if stored.is_file():
        return _indexed_manager(_from_json(json.loads(stored.read_text(encoding="utf-8"))), tasks_dir)
    manager = TaskManager(include_path=str(tasks_dir))
    try:
        stored.parent.mkdir(parents=True, exist_ok=True)
        tmp = stored.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(_to_json(manager.task_index)), encoding="utf-8")
        os.replace(tmp, stored)  # atomic: concurrent workers each write a whole file
    except OSError as err:  # a read-only cache folder costs speed, not correctness
        log.warning("Could not store lm-eval's task index in %s: %s", stored.parent, err)
    return manager


@functools.lru_cache(maxsize=1)
def _process_task_manager(cache_dir: Path | None):
    return build_task_manager(cache_dir)


def task_manager(env: EnvSettings | None = None):
    """The task manager of this process (built or read once per process and cache folder)."""
    return _process_task_manager((env or current()).cache)
