"""Derived-model helpers for the tracing tests and validation: each makes a model that descends
from a base in a known way (weight noise, permuted hidden units, a rotated Llama residual stream,
one block re-initialised and retrained, a narrower MLP, one more block). The function-preserving
transforms report how far the outputs moved on a probe batch, so a test can check they did not.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from podium.tracing.arch import layers
from workshop.training import train


@torch.no_grad()
def add_weight_noise(model, scale: float, seed: int) -> None:
    """Adds Gaussian noise with std `scale` x (each tensor's own std) to every weight matrix."""
    g = torch.Generator().manual_seed(seed)
    for p in model.parameters():
        if p.ndim >= 2:
            p.add_(torch.randn(p.shape, generator=g) * p.std() * scale)


def _probe_ids(model, seed: int = 7) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, model.get_input_embeddings().weight.shape[0], (2, 32), generator=g)


@torch.no_grad()
def _max_logit_diff(before: torch.Tensor, model, ids) -> float:
    return float((model(input_ids=ids).logits - before).abs().max())


@torch.no_grad()
def permute_hidden_units(model, seed: int, *, check: bool = True) -> float:
    """Permutes every block's MLP units and the residual dimensions; the function is unchanged.

    Returns the largest absolute logit difference on a probe batch (verification)."""
    g = torch.Generator().manual_seed(seed)
    ids = _probe_ids(model)
    before = model(input_ids=ids).logits.clone() if check else None
    mt = model.config.model_type
    if mt == "gpt2":
        d = model.config.n_embd
        r = torch.randperm(d, generator=g)  # residual permutation: new dim k = old dim r[k]
        tr = model.transformer
        tr.wte.weight.copy_(tr.wte.weight[:, r])
        tr.wpe.weight.copy_(tr.wpe.weight[:, r])
        for blk in tr.h:
            for ln in (blk.ln_1, blk.ln_2):
                ln.weight.copy_(ln.weight[r])
                ln.bias.copy_(ln.bias[r])
            blk.attn.c_attn.weight.copy_(blk.attn.c_attn.weight[r, :])  # Conv1D [in, out]
            blk.attn.c_proj.weight.copy_(blk.attn.c_proj.weight[:, r])
            blk.attn.c_proj.bias.copy_(blk.attn.c_proj.bias[r])
            u = torch.randperm(blk.mlp.c_fc.weight.shape[1], generator=g)
            blk.mlp.c_fc.weight.copy_(blk.mlp.c_fc.weight[r, :][:, u])
            blk.mlp.c_fc.bias.copy_(blk.mlp.c_fc.bias[u])
            blk.mlp.c_proj.weight.copy_(blk.mlp.c_proj.weight[u, :][:, r])
            blk.mlp.c_proj.bias.copy_(blk.mlp.c_proj.bias[r])
        tr.ln_f.weight.copy_(tr.ln_f.weight[r])
        tr.ln_f.bias.copy_(tr.ln_f.bias[r])
        if model.lm_head.weight.data_ptr() != tr.wte.weight.data_ptr():
            model.lm_head.weight.copy_(model.lm_head.weight[:, r])
    else:  # Llama-style
        d = model.config.hidden_size
        r = torch.randperm(d, generator=g)
        body = model.model
        body.embed_tokens.weight.copy_(body.embed_tokens.weight[:, r])
        for blk in body.layers:
            for ln in (blk.input_layernorm, blk.post_attention_layernorm):
                ln.weight.copy_(ln.weight[r])
            for lin in (blk.self_attn.q_proj, blk.self_attn.k_proj, blk.self_attn.v_proj):
                lin.weight.copy_(lin.weight[:, r])
            blk.self_attn.o_proj.weight.copy_(blk.self_attn.o_proj.weight[r, :])
            mlp = blk.mlp
            u = torch.randperm(mlp.up_proj.weight.shape[0], generator=g)
            mlp.gate_proj.weight.copy_(mlp.gate_proj.weight[u][:, r])
            mlp.up_proj.weight.copy_(mlp.up_proj.weight[u][:, r])
            mlp.down_proj.weight.copy_(mlp.down_proj.weight[r][:, u])
        body.norm.weight.copy_(body.norm.weight[r])
        model.lm_head.weight.copy_(model.lm_head.weight[:, r])
    return _max_logit_diff(before, model, ids) if check else 0.0


@torch.no_grad()
def rotate_residual(model, seed: int, *, check: bool = True) -> float:
    """Llama only: folds every RMSNorm gain into the next linear layers and rotates the residual
    stream by a random orthogonal matrix (plus permutes MLP units). The function is unchanged."""
    if model.config.model_type == "gpt2":
        raise ValueError("GPT-2's LayerNorm (mean-centring with per-dimension bias) does not commute with rotations")
    g = torch.Generator().manual_seed(seed)
    ids = _probe_ids(model)
    before = model(input_ids=ids).logits.clone() if check else None
    body = model.model
    d = model.config.hidden_size
    q, _ = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=torch.float64))
    q = q.to(torch.float32)  # residual x -> x @ q
    body.embed_tokens.weight.copy_(body.embed_tokens.weight @ q)
    for blk in body.layers:
        gi = blk.input_layernorm.weight.clone()
        for lin in (blk.self_attn.q_proj, blk.self_attn.k_proj, blk.self_attn.v_proj):
            lin.weight.copy_((lin.weight * gi[None, :]) @ q)
        blk.input_layernorm.weight.fill_(1.0)
        blk.self_attn.o_proj.weight.copy_(q.T @ blk.self_attn.o_proj.weight)
        gp = blk.post_attention_layernorm.weight.clone()
        mlp = blk.mlp
        u = torch.randperm(mlp.up_proj.weight.shape[0], generator=g)
        mlp.gate_proj.weight.copy_(((mlp.gate_proj.weight * gp[None, :]) @ q)[u])
        mlp.up_proj.weight.copy_(((mlp.up_proj.weight * gp[None, :]) @ q)[u])
        mlp.down_proj.weight.copy_((q.T @ mlp.down_proj.weight)[:, u])
        blk.post_attention_layernorm.weight.fill_(1.0)
    gf = body.norm.weight.clone()
    model.lm_head.weight.copy_((model.lm_head.weight * gf[None, :]) @ q)
    body.norm.weight.fill_(1.0)
    return _max_logit_diff(before, model, ids) if check else 0.0


def reinit_and_retrain_layer(model, layer: int, stream, *, steps: int, batch: int, context: int, lr: float, seed: int):
    """Re-initialises block `layer` (fresh random weights) and retrains only that block."""
    torch.manual_seed(seed)
    blk = layers(model)[layer]
    for mod in blk.modules():
        if mod is not blk and hasattr(mod, "reset_parameters"):
            mod.reset_parameters()
        elif type(mod).__name__ == "Conv1D":
            nn.init.normal_(mod.weight, std=0.02)
            nn.init.zeros_(mod.bias)
    for mod in blk.modules():  # RMSNorm gains
        if type(mod).__name__.endswith("RMSNorm"):
            nn.init.ones_(mod.weight)
    for p in model.parameters():
        p.requires_grad_(False)
    for p in blk.parameters():
        p.requires_grad_(True)
    losses = train(model, stream, steps=steps, batch=batch, context=context, lr=lr, seed=seed, params=blk.parameters())
    for p in model.parameters():
        p.requires_grad_(True)
    return losses


@torch.no_grad()
def drop_mlp_units(model, n_drop: int, seed: int):
    """A copy with `n_drop` MLP units removed from every block (a narrower MLP: rectangular matching)."""
    g = torch.Generator().manual_seed(seed)
    cfg = copy.deepcopy(model.config)
    if cfg.model_type == "gpt2":
        n = model.transformer.h[0].mlp.c_fc.weight.shape[1]
        cfg.n_inner = n - n_drop
    else:
        n = cfg.intermediate_size
        cfg.intermediate_size = n - n_drop
    new = type(model)(cfg)
    sd = model.state_dict()
    keep = {}
    for name, t in sd.items():
        if ".mlp." not in name:
            continue
        layer = name.split(".mlp.")[0]
        if layer not in keep:
            keep[layer] = torch.randperm(n, generator=g)[: n - n_drop].sort().values
        k = keep[layer]
        if name.endswith("c_fc.weight"):
            sd[name] = t[:, k]
        elif name.endswith("c_fc.bias"):
            sd[name] = t[k]
        elif name.endswith("c_proj.weight") and ".mlp." in name:
            sd[name] = t[k, :]
        elif name.endswith(("gate_proj.weight", "up_proj.weight")):
            sd[name] = t[k, :]
        elif name.endswith("down_proj.weight"):
            sd[name] = t[:, k]
    new.load_state_dict(sd, strict=False)
    if getattr(model.config, "tie_word_embeddings", False):
        new.tie_weights()
    return new.eval()


@torch.no_grad()
def add_block(model, seed: int):
    """A copy with one freshly initialised block appended (a deeper model: all-pairs comparison)."""
    torch.manual_seed(seed)
    cfg = copy.deepcopy(model.config)
    if cfg.model_type == "gpt2":
        cfg.n_layer += 1
    else:
        cfg.num_hidden_layers += 1
        if getattr(cfg, "layer_types", None):
            cfg.layer_types = list(cfg.layer_types) + [cfg.layer_types[-1]]
    new = type(model)(cfg)
    missing, unexpected = new.load_state_dict(model.state_dict(), strict=False)
    assert not unexpected, unexpected
    if getattr(model.config, "tie_word_embeddings", False):
        new.tie_weights()
    return new.eval()
