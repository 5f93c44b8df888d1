"""Turns how an evaluation ended into an error class and a message a submitter understands.

The evaluator reports user-facing failures itself in error.json (model_load, data_missing,
usage, chat_template, ...). Everything else is read from the exit status and the log:
out-of-memory, a full disk, unreadable weights, a Python exception (model_error: usually the
same code raising again, yet retried once, as a timeout is, in case the host was at fault), or a crash
(killed, or an exception about the machine: retried like other infrastructure failures).
"""

from __future__ import annotations

import re
import signal
from dataclasses import dataclass

from podium.platform.supervisor import RunOutcome
from podium.record import RunError

OOM_PATTERNS = ("MemoryError", "CUDA out of memory", "OutOfMemoryError", "Cannot allocate memory")
DISK_PATTERNS = ("No space left on device", "Disk quota exceeded")
WEIGHTS_PATTERNS = ("SafetensorError", "HeaderTooLarge", "MetadataIncompleteBuffer", "InvalidHeaderDeserialization",
                    "Error while deserializing header", "invalid load key")
# Exceptions that say more about the machine than about the model: retried like crashes.
INFRA_EXCEPTIONS = ("OSError", "IOError", "ConnectionError", "TimeoutError", "BrokenPipeError", "KeyboardInterrupt",
                    "SystemExit", "ConnectionResetError", "ConnectionRefusedError")
EXCEPTION_LINE = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?([A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt)\b.*)$")


@dataclass(frozen=True)
class Failure:
    error_class: str
    message: str


def last_exception(log_tail: str) -> str | None:
    """The final `SomeError: message` line of a traceback, without its module path."""
    for line in reversed(log_tail.splitlines()):
        match = EXCEPTION_LINE.match(line.strip())
        if match:
            return match.group(1)[:500]
    return None


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _duration(seconds: float) -> str:
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min {rest % 60} s"


def classify(outcome: RunOutcome, error_report: RunError | None, log_tail: str, time_limit: float) -> Failure:
    """Why a run that produced no accepted result failed."""
    if outcome.timed_out:
        return Failure("timeout", f"The evaluation did not finish within its time limit of {_duration(time_limit)} "
                                  "and was stopped. Very large models or very slow generation can cause this.")
    if error_report is not None:
        return Failure(error_report.kind, error_report.message or "The evaluation reported an error.")
    exception = last_exception(log_tail)
    if any(p in log_tail for p in OOM_PATTERNS) or outcome.returncode == -signal.SIGKILL:
        return Failure("out_of_memory", "The evaluation ran out of memory"
                       + (" (killed by SIGKILL, most likely by the kernel's out-of-memory killer)."
                          if outcome.returncode == -signal.SIGKILL else f": {exception or 'MemoryError'}.")
                       + " A smaller batch size or precision may fit.")
    if any(p in log_tail for p in DISK_PATTERNS):
        return Failure("disk_full", "The evaluation machine ran out of disk space; the job will be retried.")
    if any(p in log_tail for p in WEIGHTS_PATTERNS):
        return Failure("model_load", f"The model's weights could not be read ({exception or 'corrupt file'}). "
                                     "Check that the weight files are complete and resubmit.")
    if outcome.returncode == 0:
        return Failure("crashed", "The evaluation exited without writing a complete results.json.")
    if exception and outcome.returncode > 0 and exception.split(":")[0] not in INFRA_EXCEPTIONS:
        return Failure("model_error", f"The evaluation failed with an error raised while running the model: "
                                      f"{exception}. If the model runs elsewhere with the same transformers "
                                      "version, ask an operator to look at the job's log.")
    how = (f"was killed by signal {_signal_name(-outcome.returncode)}" if outcome.returncode < 0
           else f"exited with code {outcome.returncode}")
    return Failure("crashed", f"The evaluation crashed: it {how}"
                              + (f" after raising {exception}." if exception else " without reporting an error."))
