"""The one place the engine calls the model: forwards with a past, packed trees, selected logits.

`ModelRunner.forward` runs `model(input_ids, past_key_values=..., position_ids=...,
attention_mask=...)` and returns logits only for the positions asked for, using the
model's own `logits_to_keep` so the vocabulary projection (13% of GPT-2 small's
FLOPs at a 16k vocabulary, far more for big-vocabulary models) is skipped elsewhere.

Packed trees: several branches that share a past are forwarded as one row. Each
packed token gets its true position id, and a custom 4D mask lets it see the past and
its own ancestors in the pack only. Whether a model honours custom 4D masks and
explicit position ids is not something to assume, so `probe` checks it on a few tokens
against plain forwards when the backend loads; models that fail get the plain path. The same
probe checks split attention (`attention.py`: the path and the pack's own subtrees in separate,
mostly unmasked calls), which a pack then uses instead of its dense mask.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import time
from dataclasses import dataclass, field

import torch

from podium.engine import attention
from podium.engine.attention import PackLayout
from podium.engine.kvcache import KVBuffer
from podium.engine.placement import input_device

log = logging.getLogger(__name__)


@dataclass
class Capabilities:
    keep_tensor: bool = False
    """`logits_to_keep` accepts a boolean position mask."""
    tree_mask: bool = False
    """Custom 4D masks and explicit position ids are honoured (packing allowed)."""
    buffer_cache: bool = False
    """`KVBuffer` works as the past (prefix reuse allowed)."""
    split_attention: bool = False
    """Packs attend to the cached path and to themselves in separate calls (`attention`), checked like the tree mask."""
    notes: list[str] = field(default_factory=list)

    @property
    def mode(self) -> str:
        if not self.buffer_cache:
            return "independent"
        return "packed" if self.tree_mask else "sequential"


@dataclass
class ForwardStats:
    calls: int = 0
    tokens: int = 0
    """Token positions forwarded (batch rows x sequence length, padding included)."""
    decode_steps: int = 0
    seconds: float = 0.0
    """Wall seconds inside the model's forward (on CUDA until its kernels finish): what a run spends computing,
    against which its fixed costs are measured."""


def text_config(config):
    get = getattr(config, "get_text_config", None)
    return get(decoder=True) if callable(get) else config


def num_cache_layers(config) -> int:
    cfg = text_config(config)
    for attr in ("num_hidden_layers", "n_layer", "num_layers"):
        if getattr(cfg, attr, None):
            return int(getattr(cfg, attr))
    raise ValueError("cannot tell the number of layers from the model config")


class ModelRunner:
    """`keep_on_host`: pass `logits_to_keep` masks on the CPU (a model split over GPUs, see
    `placement.keep_selection_on_host`); inputs always go to the first layer's device."""

    def __init__(self, model, *, autocast_dtype: torch.dtype | None = None, keep_on_host: bool = False):
        self.model = model
        self.device = input_device(model)
        self.keep_device = torch.device("cpu") if keep_on_host else self.device
        self.layer_devices: list[torch.device] = []
        """Device of each KV-cache layer, as the probe found them (a split model spreads them)."""
        self.dtype = next(model.parameters()).dtype
        self.autocast_dtype = autocast_dtype
        self.num_layers = num_cache_layers(model.config)
        self.stats = ForwardStats()
        self.caps = Capabilities()
        self._accepts_keep = "logits_to_keep" in inspect.signature(model.forward).parameters

    # -- masks -----------------------------------------------------------------------------
    @property
    def mask_min(self) -> float:
        return torch.finfo(self.dtype).min

    def additive_mask(self, allowed: torch.Tensor) -> torch.Tensor:
        """Bool `[b, q, kv]` (True = may attend) -> additive float `[b, 1, q, kv]` in the model dtype."""
        mask = torch.zeros(allowed.shape, dtype=self.dtype, device=self.device)
        mask.masked_fill_(~allowed.to(self.device), self.mask_min)
        return mask.unsqueeze(1)

    # -- forward ---------------------------------------------------------------------------
    def new_cache(self, capacity: int) -> KVBuffer:
        return KVBuffer(self.num_layers, capacity)

    def _autocast(self):
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.autocast_dtype)

    @torch.inference_mode()
    def forward(
        self,
        input_ids: torch.Tensor,
        *,
        cache=None,
        position_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        keep: torch.Tensor | None = None,
        layout: PackLayout | None = None,
    ) -> torch.Tensor:
        """Logits `[n_keep, vocab]` for the True entries of `keep` (`[b, q]` bool, row-major), or
        `[b, q, vocab]` when `keep` is None. `layout` is what each new token may see, for split attention:
        where the probe verified it (`caps.split_attention`) it replaces `attention_mask`, which the
        caller then need not build; elsewhere it is ignored and the mask is what counts."""
        input_ids = input_ids.to(self.device)
        kwargs = {"use_cache": cache is not None}
        if cache is not None:
            kwargs["past_key_values"] = cache
        if position_ids is not None:
            kwargs["position_ids"] = position_ids.to(self.device)
        if attention_mask is not None:
            kwargs["attention_mask"] = attention_mask
        if layout is not None and self.caps.split_attention:
            kwargs[attention.LAYOUT_KWARG] = layout
        use_keep = keep is not None and self.caps.keep_tensor
        if use_keep:
            kwargs["logits_to_keep"] = keep.to(self.keep_device)
        elif keep is not None and self._accepts_keep and bool(keep[:, -1].all()) and not bool(keep[:, :-1].any()):
            kwargs["logits_to_keep"] = 1  # only the last position: every model supports the int form
            use_keep = True
        self.stats.calls += 1
        self.stats.tokens += input_ids.numel()
        started = time.perf_counter()
        with self._autocast():
            logits = self.model(input_ids, **kwargs).logits
        if logits.device.type == "cuda":
            torch.cuda.synchronize(logits.device)  # the caller reads the logits next anyway
        self.stats.seconds += time.perf_counter() - started
        if keep is None:
            return logits
        if use_keep:
            return logits.reshape(-1, logits.shape[-1]) if logits.dim() == 3 else logits
        return logits[keep.to(logits.device)]

    # -- capability probe ------------------------------------------------------------------
    def _probe_tree(self, ctx, a, b, ref_a, ref_b, close, *, split: bool = False) -> bool:
        """Forward `a` and `b` as one pack after `ctx`: do both match their plain forwards?"""
        cache = self.new_cache(16)
        self.forward(ctx, cache=cache, position_ids=torch.arange(6)[None])
        allowed = torch.zeros(1, 7, 13, dtype=torch.bool)
        allowed[0, :, :6] = True
        allowed[0, :3, 6:9] = torch.tril(torch.ones(3, 3, dtype=torch.bool))
        allowed[0, 3:, 9:13] = torch.tril(torch.ones(4, 4, dtype=torch.bool))
        pos = torch.tensor([[6, 7, 8, 6, 7, 8, 9]])
        if split:  # no mask, as the scorer forwards a pack then: every layer must take the layout
            layout, mask = PackLayout.from_roots(6, allowed[0, :, 6:], [0, 3], self.dtype), None
        else:
            layout, mask = None, self.additive_mask(allowed)
        out = self.forward(torch.cat([a, b], 1), cache=cache, position_ids=pos, attention_mask=mask,
                           layout=layout)[0]
        return close(out[:3], ref_a) and close(out[3:], ref_b)

    def _probe_split(self, caps: Capabilities, ctx, a, b, ref_a, ref_b, close) -> bool:
        """Switch the model to split attention (`attention.install`) and check a pack as `_probe_tree` does."""
        try:
            if not attention.install(self.model):
                caps.notes.append("split attention not used: the model does not run transformers' sdpa on the CPU")
                return False
            self.caps = Capabilities(keep_tensor=caps.keep_tensor, buffer_cache=True, split_attention=True)
            before = attention.calls
            ok = self._probe_tree(ctx, a, b, ref_a, ref_b, close, split=True) and attention.calls > before
            why = "it changed the logits, or the model did not pass the layout to its attention"
        except Exception as e:  # noqa: BLE001
            ok, why = False, f"{type(e).__name__}: {e}"
        if not ok:
            caps.notes.append(f"split attention not used: {why}")
            attention.uninstall(self.model)
        return ok

    def probe(self, *, allow_tree: bool = True) -> Capabilities:
        """Check, on a few tokens, that the fast paths give the same logits as plain forwards."""
        caps = Capabilities()
        vocab = int(getattr(text_config(self.model.config), "vocab_size", 0) or 0)
        if vocab <= 0:
            caps.notes.append("unknown vocab size: plain forwards only")
            self.caps = caps
            return caps
        g = torch.Generator().manual_seed(0)
        ctx = torch.randint(0, vocab, (1, 6), generator=g)
        a = torch.randint(0, vocab, (1, 3), generator=g)
        b = torch.randint(0, vocab, (1, 4), generator=g)
        saved = self.stats.calls, self.stats.tokens
        with torch.inference_mode():
            ref_a = self.forward(torch.cat([ctx, a], 1))[0, 6:].float()
            ref_b = self.forward(torch.cat([ctx, b], 1))[0, 6:].float()
        scale = max(1.0, float(ref_a.abs().max()))
        tol = (1e-3 if self.dtype == torch.float32 else 5e-2) * scale

        def close(x, y) -> bool:
            return x.shape == y.shape and bool(torch.isfinite(x).all()) and float((x.float() - y).abs().max()) <= tol

        if self._accepts_keep:
            try:
                keep = torch.zeros(1, 9, dtype=torch.bool)
                keep[0, [6, 8]] = True
                self.caps.keep_tensor = True
                out = self.forward(torch.cat([ctx, a], 1), keep=keep)
                caps.keep_tensor = close(out, ref_a[[0, 2]])
            except Exception as e:  # noqa: BLE001 - any failure means "do not use it"
                caps.notes.append(f"logits_to_keep mask unsupported: {type(e).__name__}: {e}")
                caps.keep_tensor = False
        self.caps = Capabilities(keep_tensor=caps.keep_tensor)
        try:
            cache = self.new_cache(16)
            self.forward(ctx, cache=cache, position_ids=torch.arange(6)[None])
            out_a = self.forward(a, cache=cache, position_ids=torch.arange(6, 9)[None])[0]
            cache.crop_to(6)
            out_b = self.forward(b, cache=cache, position_ids=torch.arange(6, 10)[None])[0]
            self.layer_devices = [layer.device for layer in cache.layers if layer.is_initialized]
            caps.buffer_cache = close(out_a, ref_a) and close(out_b, ref_b)
            if not caps.buffer_cache:
                caps.notes.append("prefix reuse through KVBuffer changed the logits")
        except Exception as e:  # noqa: BLE001
            caps.notes.append(f"KVBuffer unsupported: {type(e).__name__}: {e}")
        if caps.buffer_cache and allow_tree:
            try:
                caps.tree_mask = self._probe_tree(ctx, a, b, ref_a, ref_b, close)
                if not caps.tree_mask:
                    caps.notes.append("packed tree forward changed the logits")
            except Exception as e:  # noqa: BLE001
                caps.notes.append(f"custom 4D masks unsupported: {type(e).__name__}: {e}")
            if caps.tree_mask:
                caps.split_attention = self._probe_split(caps, ctx, a, b, ref_a, ref_b, close)
        elif not allow_tree:
            caps.notes.append("packing disabled (sliding-window or chunked attention, or by option)")
        self.stats.calls, self.stats.tokens = saved
        self.caps = caps
        log.info("podium engine mode %s (%s)", caps.mode, "; ".join(caps.notes) or "all fast paths verified")
        return caps


def attention_window(config) -> int | None:
    """The smallest local attention window of the model, if any layer attends locally."""
    cfg = text_config(config)
    windows = []
    layer_types = getattr(cfg, "layer_types", None)
    local = layer_types is None or any(t != "full_attention" for t in layer_types)
    for attr in ("sliding_window", "attention_chunk_size", "local_window_size"):
        w = getattr(cfg, attr, None)
        if isinstance(w, int) and w > 0 and local and getattr(cfg, "use_sliding_window", True) is not False:
            windows.append(w)
    return min(windows) if windows else None
