"""Where Podium finds benchmark data, NLTK data, models and its own state.

Defaults follow the deployment layout of this project: the operator's shared folder
sits beside the checkout (`../shared/data`, `../shared/nltk_data`). The environment
(PODIUM_DATA_DIR, `none` meaning no data folder; NLTK_DATA; PODIUM_HOME; PODIUM_MODELS_ROOT)
overrides them; it is read through `podium.settings`, whose snapshot each function accepts.
"""

from __future__ import annotations

import os
from pathlib import Path

from podium.settings import EnvSettings, current, set_library_switches

REPO_ROOT = Path(__file__).resolve().parent.parent


def _shared_candidates(sub: str) -> list[Path]:
    return [REPO_ROOT.parent / "shared" / sub, Path.cwd().parent / "shared" / sub]


def data_dir(explicit: str | os.PathLike | None = None, env: EnvSettings | None = None) -> Path | None:
    """The offline benchmark data folder, or None when there is none (online mode)."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    named = (env or current()).data_dir
    if named and named.strip().lower() == "none":  # no data folder, even where ../shared/data exists
        return None
    if named:
        return Path(named).expanduser().resolve()
    for cand in _shared_candidates("data"):
        if (cand / "README.md").exists() or (cand / "MANIFEST.jsonl").exists():
            return cand.resolve()
    return None


def nltk_data_dir(env: EnvSettings | None = None) -> Path | None:
    named = (env or current()).nltk_data
    if named:
        return named
    for cand in _shared_candidates("nltk_data"):
        if cand.is_dir():
            return cand.resolve()
    return None


def ensure_nltk_data() -> None:
    """Point NLTK at the shared sentence data (IFEval needs punkt_tab) before lm-eval imports it."""
    set_library_switches(nltk_data=nltk_data_dir())


def podium_home(env: EnvSettings | None = None) -> Path:
    return (env or current()).home


def models_root(env: EnvSettings | None = None) -> Path:
    """The local model mirror: hub-style ids `org/name` resolve to `<root>/org/name` first."""
    return (env or current()).models
