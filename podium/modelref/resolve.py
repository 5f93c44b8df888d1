"""Where a model reference points, and how its files are identified.

One order for every caller: an id `org/name` found in the local model mirror is the mirror's
copy; otherwise an existing folder is itself (only where raw paths are allowed: the CLI's
`eval` and `trace`, operators on the platform); otherwise an id is a Hugging Face Hub model,
unless the hub is switched off (HF_HUB_OFFLINE=1), when it is an error at once. Local files
(folder or mirror) are identified by a content hash, which is also the only commit sha they
can be asked for; hub models by revision (pinned to a commit by the platform).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from podium.errors import ModelLoadError, UsageError
from podium.modelref.grammar import REPO_ID_HINT, REVISION_HINT, is_commit_sha, is_repo_id, is_revision
from podium.settings import EnvSettings, current

SOURCES = ("mirror", "hub", "path")


class BadRevision(UsageError):
    """The revision breaks the grammar, or names a commit the local copy is not."""


class ModelNotFound(ModelLoadError):
    """No folder, no mirror entry, and no hub to ask (or not an id at all)."""


@dataclass(frozen=True)
class ModelRef:
    """A resolved model: where its files are and how it is identified in results."""

    name: str
    """What was asked for (an id or a path)."""
    load_path: str
    """What transformers loads: a local folder or the hub id."""
    source: str  # one of SOURCES
    revision: str | None
    """As asked (validated); for the hub, `main` when none was asked."""
    content_hash: str | None
    """sha256 of the local files; None for the hub."""

    @property
    def is_local(self) -> bool:
        return self.source != "hub"

    @property
    def hub_kwargs(self) -> dict:
        """What from_pretrained needs besides the path: the revision, for hub models only."""
        return {"revision": self.revision} if self.source == "hub" and self.revision else {}

    def as_dict(self) -> dict:
        return {"id": self.name, "path": self.load_path, "source": self.source, "revision": self.revision,
                "content_hash": self.content_hash}


def check_revision(revision: str | None) -> str | None:
    if revision is not None and not is_revision(revision):
        raise BadRevision(f"{revision[:140]!r} is not a valid revision.", hint=REVISION_HINT)
    return revision


def content_hash(folder: Path) -> str:
    """sha256 over the names and bytes of the files that determine the model's outputs."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        if path.suffix in {".md"} or path.name == "LICENSE":
            continue
        h.update(str(path.relative_to(folder)).encode())
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def _local(name: str, folder: Path, source: str, revision: str | None) -> ModelRef:
    sha = content_hash(folder)
    if revision and is_commit_sha(revision) and revision != sha:
        raise BadRevision(
            f"Revision {revision} of {name} is not available here: the local copy holds content hash {sha}.",
            hint="Ask for no revision (or a branch name) to use the local copy.",
        )
    return ModelRef(name, str(folder), source, revision, sha)


def resolve(name: str, revision: str | None = None, *, allow_paths: bool = True,
            env: EnvSettings | None = None) -> ModelRef:
    """Find the model; raises BadRevision or ModelNotFound (with what to do)."""
    revision = check_revision(revision)
    env = env or current()
    if is_repo_id(name) and (env.models / name).is_dir():
        return _local(name, (env.models / name).resolve(), "mirror", revision)
    path = Path(name).expanduser()
    if allow_paths and path.is_dir():
        return _local(name, path.resolve(), "path", revision)
    if is_repo_id(name):
        if env.hub_offline:
            raise ModelNotFound(
                f"Model {name} was not found: it is not in the local model mirror ({env.models / name}) and the "
                "Hugging Face Hub is switched off (HF_HUB_OFFLINE=1).",
                hint="Put the model files in that folder" + (", or give a local folder." if allow_paths else "."))
        return ModelRef(name, name, "hub", revision or "main", None)
    if not allow_paths:
        raise ModelNotFound(f"{name[:120]!r} is not a model id of the form org/name.",
                            hint="Raw filesystem paths are accepted from operators only.")
    if path.suffix or os.sep in name or name.startswith("."):
        raise ModelNotFound(f"Model folder '{name}' does not exist.", hint="Check the path, or give a hub id org/name.")
    raise ModelNotFound(f"'{name}' is neither a model folder nor a hub id of the form org/name.", hint=REPO_ID_HINT)
