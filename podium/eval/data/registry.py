"""The registry of offline data sources and the context that serves them to lm-eval.

A source maps one hub dataset path (the `dataset_path` of lm-eval task configs, for
example `allenai/ai2_arc`) to a function that reads raw files under the data folder
and returns a `datasets.DatasetDict` in the hub schema. While `offline_datasets()`
is active, `datasets.load_dataset` resolves registered paths through these
sources; every file read is hashed into a `DataUsage` for provenance.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from podium.errors import DataMissingError
from podium.eval.data.cache import cached_build
from podium.stats.averages import Deviation

# build(data_dir, config_name) -> DatasetDict.  files(data_dir, config_name) -> raw files it reads.
BuildFn = Callable[[Path, "str | None"], "object"]
FilesFn = Callable[[Path, "str | None"], "list[Path]"]


@dataclass(frozen=True)
class OfflineSource:
    """How to serve one hub dataset from local files."""

    hub_path: str
    build: BuildFn
    files: FilesFn
    supply_hint: str
    """What an operator must do to supply missing files (shown in the error)."""
    differences: str = ""
    """How this offline copy differs from the leaderboard's (recorded in results, see DATA.md)."""
    deviations: tuple[Deviation, ...] = ()
    """What those differences do to a score, in short (the board's data notices); empty when the
    scored questions and prompts are the leaderboard's (a missing split no task reads, another file layout)."""
    fixture: Callable[[Path], None] | None = None
    """Writes a tiny synthetic copy of this source's raw files under a data folder, in the same
    layout, for tests and demos where the real data folder is absent."""


_REGISTRY: dict[str, OfflineSource] = {}


def register(source: OfflineSource) -> OfflineSource:
    _REGISTRY[source.hub_path] = source
    return source


def _ensure_builtin_sources() -> None:
    # Imported lazily: the sources module registers itself on import.
    import podium.eval.data.sources  # noqa: F401


def get_source(hub_path: str) -> OfflineSource | None:
    _ensure_builtin_sources()
    return _REGISTRY.get(hub_path)


def registered_sources() -> dict[str, OfflineSource]:
    _ensure_builtin_sources()
    return dict(_REGISTRY)


_hashes: dict[tuple, str] = {}


def sha256_file(path: Path) -> str:
    """The file's sha256; remembered in this process while its size, mtime and inode stay the same."""
    st = Path(path).stat()
    stamp = (str(path), st.st_size, st.st_mtime_ns, st.st_ino)
    if stamp not in _hashes:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        _hashes[stamp] = h.hexdigest()
    return _hashes[stamp]


def _relative(path: Path, root: Path) -> str:
    resolved = Path(path).resolve()
    return str(resolved.relative_to(root)) if resolved.is_relative_to(root) else str(path)


@dataclass
class DataUsage:
    """Which raw files an evaluation read (path relative to its folder -> sha256) and the known differences."""

    data_dir: Path
    files: dict[str, str] = field(default_factory=dict)
    differences: dict[str, str] = field(default_factory=dict)
    loads: list[tuple[str, str | None]] = field(default_factory=list)

    def record(self, source: OfflineSource, name: str | None, file_hashes: dict[str, str]) -> None:
        self.loads.append((source.hub_path, name))
        for rel, digest in file_hashes.items():
            self.files.setdefault(rel, digest)
        if source.differences:
            self.differences[source.hub_path] = source.differences


def load_offline(data_dir: Path, hub_path: str, name: str | None, usage: DataUsage | None = None,
                 cache_dir: Path | None = None):
    """Build the DatasetDict for (hub_path, name) from local files, or raise DataMissingError.
    Builds are kept (podium.eval.data.cache), keyed by the files' hashes; `cache_dir` also keeps them on disk."""
    source = get_source(hub_path)
    if source is None:
        raise DataMissingError(
            f"Podium has no offline copy of the hub dataset '{hub_path}'"
            + (f" (config '{name}')" if name else "")
            + f" and the data folder {data_dir} is in use.",
            hint="Run with the Hugging Face Hub reachable and no --data-dir, or add an offline source for it "
            "(see DATA.md).",
        )
    needed = source.files(data_dir, name)
    missing = [p for p in needed if not Path(p).exists()]
    if missing or not needed:
        shown = ", ".join(str(p) for p in missing) or f"files for config '{name}'"
        raise DataMissingError(
            f"The data for '{hub_path}'" + (f" (config '{name}')" if name else "") + f" is missing: {shown}.",
            hint=source.supply_hint,
        )
    root = Path(data_dir).resolve()
    hashes = {_relative(p, root): sha256_file(Path(p)) for p in needed}
    dataset = cached_build(hub_path, name, hashes, lambda: source.build(data_dir, name), source.build, cache_dir)
    if usage is not None:
        usage.record(source, name, hashes)
    return dataset


load_dataset_lock = threading.Lock()
"""Held while `datasets.load_dataset` is replaced (here and by the hub's serving in `origins`)."""


@contextlib.contextmanager
def offline_datasets(data_dir: Path | str, usage: DataUsage | None = None,
                     cache_dir: Path | None = None) -> Iterator[DataUsage]:
    """Serve `datasets.load_dataset(path, name)` from `data_dir` for the duration of the block.

    Unregistered paths raise `DataMissingError` instead of reaching for the network, so an
    offline run never hangs on the hub.
    """
    import datasets

    data_dir = Path(data_dir).resolve()
    usage = usage or DataUsage(data_dir=data_dir)
    original = datasets.load_dataset

    def load_dataset(path=None, name=None, *args, **kwargs):
        return load_offline(data_dir, path, name, usage, cache_dir)

    with load_dataset_lock:
        datasets.load_dataset = load_dataset
        try:
            yield usage
        finally:
            datasets.load_dataset = original
