"""Every environment variable Podium reads, in one typed place, with its default and help.

`EnvSettings.read()` takes one snapshot of the environment; entry points (the CLI commands,
the web app, the worker) read it once and pass it down, and functions that are called without
one read a fresh snapshot (so a test's `monkeypatch.setenv` is seen). Nothing else in the
package touches `os.environ`: `child_environment` builds what a child process inherits, and
`set_library_switches` is the one run-time mutation, for libraries that read only the
environment. `docs/settings.md` is generated from this module (`python -m podium.settings
--write`), and a test keeps the two equal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

DEFAULT_TRACE_BASE = "openai-community/gpt2"
DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "settings.md"


def _path(text: str) -> Path:
    return Path(text).expanduser().resolve()


def _flag(text: str) -> bool:
    return text.strip().lower() in ("1", "true", "yes", "on")


def _setting(env: str, help: str, default=None, parse: Callable[[str], object] = str, shown: str | None = None):
    """A field read from `env`; `shown` is the default as the docs table states it."""
    return field(default=default, metadata={"env": env, "help": help, "parse": parse,
                                            "shown": shown if shown is not None else f"`{default}`"})


@dataclass(frozen=True)
class EnvSettings:
    """One snapshot of Podium's environment. Unset variables take the defaults below."""

    home: Path = _setting("PODIUM_HOME", "Podium's own state: the SQLite store, run folders, published results, "
                          "the web secret, `platform.yaml`, `traces/`.", Path("podium-data"), _path,
                          shown="`./podium-data`")
    data_dir: str | None = _setting(
        "PODIUM_DATA_DIR", "The offline benchmark data folder (see DATA.md); `none` means no data folder "
        "(data from the hub), even where `../shared/data` exists.",
        shown="`../shared/data` beside the checkout or the working folder, when present")
    nltk_data: Path | None = _setting(
        "NLTK_DATA", "NLTK's data folder (IFEval needs `punkt_tab`); NLTK's own variable.", parse=Path,
        shown="`../shared/nltk_data` when present")
    models_root: Path | None = _setting(
        "PODIUM_MODELS_ROOT", "The local model mirror: a hub-style id `org/name` resolves to `<root>/org/name` "
        "before the Hugging Face Hub.", parse=_path, shown="`<PODIUM_HOME>/models`")
    db_url: str | None = _setting(
        "PODIUM_DB_URL", "SQLAlchemy URL of the store (SQLite or PostgreSQL); `--db` overrides it.",
        shown="`sqlite:///<PODIUM_HOME>/podium.db`")
    platform_config: Path | None = _setting(
        "PODIUM_PLATFORM_CONFIG", "The operator's platform settings file (YAML, see `podium/platform/config.py`); "
        "`--config` overrides it.", parse=lambda text: Path(text).expanduser(),
        shown="`<PODIUM_HOME>/platform.yaml` when it exists")
    secret_key: str | None = field(default=None, repr=False, metadata={
        "env": "PODIUM_SECRET_KEY", "parse": str, "shown": "generated once into `<PODIUM_HOME>/web-secret`",
        "help": "HMAC key of the web sessions and CSRF tokens; set the same key on every web server."})
    data_sources: str | None = _setting(
        "PODIUM_DATA_SOURCES", "Where each task's data comes from, as comma-separated `task=source` pairs; "
        "a source is `hub`, `folder` (the data folder) or `private:PATH` (the operator's private files, laid out "
        "like the data folder); `*=source` sets the default of every task not named. Example: "
        "`ifeval=hub,ko_arc_challenge=private:/srv/ko,bbh=folder`. See DATA.md.",
        shown="every task: the data folder when one is in use, else the hub")
    cache_dir: Path | None = _setting(
        "PODIUM_CACHE_DIR", "Podium's caches: lm-eval's task index (one per installation) and the datasets built "
        "from data files (keyed by the files' sha256); safe to delete.", parse=_path,
        shown="`<PODIUM_HOME>/cache`")
    trace_base: str = _setting(
        "PODIUM_TRACE_BASE", "Base model of the `trace` suite's match test, when neither `--trace-base` nor the "
        "platform's `trace_base` setting names one.", DEFAULT_TRACE_BASE)
    trace_cache: Path | None = _setting(
        "PODIUM_TRACE_CACHE", "Where the tracing tests and benchmarks cache their tiny trained models.",
        parse=_path, shown="`<PODIUM_HOME>/tracing-cache`")
    hub_offline: bool = _setting(
        "HF_HUB_OFFLINE", "huggingface_hub's switch: with `1` a model id missing from the mirror is an error "
        "at once instead of a hub lookup.", False, _flag, shown="off")

    @classmethod
    def read(cls, environ: Mapping[str, str] | None = None) -> EnvSettings:
        """A snapshot of `environ` (default: this process's environment)."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            text = environ.get(f.metadata["env"])
            if text:  # an empty variable counts as unset, as it always has
                values[f.name] = f.metadata["parse"](text)
        if "home" not in values:
            values["home"] = _path(str(cls.home))
        return cls(**values)

    @property
    def models(self) -> Path:
        """The model mirror folder."""
        return self.models_root or self.home / "models"

    @property
    def cache(self) -> Path:
        """The cache folder."""
        return self.cache_dir or self.home / "cache"

    @property
    def tracing_cache(self) -> Path:
        return self.trace_cache or self.home / "tracing-cache"

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{self.home / 'podium.db'}"

    def platform_config_file(self) -> Path | None:
        """The operator's settings file: named, else `<home>/platform.yaml` when it exists."""
        if self.platform_config:
            return self.platform_config
        default = self.home / "platform.yaml"
        return default if default.exists() else None


def current() -> EnvSettings:
    """A fresh snapshot, for callers that were not handed one."""
    return EnvSettings.read()


def trace_base(explicit: str | None = None, configured: str | None = None, env: EnvSettings | None = None) -> str:
    """The base model of the `trace` suite, from its four sources in order: `--trace-base`, the
    platform's `trace_base` setting, PODIUM_TRACE_BASE, GPT-2."""
    return explicit or configured or (env or current()).trace_base


def child_environment(**extra: str) -> dict[str, str]:
    """The environment a child process inherits (this process's), plus `extra`."""
    return {**os.environ, **extra}


# Set for child processes by the worker (not read by Podium itself; a run may log them).
CHILD_VARIABLES = {
    "PODIUM_JOB_ID": "The job the evaluation or provenance check runs for.",
    "PODIUM_JOB_ATTEMPT": "Its attempt number.",
    "PODIUM_WORKER_ID": "The worker that runs it.",
}
HUB_OFFLINE_SWITCHES = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")


def set_library_switches(*, nltk_data: Path | None = None, hub_offline: bool = False) -> None:
    """The one run-time change to os.environ. NLTK reads NLTK_DATA, and huggingface_hub,
    datasets and transformers read their offline switches, from the environment only (when
    they are imported), with no argument to pass instead. Values already set are kept."""
    if nltk_data is not None:
        os.environ.setdefault("NLTK_DATA", str(nltk_data))
    if hub_offline:
        for name in HUB_OFFLINE_SWITCHES:
            os.environ.setdefault(name, "1")


def settings_table() -> str:
    """The markdown table of every variable: name, default, meaning."""
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for f in fields(EnvSettings):
        rows.append(f"| `{f.metadata['env']}` | {f.metadata['shown']} | {f.metadata['help']} |")
    return "\n".join(rows)


def settings_doc() -> str:
    """The whole of docs/settings.md."""
    children = "\n".join(f"| `{name}` | {text} |" for name, text in CHILD_VARIABLES.items())
    return (
        "# Settings\n\n"
        "<!-- Generated from podium/settings.py by `python -m podium.settings --write`; do not edit. -->\n\n"
        "Podium reads these environment variables, all in `podium/settings.py`. Command-line flags\n"
        "(`--db`, `--config`, `--data-dir`, `--trace-base`) override them; the operator's platform\n"
        "settings (queue, quotas, size caps, worker commands) live in the YAML file named by\n"
        "`PODIUM_PLATFORM_CONFIG`.\n\n"
        f"{settings_table()}\n\n"
        "The worker sets these for the commands it runs (Podium does not read them):\n\n"
        "| variable | meaning |\n| --- | --- |\n"
        f"{children}\n\n"
        "At run time Podium sets only the libraries' own switches, where a library reads nothing else:\n"
        f"`NLTK_DATA` (to the folder found) and {', '.join(f'`{n}`' for n in HUB_OFFLINE_SWITCHES)} (when the\n"
        "model and the data are both local), and never over a value already set.\n"
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        DOC_PATH.write_text(settings_doc())
        print(f"Wrote {DOC_PATH}")
    else:
        print(settings_doc())
