"""KV storage: a preallocated, croppable cache for the model, and a byte-bounded prefix cache.

`KVBuffer` is a `transformers` `Cache` whose layers write new keys/values in place into
preallocated tensors and hand the model views of the filled part. Two things follow:
  * cropping back to a shorter prefix (to forward the next branch of the prefix trie)
    is free: it only moves a length counter;
  * appending does not copy the whole past, unlike `DynamicCache`, whose `torch.cat`
    copies every cached token on every forward (for batched decoding on CPU that copy
    costs as much as the attention itself).
The buffer is zero-initialised: padded columns are masked in attention, and a masked
NaN from uninitialised memory would still poison the weighted sum (0 * NaN = NaN).

`PrefixCache` keeps KV snapshots of token prefixes (keyed by the exact token ids) for
reuse by later prompts, within a byte budget, evicting least-recently-used entries.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
from transformers.cache_utils import Cache, DynamicLayer

KV = list[tuple[torch.Tensor, torch.Tensor]]
"""Per-layer (keys, values), each `[batch, heads, tokens, head_dim]`."""


class BufferLayer(DynamicLayer):
    """One layer's keys/values in a preallocated tensor; `length` columns are valid."""

    def __init__(self, capacity: int):
        super().__init__()
        self.capacity = max(1, int(capacity))
        self.length = 0
        self._k: torch.Tensor | None = None
        self._v: torch.Tensor | None = None

    def lazy_initialization(self, key_states: torch.Tensor, value_states: torch.Tensor) -> None:
        self.dtype, self.device = key_states.dtype, key_states.device
        b, h = key_states.shape[:2]
        self._k = torch.zeros((b, h, self.capacity, key_states.shape[-1]), dtype=self.dtype, device=self.device)
        self._v = torch.zeros((b, value_states.shape[1], self.capacity, value_states.shape[-1]), dtype=self.dtype,
                              device=self.device)
        self.is_initialized = True
        self._refresh()

    def _refresh(self) -> None:
        self.keys = self._k[:, :, : self.length]
        self.values = self._v[:, :, : self.length]

    def _grow(self, needed: int) -> None:
        cap = max(needed, 2 * self.capacity)
        k = self._k.new_zeros((*self._k.shape[:2], cap, self._k.shape[-1]))
        v = self._v.new_zeros((*self._v.shape[:2], cap, self._v.shape[-1]))
        k[:, :, : self.length] = self._k[:, :, : self.length]
        v[:, :, : self.length] = self._v[:, :, : self.length]
        self._k, self._v, self.capacity = k, v, cap

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args, **kwargs):
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        end = self.length + key_states.shape[-2]
        if end > self.capacity:
            self._grow(end)
        self._k[:, :, self.length : end] = key_states
        self._v[:, :, self.length : end] = value_states
        self.length = end
        self._refresh()
        return self.keys, self.values

    def get_seq_length(self) -> int:
        return self.length

    def get_mask_sizes(self, query_length: int) -> tuple[int, int]:
        return self.length + query_length, 0

    def crop_to(self, length: int) -> None:
        if length > self.length:
            raise ValueError(f"cannot crop a cache of {self.length} tokens up to {length}")
        self.length = length
        if self.is_initialized:
            self._refresh()

    def crop(self, tokens_to_remove: int) -> None:  # transformers' convention: a negative count
        self.crop_to(self.length + tokens_to_remove if tokens_to_remove < 0 else tokens_to_remove)

    def reset(self) -> None:
        self.crop_to(0)

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        if self.is_initialized:
            self._k = self._k[indices]
            self._v = self._v[indices]
            self._refresh()

    @property
    def nbytes(self) -> int:
        if not self.is_initialized:
            return 0
        return self._k.numel() * self._k.element_size() + self._v.numel() * self._v.element_size()


class KVBuffer(Cache):
    """A model cache made of `BufferLayer`s, all at the same length."""

    def __init__(self, num_layers: int, capacity: int):
        super().__init__(layers=[BufferLayer(capacity) for _ in range(num_layers)])

    @property
    def length(self) -> int:
        return self.layers[0].length

    def crop_to(self, length: int) -> None:
        for layer in self.layers:
            layer.crop_to(length)

    @property
    def nbytes(self) -> int:
        return sum(layer.nbytes for layer in self.layers)

    def snapshot(self, start: int, end: int, row: int = 0) -> KV:
        """Copies of columns `[start, end)` of one row: safe to keep after the buffer moves on."""
        return [
            (layer.keys[row : row + 1, :, start:end].clone(), layer.values[row : row + 1, :, start:end].clone())
            for layer in self.layers
        ]

    def load(self, kv: KV) -> None:
        """Replace the contents with `kv` (which must match the buffer's batch size)."""
        self.crop_to(0)
        for layer, (k, v) in zip(self.layers, kv, strict=True):
            layer.update(k, v)

    def place_rows(self, rows: list[int], kvs: list[KV], end: int) -> None:
        """Write each row's KV so that it ends at column `end` (left padding); the buffer must be
        initialised at batch size >= max(rows)+1 and have `length == end`."""
        for layer_idx, layer in enumerate(self.layers):
            for row, kv in zip(rows, kvs, strict=True):
                k, v = kv[layer_idx]
                n = k.shape[-2]
                layer._k[row, :, end - n : end] = k[0]
                layer._v[row, :, end - n : end] = v[0]

    def allocate(self, batch: int, like: KV, length: int) -> None:
        """Initialise every layer for `batch` rows (shapes and dtype taken from `like`), length `length`."""
        for layer, (k, v) in zip(self.layers, like, strict=True):
            shape_k = (batch, k.shape[1], 0, k.shape[-1])
            shape_v = (batch, v.shape[1], 0, v.shape[-1])
            layer.lazy_initialization(k.new_zeros(shape_k), v.new_zeros(shape_v))
            if length > layer.capacity:
                layer._grow(length)
            layer.length = length
            layer._refresh()

    def select_rows(self, rows: torch.Tensor, first_column: int = 0) -> None:
        """Keep only `rows` and drop the leading `first_column` columns (a copy, done rarely)."""
        for layer in self.layers:
            keep = layer.length - first_column
            cap = max(layer.capacity - first_column, keep)
            k = layer._k.new_zeros((len(rows), layer._k.shape[1], cap, layer._k.shape[-1]))
            v = layer._v.new_zeros((len(rows), layer._v.shape[1], cap, layer._v.shape[-1]))
            k[:, :, :keep] = layer._k[rows, :, first_column : layer.length]
            v[:, :, :keep] = layer._v[rows, :, first_column : layer.length]
            layer._k, layer._v, layer.capacity, layer.length = k, v, cap, keep
            layer._refresh()


def kv_nbytes(kv: KV) -> int:
    return sum(k.numel() * k.element_size() + v.numel() * v.element_size() for k, v in kv)


@dataclass
class _Entry:
    kv: KV
    nbytes: int


@dataclass
class PrefixCacheStats:
    hits: int = 0
    misses: int = 0
    hit_tokens: int = 0
    inserts: int = 0
    evictions: int = 0
    rejected: int = 0
    peak_bytes: int = 0


class PrefixCache:
    """KV snapshots of token prefixes, keyed by the exact token ids, within `budget_bytes`.

    `lookup` returns the longest stored prefix of a query. Eviction is least recently
    used. An entry larger than the whole budget is not stored. A budget of 0 disables
    the cache; results never depend on what is cached, only the amount of recomputation.
    """

    def __init__(self, budget_bytes: int):
        self.budget = max(0, int(budget_bytes))
        self._entries: OrderedDict[tuple[int, ...], _Entry] = OrderedDict()
        self._lengths: dict[int, int] = {}  # prefix length -> number of entries with that length
        self.bytes = 0
        self.stats = PrefixCacheStats()

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, tokens: tuple[int, ...] | list[int], max_len: int | None = None) -> tuple[int, KV | None]:
        """(n, kv) for the longest stored prefix `tokens[:n]` with `n <= max_len`; (0, None) if none."""
        limit = len(tokens) if max_len is None else min(max_len, len(tokens))
        tokens = tuple(tokens)
        for n in sorted((n for n in self._lengths if n <= limit), reverse=True):
            key = tokens[:n]
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.stats.hits += 1
                self.stats.hit_tokens += n
                return n, entry.kv
        self.stats.misses += 1
        return 0, None

    def insert(self, tokens: tuple[int, ...] | list[int], kv: KV) -> bool:
        key = tuple(tokens)
        if key in self._entries:
            self._entries.move_to_end(key)
            return True
        size = kv_nbytes(kv)
        if size > self.budget:
            self.stats.rejected += 1
            return False
        while self.bytes + size > self.budget and self._entries:
            self._evict_oldest()
        self._entries[key] = _Entry(kv, size)
        self._lengths[len(key)] = self._lengths.get(len(key), 0) + 1
        self.bytes += size
        self.stats.inserts += 1
        self.stats.peak_bytes = max(self.stats.peak_bytes, self.bytes)
        return True

    def _evict_oldest(self) -> None:
        key, entry = self._entries.popitem(last=False)
        self.bytes -= entry.nbytes
        self._lengths[len(key)] -= 1
        if not self._lengths[len(key)]:
            del self._lengths[len(key)]
        self.stats.evictions += 1

    def clear(self) -> None:
        self._entries.clear()
        self._lengths.clear()
        self.bytes = 0
