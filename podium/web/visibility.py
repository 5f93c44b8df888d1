"""Who may see what: the one rule every page and API answer goes through.

Four viewers. An anonymous visitor and a signed-in submitter see what the leaderboard
publishes: scores, metadata, why a job failed in one plain sentence, provenance with labels
where this server's folders were. The owner of an entry (who submitted it) also sees the
evaluation's log tail, so they can fix their model, still with labels for folders. An
operator sees everything: raw logs, paths, worker names, and the questions of gated and
private tasks, which nobody else sees (scores of every task stay public).

`sight` is a pure function of (actor, owner id) -> `Sight`; `redact` and the views below are
pure functions of the text or record and the sight. Only `server_places` looks at this
machine, to learn which folders to hide.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from podium.eval.spec import TaskSpec
from podium.eval.suites import SUITES
from podium.paths import REPO_ROOT, data_dir, models_root, podium_home
from podium.platform.identity import Actor
from podium.settings import current

Role = Literal["anonymous", "submitter", "owner", "operator"]


@dataclass(frozen=True)
class Sight:
    """What one kind of viewer may see."""

    role: Role
    log_tail: bool
    """The last lines of an evaluation's log."""
    tracebacks: bool
    """Stack traces inside logs and failure messages."""
    server_paths: bool
    """This server's folders, its host name and worker names (otherwise replaced by labels)."""
    restricted_samples: bool
    """Questions and answers of gated and private tasks."""


RULE: Mapping[Role, Sight] = {
    "anonymous": Sight("anonymous", log_tail=False, tracebacks=False, server_paths=False, restricted_samples=False),
    "submitter": Sight("submitter", log_tail=False, tracebacks=False, server_paths=False, restricted_samples=False),
    "owner": Sight("owner", log_tail=True, tracebacks=True, server_paths=False, restricted_samples=False),
    "operator": Sight("operator", log_tail=True, tracebacks=True, server_paths=True, restricted_samples=True),
}


def role_of(actor: Actor | None, owner_id: int | None = None) -> Role:
    if actor is None:
        return "anonymous"
    if actor.is_operator:
        return "operator"
    return "owner" if owner_id is not None and actor.id == owner_id else "submitter"


def sight(actor: Actor | None, owner_id: int | None = None) -> Sight:
    return RULE[role_of(actor, owner_id)]


def may_see_samples(visibility: str, seen_by: Sight) -> bool:
    """Public tasks' samples are for everyone; gated and private ones for operators only."""
    return visibility == "public" or seen_by.restricted_samples


def task_visibility(spec: TaskSpec | None, private_when_run: bool = False) -> str:
    """The strictest of what the suite declares now and what the result recorded (its score's `private`)."""
    if private_when_run or (spec is not None and spec.private):
        return "private"
    return spec.visibility if spec is not None else "public"


def spec_of(suite: str, key: str) -> TaskSpec | None:
    found = SUITES.get(suite)
    return next((t for t in found.tasks if t.key == key), None) if found else None


# ---- redaction ------------------------------------------------------------------------------

# The first segments of this site's own addresses: "/tracing" in a message is a link, not a folder
# (a test checks the list against the app's routes).
SITE_ROOTS = ("about", "account", "api", "archive", "board", "charts", "citation", "compare", "docs", "entries",
              "jobs", "login", "logout", "openapi.json", "queue", "signup", "static", "submit", "tracing", "trends",
              "variants", "workers")
_SITE_ROOTS_ALTERNATION = "|".join(re.escape(r) for r in SITE_ROOTS)
ABSOLUTE_PATH = re.compile(rf"(?<![\w.:/~<>-])/(?!(?:{_SITE_ROOTS_ALTERNATION})(?:[/?#\s).,;:]|$))"
                           r"(?:[\w.+@~-]+/)*[\w.+@~-]+/?")
WORKER_ID = re.compile(r"\b[\w.-]+:\d+:[0-9a-f]{6}\b")  # host:pid:nonce, as the worker names itself
ADDRESS = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{2,5})?\b")
TRACEBACK_LINES = re.compile(r"^(Traceback \(most recent call last\):|During handling of the above exception.*|"
                             r"The above exception was the direct cause.*)$")
FRAME = re.compile(r'^\s+File "[^"]*", line \d+')


def server_places() -> list[tuple[str, str]]:
    """Folders of this machine that answers must not show, with the label to show
    instead, longest first (so the most specific label wins). Cached per configuration."""
    return list(_places((current(), os.path.expanduser("~")), os.getcwd()))


@functools.lru_cache(maxsize=8)
def _places(env: tuple, cwd: str) -> tuple[tuple[str, str], ...]:
    places = [(models_root(), "<model mirror>"), (podium_home(), "<server data folder>"), (REPO_ROOT, "<server>"),
              (sys.prefix, "<python>"), (sys.base_prefix, "<python>"), (tempfile.gettempdir(), "<scratch>"),
              (os.path.expanduser("~"), "<home>")]
    found = data_dir()
    if found is not None:
        places.append((found, "<data folder>"))
    pairs = {(str(p), label) for p, label in places if str(p) not in ("", "/")}
    pairs |= {(os.path.realpath(p), label) for p, label in pairs if os.path.realpath(p) != "/"}
    return tuple(sorted(pairs, key=lambda pl: -len(pl[0])))


def strip_traceback(text: str) -> str:
    """Text without stack frames: what went wrong stays (the final exception line), where in the code goes."""
    kept, in_frame = [], False
    for line in text.splitlines():
        if TRACEBACK_LINES.match(line.strip()) or FRAME.match(line):
            in_frame = bool(FRAME.match(line))
            continue
        if in_frame and line.startswith("    "):  # the source line printed under a frame
            continue
        in_frame = False
        kept.append(line)
    return "\n".join(kept)


def redact(text: str, places: list[tuple[str, str]]) -> str:
    """Known folders -> labels, then any other absolute path -> <server path>, worker names ->
    <worker> and IPv4 addresses -> <address>. URLs and `org/name` model ids are left alone."""
    for place, label in places:
        text = text.replace(place, label)
    text = ABSOLUTE_PATH.sub("<server path>", text)
    text = WORKER_ID.sub("<worker>", text)
    return ADDRESS.sub("<address>", text)


def text_for(text: str | None, seen_by: Sight, places: list[tuple[str, str]] | None = None) -> str | None:
    """A message or log as this viewer may read it."""
    if text is None or seen_by.server_paths:
        return text
    if not seen_by.tracebacks:
        text = strip_traceback(text)
    return redact(text, server_places() if places is None else places)


def deep_text_for(value, seen_by: Sight, places: list[tuple[str, str]]):
    """Every string inside a JSON-like value, as `text_for` shows it."""
    if isinstance(value, str):
        return text_for(value, seen_by, places)
    if isinstance(value, dict):
        return {k: deep_text_for(v, seen_by, places) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [deep_text_for(v, seen_by, places) for v in value]
    return value


def records_for(value, seen_by: Sight):
    """Records whose text may name this server's folders (tracing rows, provenance checks)."""
    return deep_text_for(value, seen_by, server_places())


# ---- views ----------------------------------------------------------------------------------

def job_view(job: dict, seen_by: Sight) -> dict:
    """A job record (queue row or status): the log tail only for its owner and operators, the
    failure message without stack or paths for everyone else; the worker name for operators."""
    places = server_places()
    out = {**job, "error_message": text_for(job.get("error_message"), seen_by, places),
           "log_tail": text_for(job.get("log_tail"), seen_by, places) if seen_by.log_tail else None}
    if "worker" in out and not seen_by.server_paths:
        out["worker"] = None
    return out
