"""What goes with every result so it can be reproduced: versions, seeds, command, timing."""

from __future__ import annotations

import platform
import shlex
import sys
from datetime import datetime, timezone
from importlib import metadata

# The packages whose versions change numbers (pinned in pyproject.toml) and a few that matter.
TRACKED_PACKAGES = ("podium", "lm_eval", "torch", "transformers", "tokenizers", "datasets", "accelerate", "numpy")

# lm-eval's defaults (its CLI uses the same): python `random`, numpy, torch, few-shot sampler.
SEEDS = {"random_seed": 0, "numpy_random_seed": 1234, "torch_random_seed": 1234, "fewshot_random_seed": 1234}
BOOTSTRAP_SEED = 20_241_205
"""Seed of the error bars' bootstrap (`podium.eval.uncertainty`), recorded beside lm-eval's seeds."""


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in TRACKED_PACKAGES:
        try:
            found[name] = metadata.version(name.replace("_", "-"))
        except metadata.PackageNotFoundError:
            found[name] = None
    found["python"] = platform.python_version()
    return found


def command_line(argv: list[str] | None = None) -> str:
    argv = sys.argv if argv is None else argv
    return shlex.join(["podium", *argv[1:]] if argv and argv[0].endswith(("podium", "main.py")) else argv)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
