"""The grammar of model references: one repo-id rule and one revision rule for every layer.

A repo id follows huggingface_hub's rules with the org required: ASCII letters, digits, `.`,
`_` and `-`; no `..` or `--`; neither part starts with `-` or `.`; at most 96 characters each
side; no `.git` suffix. A revision is a branch, tag or commit sha: the same characters plus
`/`, no `..` or `//`, no leading `-`, `.` or `/`, at most 128 characters (so it can never be
read as a command-line option or a path out of a folder).
"""

from __future__ import annotations

import re

REPO_ID = re.compile(r"^(?![-.])(?!.*\.\.)(?!.*--)[A-Za-z0-9._-]{1,96}/(?![-.])[A-Za-z0-9._-]{1,96}$", re.ASCII)
REVISION = re.compile(r"^(?![-/.])(?!.*\.\.)(?!.*//)[A-Za-z0-9._/-]{1,128}$", re.ASCII)
COMMIT_SHA = re.compile(r"^[0-9a-f]{40}$|^[0-9a-f]{64}$")  # a git sha, or a content hash of local files

REPO_ID_HINT = ("Use ASCII letters, digits, '.', '_' and '-' (no '..' or '--', at most 96 characters each side), "
                "e.g. EleutherAI/pythia-160m.")
REVISION_HINT = ("Give a branch, a tag or a commit sha: ASCII letters, digits, '.', '_', '-', '/'; no '..', "
                 "no leading '-', at most 128 characters.")


def is_repo_id(text: str) -> bool:
    return bool(REPO_ID.match(text)) and not text.endswith(".git")


def is_revision(text: str) -> bool:
    return bool(REVISION.match(text))


def is_commit_sha(text: str) -> bool:
    return bool(COMMIT_SHA.match(text))
