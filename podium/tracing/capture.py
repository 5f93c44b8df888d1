"""One hooked forward pass per model, in lockstep, folded into `CrossStats`.

For every chunk of token sequences: run model 1's decoder body (no LM head: tracing does
not need logits) with forward hooks on the MLP sites it needs, then model 2's on the same
token ids, update the cross-statistics of every requested (layer1, layer2, site) pair, and
drop the chunk's activations. Position 0 of each sequence (the BOS token, where models
park large "attention sink" activations) is left out of the statistics.
"""

from __future__ import annotations

import torch
from torch import nn

from podium.tracing import arch as archmod
from podium.tracing.accumulate import CrossStats


def _hook_store(store: dict, key, skip_first: bool):
    def hook(_module, _inputs, output):
        out = output[0] if isinstance(output, tuple) else output
        if skip_first:
            out = out[:, 1:, :]
        store[key] = out.detach().reshape(-1, out.shape[-1]).to(torch.float32)

    return hook


@torch.no_grad()
def cross_statistics(
    model1: nn.Module,
    arch1: archmod.Arch,
    model2: nn.Module,
    arch2: archmod.Arch,
    input_ids: torch.Tensor,
    pairs: list[tuple[int, int, str]],
    *,
    batch_size: int = 8,
    skip_first: bool = True,
) -> dict[tuple[int, int, str], CrossStats]:
    """Cross-statistics for each (layer of model 1, layer of model 2, site) in `pairs`.

    Model 1's hooked activations of the current chunk are held until model 2 has run on the
    same chunk; model 2's hooks fold their activations into the statistics at once, so at
    most one chunk of model-1 activations (plus one layer of model 2's) is alive."""
    need1 = sorted({(i, s) for i, _, s in pairs})
    need2 = sorted({(j, s) for _, j, s in pairs})
    out = {(i, j, s): CrossStats(arch1.n_units, arch2.n_units) for i, j, s in pairs}
    consumers: dict[tuple[int, str], list] = {}
    for i, j, s in pairs:
        consumers.setdefault((j, s), []).append((i, out[(i, j, s)]))
    store1: dict = {}

    def hook2(key):
        def hook(_module, _inputs, output):
            b = output[0] if isinstance(output, tuple) else output
            if skip_first:
                b = b[:, 1:, :]
            b = b.detach().reshape(-1, b.shape[-1]).to(torch.float32)
            for i, cs in consumers[key]:
                cs.update(store1[(i, key[1])], b)

        return hook

    handles = []
    try:
        for i, s in need1:
            handles.append(archmod.site_module(model1, arch1, i, s)
                           .register_forward_hook(_hook_store(store1, (i, s), skip_first)))
        for j, s in need2:
            handles.append(archmod.site_module(model2, arch2, j, s).register_forward_hook(hook2((j, s))))
        body1, body2 = model1.base_model, model2.base_model
        for start in range(0, input_ids.shape[0], batch_size):
            chunk = input_ids[start : start + batch_size]
            store1.clear()
            body1(input_ids=chunk, use_cache=False)
            body2(input_ids=chunk, use_cache=False)
    finally:
        for h in handles:
            h.remove()
        store1.clear()
    return out


def layer_pairs(n1: int, n2: int, sites: tuple[str, ...]) -> list[tuple[int, int, str]]:
    """Aligned layers when depths agree; all pairs of layers when they differ."""
    if n1 == n2:
        return [(i, i, s) for i in range(n1) for s in sites]
    return [(i, j, s) for i in range(n1) for j in range(n2) for s in sites]
