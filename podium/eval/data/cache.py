"""Built offline datasets, kept so a run does not rebuild them from raw files.

Building a hub-schema dataset means reading and converting every raw file (12,500 problem
files for MATH, a 12,000-question archive for MMLU-Pro) in every process, and again for every
subtask that reads the same dataset (MuSR's three). A build depends only on the raw files and
the code that converts them, so it is stored (Arrow, `datasets`' own format) under the cache
folder, keyed by the files' sha256 (computed anyway for provenance), the converting module's
source and the `datasets` version; a changed file, source or library is a new key. Within a
process the last build of each dataset is also kept in memory. Datasets are read back into
memory, so lm-eval's `map` calls behave as on a fresh build (nothing cached on disk by them).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)
_memory: dict[tuple[str, str | None], tuple[str, object]] = {}
_lock = threading.Lock()


def _module_source(build: Callable) -> bytes:
    """The source of the module that converts the files, and of the shared readers it uses."""
    from podium.eval.data.sources import _io

    module = inspect.getmodule(build)
    return b"".join(Path(inspect.getfile(m)).read_bytes() for m in (module, _io) if m is not None)


def build_key(hub_path: str, name: str | None, file_hashes: dict[str, str], build: Callable) -> str:
    import datasets

    h = hashlib.sha256(json.dumps([hub_path, name, sorted(file_hashes.items()), datasets.__version__]).encode())
    h.update(_module_source(build))
    return h.hexdigest()


def _folder(cache_dir: Path, hub_path: str, name: str | None) -> Path:
    return cache_dir / "datasets" / f"{hub_path.replace('/', '--')}--{name or 'default'}"


def cached_build(hub_path: str, name: str | None, file_hashes: dict[str, str], build: Callable[[], object],
                 builder: Callable, cache_dir: Path | None):
    """`build()`'s DatasetDict, from memory or the cache folder when the key matches, else built and stored."""
    from datasets import load_from_disk

    key = build_key(hub_path, name, file_hashes, builder)
    with _lock:
        held = _memory.get((hub_path, name))
    if held is not None and held[0] == key:
        return type(held[1])(held[1])  # a new dict of the same (immutable) splits: a task may replace a split
    stored = _folder(cache_dir, hub_path, name) / key[:32] if cache_dir is not None else None
    if stored is not None and (stored / "dataset_dict.json").is_file():
        dataset = load_from_disk(str(stored), keep_in_memory=True)
    else:
        dataset = build()
        if stored is not None:
            _store(dataset, stored)
    with _lock:
        _memory[(hub_path, name)] = (key, dataset)
    return dataset


def _store(dataset, stored: Path) -> None:
    """Write next to the final folder, then rename: concurrent processes never read half a dataset.
    Older builds of the same dataset are removed."""
    from datasets.utils.tqdm import are_progress_bars_disabled, disable_progress_bars, enable_progress_bars

    tmp = stored.with_name(f"{stored.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    shown = not are_progress_bars_disabled()
    try:
        disable_progress_bars()  # a cache write is not the user's business
        dataset.save_to_disk(str(tmp))
        os.replace(tmp, stored)
    except OSError as err:
        shutil.rmtree(tmp, ignore_errors=True)
        if not (stored / "dataset_dict.json").is_file():  # else another process stored it first
            # A read-only or full cache folder costs speed, not correctness.
            log.warning("Could not store the built dataset in %s: %s", stored, err)
        return
    finally:
        if shown:
            enable_progress_bars()
    for old in stored.parent.iterdir():
        if old != stored and not old.name.endswith(".tmp"):
            shutil.rmtree(old, ignore_errors=True)


def clear_memory() -> None:
    """Forget the in-process builds (tests compare a cold build with a cached one)."""
    with _lock:
        _memory.clear()
