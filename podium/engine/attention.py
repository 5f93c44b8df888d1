"""Split attention for a forward after a cached path: the path without a mask, the new tokens' own part with one.

A pack (`scorer._run_pack`) forwards several subtrees after the same cached path. With one dense
tree mask its attention costs `q x (path + q)` however the pack is split into subtrees, and the
mask keeps SDPA off its unmasked kernel. Here the attention is computed in two parts instead:

  1. every new token against the path: one call, no mask (each token may see the whole path);
  2. each root subtree of the pack against itself only: causal when it is a chain, else its own
     small tree mask. Subtrees never see each other, so their `q_i x q_i` blocks are all there is.

Each part returns its softmax's log-sum-exp, which merges the two exactly:
`out = (o1 e^(l1 - m) + o2 e^(l2 - m)) / (e^(l1 - m) + e^(l2 - m))`, `m = max(l1, l2)`.

The log-sum-exp comes from ATen's CPU flash-attention kernel, so the split runs on CPU tensors
only; elsewhere, and whenever no `PackLayout` is passed, this is transformers' own `sdpa`
attention, unchanged. `install` switches a model to it only when the model runs `sdpa`, and the
runner's probe checks the result against plain forwards before the scorer relies on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers import AttentionInterface
from transformers.integrations.sdpa_attention import repeat_kv, sdpa_attention_forward
from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

NAME = "podium_sdpa"
LAYOUT_KWARG = "podium_pack"
MAX_SPANS = 8
"""A pack with more root subtrees than this computes its own part in one call under its tree mask."""


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    mask: torch.Tensor | None = None
    """Additive `[1, 1, n, n]` mask of the subtree on itself; None: a chain, plain causal."""


@dataclass(frozen=True)
class PackLayout:
    """What the new tokens of one forward may see: the whole cached path (`past` tokens), then their own span."""

    past: int
    spans: tuple[Span, ...]

    @classmethod
    def chain(cls, past: int, q: int) -> PackLayout:
        return cls(past, (Span(0, q),))

    @classmethod
    def from_roots(cls, past: int, own: torch.Tensor, root_starts: list[int], dtype: torch.dtype) -> PackLayout:
        """`own`: bool `[q, q]`, which new token may see which (subtrees never see each other)."""
        q = own.shape[0]
        if len(root_starts) > MAX_SPANS:
            return cls(past, (Span(0, q, _additive(own, dtype)),))
        spans = []
        for i, a in enumerate(root_starts):
            b = root_starts[i + 1] if i + 1 < len(root_starts) else q
            block = own[a:b, a:b]
            chain = bool(torch.equal(block, torch.tril(torch.ones_like(block))))
            spans.append(Span(a, b, None if chain else _additive(block, dtype)))
        return cls(past, tuple(spans))


def _additive(allowed: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    mask = torch.zeros(allowed.shape, dtype=dtype)
    mask.masked_fill_(~allowed, torch.finfo(dtype).min)
    return mask[None, None]


def _flash(query, key, value, scale, *, causal: bool = False, mask: torch.Tensor | None = None):
    """(output `[b, h, q, d]`, log-sum-exp `[b, h, q]` in float32) from ATen's CPU flash kernel."""
    if mask is not None and mask.dtype != query.dtype:
        mask = mask.to(query.dtype)
    out, lse = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu(
        query, key, value, 0.0, causal, attn_mask=mask, scale=scale)
    return out, lse.float()


def split_attention(query, key, value, layout: PackLayout, scale: float | None) -> torch.Tensor:
    """Attention of `query` (`[b, h, q, d]`) over `key`/`value` (`[b, h_kv, past + q, d]`), split as `layout` says.

    With grouped KV heads (`h = g h_kv`), the path part runs the `g` query heads of each KV head as one
    longer query block (no causality there to break), so the path's keys are never copied."""
    past, (b, h, q, d), h_kv = layout.past, query.shape, key.shape[1]
    groups = h // h_kv
    own_k, own_v = key[:, :, past:], value[:, :, past:]
    if groups > 1:
        own_k, own_v = repeat_kv(own_k, groups), repeat_kv(own_v, groups)
    if len(layout.spans) == 1:
        s = layout.spans[0]
        own_out, own_lse = _flash(query, own_k, own_v, scale, causal=s.mask is None, mask=s.mask)
    else:
        own_out = torch.empty_like(query)
        own_lse = torch.empty(query.shape[:3], dtype=torch.float32)
        for s in layout.spans:
            o, lse = _flash(query[:, :, s.start : s.end], own_k[:, :, s.start : s.end], own_v[:, :, s.start : s.end],
                            scale, causal=s.mask is None, mask=s.mask)
            own_out[:, :, s.start : s.end] = o
            own_lse[:, :, s.start : s.end] = lse
    if past == 0:
        return own_out
    grouped = query.reshape(b, h_kv, groups * q, d)
    path_out, path_lse = _flash(grouped, key[:, :, :past], value[:, :, :past], scale)
    path_out, path_lse = path_out.reshape(b, h, q, d), path_lse.reshape(b, h, q)
    top = torch.maximum(path_lse, own_lse)
    w_path, w_own = torch.exp(path_lse - top), torch.exp(own_lse - top)
    total = w_path + w_own
    merged = path_out.float() * (w_path / total).unsqueeze(-1) + own_out.float() * (w_own / total).unsqueeze(-1)
    return merged.to(query.dtype)


calls = 0
"""Forwards of one layer that took the split path: the probe checks that the model passes the layout down."""


def podium_sdpa_forward(module, query, key, value, attention_mask, dropout: float = 0.0, scaling=None, **kwargs):
    """transformers' `sdpa` attention, or `split_attention` when the forward carries a `PackLayout`."""
    layout = kwargs.pop(LAYOUT_KWARG, None)
    usable = (layout is not None and query.device.type == "cpu" and not dropout and query.shape[0] == 1
              and kwargs.get("softcap") is None and kwargs.get("position_bias") is None
              and key.shape[2] == layout.past + query.shape[2])
    if not usable:
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling,
                                      **kwargs)
    global calls
    calls += 1
    out = split_attention(query, key, value, layout, scaling)
    return out.transpose(1, 2).contiguous(), None


AttentionInterface.register(NAME, podium_sdpa_forward)
AttentionMaskInterface.register(NAME, sdpa_mask)


def install(model) -> bool:
    """Switch a model that runs `sdpa` on the CPU to `podium_sdpa` (the same attention unless given a layout)."""
    config = model.config
    if getattr(config, "_attn_implementation", None) != "sdpa":
        return False
    if any(p.device.type != "cpu" for p in model.parameters()):
        return False
    model.set_attn_implementation(NAME)
    return True


def uninstall(model) -> None:
    if getattr(model.config, "_attn_implementation", None) == NAME:
        model.set_attn_implementation("sdpa")
