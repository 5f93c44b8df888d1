"""A suite's version: a digest of everything that decides its numbers, so results stay apart.

Two results share a version only if they were scored alike on the same questions: the suite's
definition (`SuiteSpec.version`: its kind and each column's task, shots, metrics, aggregation
and bounds), lm-eval's resolved config of every task that ran (prompt templates, the source
of prompt functions, few-shot settings, metrics, filters, generation settings, lm-eval's own
task version), the lm-eval release (its metric code), and the sha256 of every data file read.
A changed data file, prompt or metric therefore makes a new version, and the board never
averages results of two versions together.

The configs are cleaned of what differs between machines running the same definition: the
path each config was read from, and the memory addresses in the text of an object lm-eval
could not turn into source code.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
VERSION_CHARS = 12
"""The digest's length, in hex characters (as `SuiteSpec.version`)."""


def _portable_config(config: Mapping[str, Any]) -> dict:
    metadata = {k: v for k, v in (config.get("metadata") or {}).items() if k != "config_source"}
    return {**config, "metadata": metadata}


def _canonical(content) -> str:
    return _ADDRESS.sub("", json.dumps(content, sort_keys=True, default=str, ensure_ascii=False))


def config_differences(recorded: Mapping[str, Any], fresh: Mapping[str, Any]) -> list[str]:
    """The keys in which two resolved lm-eval task configs differ, ignoring what differs between machines."""
    old, new = _portable_config(recorded), _portable_config(fresh)
    return sorted(k for k in set(old) | set(new) if _canonical(old.get(k)) != _canonical(new.get(k)))


def suite_version(definition: str, lm_eval: Mapping[str, Any], data_files: Mapping[str, str],
                  lm_eval_release: str | None) -> str:
    """The version of one run's suite: `definition` is `SuiteSpec.version`, `lm_eval` the run's
    lm-eval blocks (`configs`, `versions`), `data_files` relative path -> sha256 of every file read."""
    configs = {name: _portable_config(cfg) for name, cfg in (lm_eval.get("configs") or {}).items()}
    content = {"definition": definition, "configs": configs, "task_versions": dict(lm_eval.get("versions") or {}),
               "lm_eval": lm_eval_release if configs else None, "data": dict(sorted(data_files.items()))}
    return hashlib.sha256(_canonical(content).encode()).hexdigest()[:VERSION_CHARS]
