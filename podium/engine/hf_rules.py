"""HFLM's rules that `PodiumLM` must reproduce exactly, as plain functions.

Copied from lm-eval 0.4.13's `HFLM` (tokenizer construction, generation fallback, text
post-processing) or derived from transformers' `generate` (when decoding is plain argmax),
so the backend module keeps only the interface and the fast paths.
"""

from __future__ import annotations

from typing import Any

import torch
import transformers
from lm_eval.models.utils import postprocess_generated_text
from lm_eval.models.utils_hf import stop_sequences_criteria

from podium.engine.placement import input_device

# Generation kwargs that only matter when sampling: `generate(do_sample=False)` ignores them.
SAMPLING_ONLY = {"do_sample", "temperature", "top_p", "top_k", "min_p", "typical_p", "epsilon_cutoff", "eta_cutoff"}

# generation_config fields whose values leave `generate` a pure argmax decoder.
_NEUTRAL = {
    "num_beams": (None, 1),
    "num_beam_groups": (None, 1),
    "penalty_alpha": (None,),
    "repetition_penalty": (None, 1.0),
    "encoder_repetition_penalty": (None, 1.0),
    "no_repeat_ngram_size": (None, 0),
    "bad_words_ids": (None,),
    "min_length": (None, 0),
    "min_new_tokens": (None, 0),
    "forced_bos_token_id": (None,),
    "forced_eos_token_id": (None,),
    "suppress_tokens": (None,),
    "begin_suppress_tokens": (None,),
    "sequence_bias": (None,),
    "exponential_decay_length_penalty": (None,),
    "guidance_scale": (None, 1.0),
    "watermarking_config": (None,),
    "stop_strings": (None,),
    "max_time": (None,),
    "forced_decoder_ids": (None,),
}


def pick_device(device: str | None) -> torch.device:
    if device in (None, "", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} requested but CUDA is not available")
    return dev


def create_tokenizer(pretrained, tokenizer, revision, subfolder, use_fast, add_bos_token):
    """As `HFLM._create_tokenizer`: same kwargs, so the same tokenizer behaviour."""
    if tokenizer is not None and not isinstance(tokenizer, str):
        return tokenizer
    kwargs: dict[str, Any] = {"revision": revision, "trust_remote_code": False, "use_fast": use_fast}
    if add_bos_token is not None:
        kwargs["add_bos_token"] = add_bos_token
    if subfolder:
        kwargs["subfolder"] = subfolder
    name = tokenizer or (pretrained if isinstance(pretrained, str) else pretrained.name_or_path)
    return transformers.AutoTokenizer.from_pretrained(name, **kwargs)


def eos_ids(model) -> list[int]:
    eos = getattr(model.generation_config, "eos_token_id", None)
    if eos is None:
        return []
    return [int(e) for e in (eos if isinstance(eos, (list, tuple)) else [eos])]


def plain_greedy(model, kwargs: dict) -> bool:
    """True when `generate` would do pure argmax decoding (no logits processor, no beams)."""
    if set(kwargs) - SAMPLING_ONLY or kwargs.get("do_sample"):
        return False
    gc = model.generation_config
    return all(getattr(gc, k, None) in ok for k, ok in _NEUTRAL.items())


def hf_generate(model, tokenizer, autocast, prompt: list[int], until: list[str], max_gen_toks: int,
                kwargs: dict) -> list[int]:
    """lm-eval's own path (`HFLM._model_generate` at batch size 1), for anything but plain greedy."""
    device = input_device(model)
    context = torch.tensor([prompt], dtype=torch.long, device=device)
    max_length = kwargs.pop("max_length", context.shape[1] + max_gen_toks)
    kwargs["temperature"] = kwargs.get("temperature", 0.0)
    do_sample = kwargs.get("do_sample")
    if (temp := kwargs.get("temperature")) == 0.0 and do_sample is None:
        kwargs["do_sample"] = do_sample = False
    if do_sample is False and temp == 0.0:
        kwargs.pop("temperature", None)
    criteria = stop_sequences_criteria(tokenizer, until, context.shape[1], 1)
    with torch.no_grad(), autocast():
        out = model.generate(
            input_ids=context,
            attention_mask=torch.ones_like(context),
            max_length=max_length,
            stopping_criteria=criteria,
            pad_token_id=tokenizer.pad_token_id,
            use_cache=True,
            **kwargs,
        )
    return out[0, context.shape[1] :].tolist()


def finish_text(tokenizer, cont_toks: list[int], until: list[str], think_end_token) -> str:
    """HFLM's post-processing of one generation: thinking cut, decode, stop sequences."""
    if isinstance(think_end_token, int):
        idx = [i for i, t in enumerate(cont_toks) if t == think_end_token]
        if idx:
            cont_toks = cont_toks[idx[-1] + 1 :]
    s = tokenizer.decode(cont_toks, skip_special_tokens=True)
    if isinstance(think_end_token, int):
        s = s.lstrip()
    return postprocess_generated_text(
        generation=s,
        stop=until,
        think_end_token=think_end_token if isinstance(think_end_token, str) else None,
    )
