"""Peak memory accounting: resident set size sampled in the background, plus CUDA peaks.

`ru_maxrss` is a lifetime maximum, useless for one phase of a long process, so a
thread samples the RSS every few milliseconds while a `PeakMemory` block is open.
Short spikes between samples can be missed; the sampling period bounds how short.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

try:
    import psutil
except ImportError:  # pragma: no cover - psutil comes with accelerate
    psutil = None


def rss_bytes() -> int:
    if psutil is not None:
        return psutil.Process(os.getpid()).memory_info().rss
    with open("/proc/self/statm") as f:  # pragma: no cover
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def cuda_peaks() -> list[int]:
    """Peak allocated bytes of every visible GPU since its last reset (empty without CUDA)."""
    import torch

    if not torch.cuda.is_available():
        return []
    return [int(torch.cuda.max_memory_allocated(i)) for i in range(torch.cuda.device_count())]


def reset_cuda_peaks() -> None:
    import torch

    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            torch.cuda.reset_peak_memory_stats(i)


@dataclass
class PeakReport:
    rss_start: int = 0
    rss_peak: int = 0
    cuda_peaks: list[int] | None = None
    """Per visible GPU; a split model uses several."""

    @property
    def cuda_peak(self) -> int | None:
        """The sum over GPUs of each one's peak (an upper bound of the simultaneous total)."""
        return sum(self.cuda_peaks) if self.cuda_peaks is not None else None

    def as_dict(self) -> dict:
        out = {"peak_rss_mb": round(self.rss_peak / 2**20, 1), "start_rss_mb": round(self.rss_start / 2**20, 1)}
        if self.cuda_peak is not None:
            out["peak_cuda_mb"] = round(self.cuda_peak / 2**20, 1)
        return out


class PeakMemory:
    """`with PeakMemory() as m: ...` then `m.report` holds the peaks seen inside the block."""

    def __init__(self, period_s: float = 0.02, cuda: bool | None = None):
        self.period_s = period_s
        self.report = PeakReport()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if cuda is None:
            import torch

            cuda = torch.cuda.is_available()
        self._cuda = cuda

    def _sample(self) -> None:
        while not self._stop.wait(self.period_s):
            self.report.rss_peak = max(self.report.rss_peak, rss_bytes())

    def __enter__(self) -> PeakMemory:
        self.report.rss_start = self.report.rss_peak = rss_bytes()
        if self._cuda:
            reset_cuda_peaks()
        self._thread = threading.Thread(target=self._sample, name="podium-peak-memory", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.report.rss_peak = max(self.report.rss_peak, rss_bytes())
        if self._cuda:
            self.report.cuda_peaks = cuda_peaks()


def wall_clock() -> float:
    return time.perf_counter()
