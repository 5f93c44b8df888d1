"""Resolve what `--model` names, and check it loads before any compute is spent.

A model is a local folder, or a hub-style id `org/name` that resolves first in the local
model mirror (`PODIUM_MODELS_ROOT/org/name`) and then on the Hugging Face Hub. Local
folders are identified by a content hash (their files), hub models by revision.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from podium.errors import ChatTemplateError, ModelLoadError, UsageError
from podium.paths import models_root

# Same rules as huggingface_hub's repo-id validation, plus one optional org.
REPO_ID = re.compile(r"^(?!-)(?!.*\.\.)(?!.*--)[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?$")
# A branch, tag or commit sha: no spaces, no "..", no leading "-", bounded length.
REVISION = re.compile(r"^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]{1,128}$")
WEIGHT_FILES = ("*.safetensors", "*.bin", "*.pt", "*.pth")


@dataclass(frozen=True)
class ModelRef:
    """A resolved model: where its files are and how it is identified in results."""

    name: str
    """What the user asked for (a hub id or a path)."""
    load_path: str
    """What transformers loads: a local folder or a hub id."""
    source: str  # "local" | "mirror" | "hub"
    revision: str | None
    content_hash: str | None

    def as_dict(self) -> dict:
        return {
            "id": self.name,
            "path": self.load_path,
            "source": self.source,
            "revision": self.revision,
            "content_hash": self.content_hash,
        }


def validate_revision(revision: str | None) -> str | None:
    if revision is None:
        return None
    if not REVISION.match(revision):
        raise UsageError(
            f"'{revision}' is not a valid revision.",
            hint="Give a branch name, a tag or a commit sha (letters, digits, '.', '_', '-', '/'; no '..').",
        )
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


def resolve_model(name: str, revision: str | None = None) -> ModelRef:
    revision = validate_revision(revision)
    path = Path(name).expanduser()
    if path.is_dir():
        return ModelRef(name, str(path.resolve()), "local", revision, content_hash(path))
    if REPO_ID.match(name) and "/" in name:
        mirrored = models_root() / name
        if mirrored.is_dir():
            return ModelRef(name, str(mirrored), "mirror", revision, content_hash(mirrored))
        if os.environ.get("HF_HUB_OFFLINE") == "1":
            raise ModelLoadError(
                f"Model '{name}' is not in the local model mirror ({mirrored}) and the Hugging Face Hub is "
                "switched off (HF_HUB_OFFLINE=1).",
                hint="Put the model files in that folder, or pass a local folder with --model.",
            )
        return ModelRef(name, name, "hub", revision or "main", None)
    if path.suffix or os.sep in name or name.startswith("."):
        raise ModelLoadError(f"Model folder '{name}' does not exist.",
                             hint="Check the path, or give a hub id org/name.")
    raise ModelLoadError(
        f"'{name}' is neither a model folder nor a hub id of the form org/name.",
        hint="Pass a local folder or an id such as EleutherAI/pythia-160m.",
    )


def check_loadable(ref: ModelRef, *, chat_template: bool) -> dict:
    """Load config and tokenizer (never trusting remote code) and return facts the results record."""
    from transformers import AutoConfig, AutoTokenizer

    kwargs = {"revision": ref.revision} if ref.source == "hub" else {}
    try:
        config = AutoConfig.from_pretrained(ref.load_path, trust_remote_code=False, **kwargs)
    except Exception as err:  # transformers raises OSError/ValueError with long messages
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ModelLoadError(
            f"Could not load the configuration of model '{ref.name}': {first}",
            hint="Check that the folder or hub id holds a transformers model (config.json) that loads "
            "without trust_remote_code.",
        ) from None
    try:
        tokenizer = AutoTokenizer.from_pretrained(ref.load_path, trust_remote_code=False, **kwargs)
    except Exception as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ModelLoadError(
            f"Could not load the tokenizer of model '{ref.name}': {first}",
            hint="The model folder needs tokenizer files that load without trust_remote_code.",
        ) from None
    has_template = bool(getattr(tokenizer, "chat_template", None))
    if chat_template and not has_template:
        raise ChatTemplateError(
            f"--chat-template was asked for, but the tokenizer of '{ref.name}' has no chat template.",
            hint="Drop --chat-template to evaluate it as a base model, "
                 "or add a chat_template to its tokenizer_config.json.",
        )
    return {
        "architecture": (config.architectures or [config.model_type])[0],
        "model_type": config.model_type,
        "has_chat_template": has_template,
        "vocab_size": getattr(config, "vocab_size", None),
    }
