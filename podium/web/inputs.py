"""Allowlists for what users type: model ids, revisions, usernames, ids in lists.

Checked before anything touches the disk or the database, so a malformed value gets a
message about the value (and the form field) instead of a failure deeper down. Model ids and
revisions follow the one grammar of `podium.modelref.grammar`.
"""

from __future__ import annotations

import re
from pathlib import Path

from podium.errors import UsageError
from podium.modelref.grammar import REPO_ID_HINT, REVISION_HINT, is_repo_id, is_revision
from podium.paths import models_root

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$", re.ASCII)
MAX_PATH_CHARS = 1024
MAX_LIST_ITEMS = 20


class InputError(UsageError):
    """A value a user typed breaks its allowlist; `field` names the form field."""

    kind = "invalid"

    def __init__(self, field: str, message: str, *, hint: str | None = None):
        self.field = field
        super().__init__(message, hint=hint)


def model_id(value: str, field: str = "model") -> str:
    value = value.strip()
    if not is_repo_id(value):
        raise InputError(field, f"{value[:120]!r} is not a model id of the form org/name.", hint=REPO_ID_HINT)
    return value


def revision(value: str | None, field: str = "revision") -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if not is_revision(value):
        raise InputError(field, f"{value[:140]!r} is not a valid revision.", hint=REVISION_HINT)
    return value


def inside_models_root(path: Path) -> bool:
    """True when `path`, with every symlink followed, lies under the models root."""
    root = models_root().resolve()
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a symlink loop
        return False


def model_or_path(value: str, *, is_operator: bool, field: str = "model") -> str:
    """A hub-style id for everyone; operators may also give an absolute folder path under the
    models root. A mirror entry or path whose symlinks lead out of the root is refused."""
    value = value.strip()
    if value.startswith("/"):
        if not is_operator:
            raise InputError(field, "Folder paths are accepted from operators only; give a model id org/name.")
        if len(value) > MAX_PATH_CHARS or "\x00" in value or not value.isascii():
            raise InputError(field, "The folder path is not a plain ASCII path of at most 1024 characters.")
        if not inside_models_root(Path(value)):
            raise InputError(field, f"Folder paths must lie inside the models root {models_root()}.")
        return value
    value = model_id(value, field)
    mirror = models_root() / value
    if mirror.exists() and not inside_models_root(mirror):
        raise InputError(field, f"The mirror entry of {value} points outside the models root; ask an operator.")
    return value


def username(value: str) -> str:
    value = value.strip()
    if not USERNAME.match(value):
        raise InputError("username", "A username has 3 to 40 characters: ASCII letters, digits, '_' and '-', "
                                     "starting with a letter or digit.")
    return value


def id_list(text: str | None, field: str, *, limit: int = MAX_LIST_ITEMS) -> list[int]:
    """'3,5,8' -> [3, 5, 8]; positive integers only, at most `limit`, duplicates dropped."""
    items = [p.strip() for p in (text or "").split(",") if p.strip()]
    if len(items) > limit:
        raise InputError(field, f"{field} lists {len(items)} ids; at most {limit} are allowed.")
    if not all(p.isdigit() and len(p) <= 12 for p in items):
        raise InputError(field, f"{field} must be a comma-separated list of entry numbers.")
    return list(dict.fromkeys(int(p) for p in items))
