"""Runs one evaluation command in its own process group under a wall-clock budget.

The group is stopped with SIGTERM, then SIGKILL after a grace period, and is always swept
with SIGKILL at the end, so nothing the evaluation started outlives it. The sweep happens
while the group leader is still an unreaped zombie (waitid with WNOWAIT): its process group
id cannot be recycled until we reap it, so the sweep can never hit an unrelated process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RunOutcome:
    returncode: int
    timed_out: bool
    stopped: bool  # the caller asked to stop (lease lost, cancelled, worker shutting down)
    wall_seconds: float


def _exited(pid: int) -> bool:
    """Has the process exited? Leaves it unreaped, so its group id stays reserved."""
    return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _wait_exit(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not _exited(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def run_supervised(command: list[str], *, log_path: Path, env: dict[str, str], time_limit: float,
                   grace: float, tick: float, on_tick: Callable[[], bool]) -> RunOutcome:
    """Run `command` (stdout and stderr to `log_path`); `on_tick` returning False stops it."""
    guard = [sys.executable, "-m", "podium.platform.guard", str(os.getpid()), "--", *command]
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(guard, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, start_new_session=True)
    start = time.monotonic()
    timed_out = stopped = False
    try:
        while not _wait_exit(proc.pid, tick):
            if time.monotonic() - start > time_limit:
                timed_out = True
                break
            if not on_tick():
                stopped = True
                break
    finally:
        if not _exited(proc.pid):
            _signal_group(proc.pid, signal.SIGTERM)
            _wait_exit(proc.pid, grace)
        _signal_group(proc.pid, signal.SIGKILL)  # stragglers, or a leader that ignored SIGTERM
        returncode = proc.wait()
    return RunOutcome(returncode, timed_out, stopped, time.monotonic() - start)


def tail(path: Path, lines: int) -> str:
    """The last lines of a log file (decoded leniently: logs hold progress bars and bytes)."""
    try:
        with open(path, "rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - 64 * 1024))
            return "\n".join(deque(f.read().decode("utf-8", "replace").splitlines(), maxlen=lines))
    except OSError:
        return ""
