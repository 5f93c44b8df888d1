"""The `podium` command as a subprocess, and what a clean one-paragraph error looks like."""

from __future__ import annotations

import os
import subprocess
import sys


def podium(*args, env_extra=None, timeout=600):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "podium.cli.main", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def assert_clean_error(proc, *phrases):
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    message = proc.stderr.strip().splitlines()[-1]
    assert message.startswith("podium: error:")
    for phrase in phrases:
        assert phrase in message
