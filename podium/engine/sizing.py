"""What `batch_size` means for the `podium` backend, and how "auto" is resolved.

No setting here changes a result, only speed and memory. `batch_size`:
  * an integer N caps the rows decoded together by `generate_until` (as it caps the rows
    of `hf`'s `generate`; `1` decodes one row at a time);
  * "auto" (the default) allows `max_batch_size` rows (64) on a GPU and 32 on the CPU
    (where more rows stop paying off); in both cases the rows of one decode batch are
    further bounded by the KV budget (`kv_budget_mb`), so a batch always fits.
Log-likelihood work is sized in tokens, not requests, whatever `batch_size` says:
  * `pack_tokens` (most tokens per packed forward): 2048 on a GPU, 512 on the CPU (the
    measured optimum, BENCHMARKS.md), halved while one pack's working set
    (`vocab x 8 + hidden x 64` bytes per token: float32 logits and their log-softmax,
    activations) would exceed an eighth of the free memory;
  * `chunk_tokens` (longest single causal forward of a long context): 8192 / 2048;
  * `kv_budget_mb` (KV memory of one decode batch): half the free memory of the GPUs
    holding the layers (the tightest GPU, scaled by its share of the layers), or a
    quarter of the free RAM on the CPU, at most 8 GiB.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import torch

CPU_DECODE_ROWS = 32
PACK_FLOOR = 128


@dataclass(frozen=True)
class BatchPlan:
    requested: int | str
    decode_rows: int
    pack_tokens: int
    chunk_tokens: int

    def as_dict(self) -> dict:
        return {"decode_rows": self.decode_rows, "pack_tokens": self.pack_tokens, "chunk_tokens": self.chunk_tokens}


def parse_batch_size(value) -> int | str:
    """"auto" (or None) or a positive integer; anything else is refused."""
    if value is None or str(value).strip().lower() == "auto":
        return "auto"
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"batch_size must be 'auto' or a positive integer, got {value!r}") from None
    if n < 1:
        raise ValueError(f"batch_size must be at least 1, got {n}")
    return n


def plan_batch(
    requested,
    *,
    on_cuda: bool,
    free_bytes: int,
    vocab: int,
    hidden: int,
    max_batch_size: int = 64,
    pack_tokens: int | None = None,
    chunk_tokens: int | None = None,
) -> BatchPlan:
    """Resolve "auto" (and the token sizes left unset) for one device kind and its free memory."""
    req = parse_batch_size(requested)
    if req == "auto":
        rows = max_batch_size if on_cuda else min(max_batch_size, CPU_DECODE_ROWS)
    else:
        rows = req
    if pack_tokens:
        pack = int(pack_tokens)
    else:
        pack = 2048 if on_cuda else 512
        per_token = vocab * 8 + hidden * 64
        while pack > PACK_FLOOR and pack * per_token > free_bytes // 8:
            pack //= 2
    chunk = int(chunk_tokens) if chunk_tokens else max(pack, 8192 if on_cuda else 2048)
    return BatchPlan(req, max(1, rows), pack, chunk)


def free_memory(device: torch.device) -> int:
    """Free bytes where the activations live: the GPU's, or the available RAM."""
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0])
    import psutil

    return int(psutil.virtual_memory().available)


def kv_budget(layer_devices: list[torch.device], free: dict[str, int] | None = None) -> int:
    """KV bytes for one decode batch, the cache spread over `layer_devices` (one per layer).

    `free` (device -> free bytes) defaults to what the devices report; tests pass it."""
    if not layer_devices:
        raise ValueError("kv_budget needs the device of at least one layer")
    counts = Counter(str(d) for d in layer_devices)
    free = free if free is not None else {str(d): free_memory(torch.device(d)) for d in counts}
    if all(not name.startswith("cuda") for name in counts):
        return int(min(8 * 2**30, sum(free[name] for name in counts) * 0.25))
    layers = len(layer_devices)
    return int(min(0.5 * free[name] * layers / n for name, n in counts.items()))
