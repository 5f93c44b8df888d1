"""Where a submitted model lives and at which pinned revision.

Resolution is `podium.modelref.resolve` (mirror, then an operator's folder, then the Hub);
this module pins what the platform records. A local copy has no git history, so its revision
is the content hash of its files (a branch name asked of it resolves to that hash). On the Hub
a branch or tag resolves to its commit sha at submit time, and only small files (config,
tokenizer, card) are downloaded to read the model's facts; parameter counts come from the
safetensors headers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from podium.modelref.resolve import BadRevision, ModelNotFound
from podium.modelref.resolve import resolve as resolve_ref
from podium.paths import models_root
from podium.platform.errors import SubmissionRejected
from podium.platform.weights import Header, read_header

META_PATTERNS = ["*.json", "*.jinja", "*.model", "*.txt", "*.tiktoken", "*.md", "LICENSE*", "*.yml", "*.yaml"]


@dataclass
class ResolvedModel:
    repo_id: str
    org: str
    source: str  # one of podium.modelref.SOURCES
    location: str  # what the evaluator is given: a folder, or the hub id
    revision: str
    meta_dir: Path  # a local folder holding config, tokenizer files and card
    files: list[str] = field(default_factory=list)
    _hub_headers: dict[str, Header] | None = None

    def safetensors_headers(self) -> dict[str, Header]:
        """file -> tensor table, for every safetensors weight file (CorruptWeights if unreadable)."""
        if self._hub_headers is not None:
            return self._hub_headers
        return {f: read_header(self.meta_dir / f) for f in self.files if f.endswith(".safetensors")}


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _local(repo_id: str, org: str, source: str, folder: Path, sha: str) -> ResolvedModel:
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and not _hidden(p, folder))
    return ResolvedModel(repo_id, org, source, str(folder), sha, folder, files)


def _hub(repo_id: str, revision: str) -> ResolvedModel:
    from huggingface_hub import HfApi, snapshot_download
    from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError

    api = HfApi()
    try:
        info = api.model_info(repo_id, revision=revision)
        sha = info.sha
        meta_dir = Path(snapshot_download(repo_id, revision=sha, allow_patterns=META_PATTERNS))
        files = sorted(s.rfilename for s in info.siblings or [])
        headers = {}
        if any(f.endswith(".safetensors") for f in files):
            meta = api.get_safetensors_metadata(repo_id, revision=sha)
            headers = {
                name: {t: {"dtype": i.dtype, "shape": i.shape} for t, i in fm.tensors.items()}
                for name, fm in meta.files_metadata.items()
            }
    except RevisionNotFoundError as err:
        raise SubmissionRejected(
            "revision", f"{repo_id} has no revision {revision!r} on the Hugging Face Hub.") from err
    except RepositoryNotFoundError as err:
        raise SubmissionRejected(
            "model_exists", _not_found(repo_id, "it does not exist on the Hugging Face Hub (or is private)")) from err
    except Exception as err:  # network down, gated repo, ...
        why = f"the Hugging Face Hub could not be reached ({type(err).__name__})"
        raise SubmissionRejected("model_exists", _not_found(repo_id, why)) from err
    return ResolvedModel(repo_id, repo_id.split("/")[0], "hub", repo_id, sha, meta_dir, files, headers)


def _not_found(repo_id: str, why: str) -> str:
    return f"Model {repo_id} was not found: it is not in the local model mirror ({models_root() / repo_id}) and {why}."


def resolve(name: str, revision: str | None, *, allow_paths: bool) -> ResolvedModel:
    """Find the model and pin its revision, or raise SubmissionRejected('model_exists' | 'revision')."""
    try:
        ref = resolve_ref(name, revision, allow_paths=allow_paths)
    except BadRevision as err:
        raise SubmissionRejected("revision", err.message, hint=err.hint) from None
    except ModelNotFound as err:
        raise SubmissionRejected("model_exists", err.message, hint=err.hint) from None
    if ref.source == "hub":
        return _hub(name, ref.revision)
    if ref.source == "mirror":
        return _local(name, name.split("/")[0], "mirror", Path(ref.load_path), ref.content_hash)
    return _local(ref.load_path, "local", "path", Path(ref.load_path), ref.content_hash)
