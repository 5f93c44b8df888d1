"""`PodiumLM`: lm-eval's `podium` model backend.

It is a `TemplateLM`, so lm-eval's own `loglikelihood` does the context/continuation
split, the trailing-whitespace move and the empty-context prefix token; everything
else that decides which tokens the model sees is copied from `HFLM` (0.4.13) line for
line: `tok_encode` (BOS handling, including contexts that already start with the BOS
text, as chat templates produce), the causal truncation window, the rolling windows,
`generate_until`'s grouping, stop sequences, left truncation to
`max_length - max_gen_toks` and post-processing. What differs is only how the
numbers are computed: see `scorer.py` (prefix trie, packed continuations) and
`generator.py` (batched greedy decoding).

About the "Gemma exception": lm-eval versions before 0.4.5 forced `add_bos_token=True`
for Gemma model types in `HFLM.__init__`. 0.4.13 no longer does; Gemma tokenizers
prepend BOS by default, and `add_bos_token` (when given) is forwarded to the tokenizer
exactly as `HFLM` does. Copying the current rule, not the old one, is what keeps the
two backends identical.

Construction mirrors `HFLM(pretrained=..., revision=..., dtype=..., device=...,
batch_size=..., max_length=..., add_bos_token=..., prefix_token_id=..., parallelize=...)`;
weights load through `loading.load_causal_lm` and `trust_remote_code` is always refused.
`batch_size` and the engine's sizes (`pack_tokens`, `chunk_tokens`, `kv_budget_mb`) are
described in `sizing.py`; `prefix_cache_mb` is the byte budget of the prefix KV cache and
`packing=False` forces one branch per forward. No option changes any result, only speed
and memory. `parallelize=True` splits the model over the visible GPUs as lm-eval's `hf`
does (`device_map="auto"` within `max_memory_per_gpu`), or as an explicit `device_map`
says (`placement.py`); offloading to the CPU or disk is refused.
"""

from __future__ import annotations

import logging
from typing import Any

import jinja2
import torch
import transformers
from lm_eval import utils as lm_utils
from lm_eval.api.model import TemplateLM
from lm_eval.api.registry import register_model
from lm_eval.models.utils import (
    DEFAULT_MAX_LENGTH,
    _add_special_kwargs,
    configure_pad_token,
    handle_stop_sequences,
    has_bos_prefix,
    normalize_gen_kwargs,
    resolve_max_length,
)
from lm_eval.models.utils_hf import get_dtype
from tqdm import tqdm

from podium.engine import hf_rules, placement, sizing
from podium.engine.forward import ModelRunner, attention_window, text_config
from podium.engine.generator import GreedyGenerator
from podium.engine.kvcache import PrefixCache
from podium.engine.loading import load_causal_lm
from podium.engine.memory import PeakMemory
from podium.engine.reporting import EngineReporting
from podium.engine.requests import plan_loglikelihood
from podium.engine.scorer import LoglikelihoodScorer
from podium.engine.stops import make_stop_rule

log = logging.getLogger(__name__)

DEFAULT_PREFIX_CACHE_MB = 1024


def _as_bool(v) -> bool | None:
    if v is None or isinstance(v, bool):
        return v
    return str(v).strip().lower() in {"1", "true", "yes", "on"}


@register_model("podium")
class PodiumLM(EngineReporting, TemplateLM):
    """Exact lm-eval scores, computed with prefix sharing and batched greedy decoding."""

    backend = "causal"
    _DEFAULT_MAX_LENGTH = DEFAULT_MAX_LENGTH

    def __init__(
        self,
        pretrained: str | transformers.PreTrainedModel,
        revision: str | None = "main",
        subfolder: str = "",
        tokenizer: str | transformers.PreTrainedTokenizerBase | None = None,
        dtype: str | torch.dtype | None = "auto",
        device: str | None = None,
        batch_size: int | str | None = "auto",
        max_batch_size: int | None = 64,
        max_length: int | None = None,
        trust_remote_code: bool | None = False,
        use_fast_tokenizer: bool | None = True,
        add_bos_token: bool | None = None,
        prefix_token_id: int | None = None,
        truncation: bool | None = False,
        prefix_cache_mb: float | None = DEFAULT_PREFIX_CACHE_MB,
        pack_tokens: int | None = None,
        chunk_tokens: int | None = None,
        kv_budget_mb: float | None = None,
        packing: bool | None = True,
        mixed_precision_dtype: str | torch.dtype | None = None,
        think_end_token: str | int | None = None,
        enable_thinking: bool | None = None,
        chat_template_args: dict[str, Any] | None = None,
        # lm-eval's pipeline placement over several GPUs (placement.py).
        parallelize: bool | None = False,
        device_map: dict | None = None,
        max_memory_per_gpu: int | str | None = None,
        max_cpu_memory: int | str | None = None,
        # Accepted for drop-in compatibility with `hf` model_args; they do not change results here.
        logits_cache: bool | None = True,
        softmax_dtype: str | torch.dtype | None = None,
        backend: str = "default",
        peft: str | None = None,
        delta: str | None = None,
        **model_kwargs,
    ) -> None:
        super().__init__()
        if _as_bool(trust_remote_code):
            raise ValueError("podium backend: trust_remote_code=True is refused; "
                             "only stock transformers models are run")
        if peft or delta:
            raise ValueError("podium backend: peft/delta adapters are not supported; merge them into the weights")
        if backend not in ("default", "causal"):
            raise ValueError(f"podium backend only runs causal LMs (backend={backend!r})")
        if max_cpu_memory is not None:
            raise ValueError("podium backend: max_cpu_memory (offloading to the CPU) is refused; the model must fit "
                             "in the GPUs it is split over")
        parallel = bool(_as_bool(parallelize))
        if device_map is not None and not parallel:
            raise ValueError("podium backend: device_map is only used with parallelize=True")
        if softmax_dtype is not None:
            log.info("podium backend computes log_softmax in float32 regardless of softmax_dtype=%s", softmax_dtype)

        self._device = hf_rules.pick_device(device)
        if parallel and self._device.type != "cuda":
            raise ValueError("podium backend: parallelize=True splits the model over CUDA GPUs; none is in use")
        if isinstance(pretrained, str):
            revision = str(revision)
            self._config = transformers.AutoConfig.from_pretrained(
                pretrained, revision=revision, trust_remote_code=False, subfolder=subfolder
            )
        else:
            self._config = pretrained.config
        seq_to_seq = transformers.models.auto.modeling_auto.MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES
        if getattr(self._config, "model_type", None) in seq_to_seq:
            raise ValueError("podium backend only runs decoder-only (AutoModelForCausalLM) models")
        self.tokenizer = hf_rules.create_tokenizer(
            pretrained, tokenizer, revision, subfolder, _as_bool(use_fast_tokenizer), _as_bool(add_bos_token)
        )
        if isinstance(pretrained, str):
            if parallel and device_map is None:
                device_map = self._plan_split(dtype, max_memory_per_gpu)
            self._model = load_causal_lm(pretrained, revision=revision, subfolder=subfolder, dtype=dtype,
                                         device=self._device, device_map=device_map, **model_kwargs)
        else:
            if parallel:
                raise ValueError("podium backend: parallelize=True needs a model name, not a loaded model")
            self._model = pretrained
        self._device = placement.input_device(self._model)
        if placement.is_split(self._model):
            placement.keep_selection_on_host(self._model)
        self._model.eval()
        if hasattr(self._model, "tie_weights"):
            self._model.tie_weights()

        self.think_end_token = (
            int(think_end_token)
            if (isinstance(think_end_token, str) and think_end_token.isdigit())
            else think_end_token
        )
        self.enable_thinking = _as_bool(enable_thinking)
        self.chat_template_args = (
            (chat_template_args or {}) | dict(enable_thinking=self.enable_thinking)
            if self.enable_thinking is not None
            else (chat_template_args or {})
        )
        if self.enable_thinking and think_end_token is None:
            raise ValueError("enable_thinking=True needs think_end_token (as with lm-eval's hf backend)")
        self.truncation = _as_bool(truncation)
        self.vocab_size = self.tokenizer.vocab_size
        self.tokenizer = configure_pad_token(self.tokenizer, model_config=self._config)
        self.add_bos_token = _as_bool(add_bos_token)
        self._max_length = int(max_length) if max_length else None
        self.custom_prefix_token_id = int(prefix_token_id) if prefix_token_id is not None else None
        self.pretrained = pretrained if isinstance(pretrained, str) else getattr(pretrained, "name_or_path", "")
        self.revision = revision

        text_cfg = text_config(self._config)
        self.batch_plan = sizing.plan_batch(
            batch_size, on_cuda=self._device.type == "cuda", free_bytes=sizing.free_memory(self._device),
            vocab=int(getattr(text_cfg, "vocab_size", 0) or 0), hidden=int(getattr(text_cfg, "hidden_size", 0) or 0),
            max_batch_size=int(max_batch_size or 64), pack_tokens=pack_tokens, chunk_tokens=chunk_tokens,
        )
        self.batch_size_per_gpu = self.batch_plan.requested
        self.pack_tokens, self.chunk_tokens = self.batch_plan.pack_tokens, self.batch_plan.chunk_tokens
        cache_mb = DEFAULT_PREFIX_CACHE_MB if prefix_cache_mb is None else float(prefix_cache_mb)
        self.prefix_cache = PrefixCache(int(cache_mb * 2**20))

        autocast = get_dtype(mixed_precision_dtype) if mixed_precision_dtype is not None else None
        self.runner = ModelRunner(self._model, autocast_dtype=autocast, keep_on_host=placement.is_split(self._model))
        window = attention_window(self._config)
        allow_tree = bool(_as_bool(packing) is not False) and (
            window is None or window >= self.max_length + self.pack_tokens)
        self.runner.probe(allow_tree=allow_tree)
        layer_devices = self.runner.layer_devices or [self._device] * self.runner.num_layers
        self.kv_budget_bytes = int(float(kv_budget_mb) * 2**20) if kv_budget_mb else sizing.kv_budget(layer_devices)
        self.scorer = LoglikelihoodScorer(
            self.runner, pack_tokens=self.pack_tokens, chunk_tokens=self.chunk_tokens, max_length=self.max_length
        )
        self.generator = GreedyGenerator(
            self.runner,
            self.tokenizer,
            max_rows=self.batch_plan.decode_rows,
            kv_budget_bytes=self.kv_budget_bytes,
            prefix_cache=self.prefix_cache if cache_mb > 0 else None,
        )
        self.peak = {"peak_rss_mb": 0.0}
        self.cuda_peaks: list[int] = []
        self.hf_generate_requests = 0
        self._encodings: dict | None = None
        """Encodings memoised for the length of one `loglikelihood` call (`tok_encode`)."""

    def _plan_split(self, dtype, max_memory_per_gpu) -> dict:
        """As `HFLM` with `parallelize=True`: every visible GPU, each within `max_memory_per_gpu` if given."""
        gpus = torch.cuda.device_count()
        budget = {i: max_memory_per_gpu for i in range(gpus)} if max_memory_per_gpu is not None else None
        name = get_dtype(dtype)
        name = str((self._config.dtype or "float32") if name == "auto" else name).removeprefix("torch.")
        return placement.plan_device_map(self._config, name, gpus, budget)

    # -- lm-eval interface: properties -------------------------------------------------------
    @property
    def config(self):
        return self._config

    @property
    def model(self):
        return self._model

    @property
    def eot_token_id(self) -> int:
        return self.tokenizer.eos_token_id

    @property
    def prefix_token_id(self) -> int:
        if self.custom_prefix_token_id is not None:
            return self.custom_prefix_token_id
        if self.tokenizer.bos_token_id is not None:
            return self.tokenizer.bos_token_id
        return self.tokenizer.eos_token_id

    @property
    def max_length(self) -> int:
        if self._max_length:
            return self._max_length
        return resolve_max_length(self._model.config, self.tokenizer, default=self._DEFAULT_MAX_LENGTH)

    @property
    def max_gen_toks(self) -> int:
        return 256

    @property
    def batch_size(self):
        return self.batch_size_per_gpu

    @property
    def device(self):
        return self._device

    @property
    def tokenizer_name(self) -> str:
        return self.tokenizer.name_or_path.replace("/", "__")

    # -- tokenization (HFLM's rules) ----------------------------------------------------------
    def tok_encode(self, string: str, add_special_tokens: bool | None = None, left_truncate_len: int | None = None,
                   **kwargs) -> list[int]:
        memo = self._encodings
        if memo is not None:
            key = (string, add_special_tokens, left_truncate_len)
            if key not in memo:
                memo[key] = self._tok_encode(string, add_special_tokens, left_truncate_len)
            return list(memo[key])
        return self._tok_encode(string, add_special_tokens, left_truncate_len)

    def _tok_encode(self, string: str, add_special_tokens: bool | None, left_truncate_len: int | None) -> list[int]:
        special_tokens_kwargs = _add_special_kwargs(add_special_tokens, self.add_bos_token)
        if add_special_tokens is None and has_bos_prefix(string, self.tokenizer.decode(self.prefix_token_id)):
            special_tokens_kwargs["add_special_tokens"] = False
        encoding = self.tokenizer.encode(string, **special_tokens_kwargs)
        if left_truncate_len:
            encoding = encoding[-left_truncate_len:]
        return encoding

    def _encode_prompt(self, string: str, left_truncate_len: int) -> list[int]:
        """`HFLM.tok_batch_encode` for one string (lm-eval's batch-size-1 behaviour)."""
        add_special_tokens = {}
        if has_bos_prefix(string, getattr(self.tokenizer, "bos_token", None)):
            add_special_tokens = {"add_special_tokens": False}
        elif self.add_bos_token is not None:
            add_special_tokens = {"add_special_tokens": self.add_bos_token}
        ids = self.tokenizer(string, truncation=self.truncation, **add_special_tokens)["input_ids"]
        return list(ids[-left_truncate_len:]) if left_truncate_len else list(ids)

    def tok_decode(self, tokens, skip_special_tokens: bool = True):
        return self.tokenizer.decode(tokens, skip_special_tokens=skip_special_tokens)

    # -- log-likelihood -----------------------------------------------------------------------
    def loglikelihood(self, requests, disable_tqdm: bool = False):
        if self.enable_thinking:
            raise ValueError("enable_thinking=True is not compatible with loglikelihood tasks")
        self._encodings = {}  # lm-eval encodes each context once per choice: ten times for MMLU-Pro
        try:
            return super().loglikelihood(requests, disable_tqdm=disable_tqdm)
        finally:
            self._encodings = None

    def _loglikelihood_tokens(self, requests, disable_tqdm: bool = False, override_bs: int | None = None, **kwargs):
        plans = [plan_loglikelihood(ctx, cont, self.max_length) for _, ctx, cont in requests]
        with PeakMemory() as mem:
            results = self.scorer.score(plans)
        self._note_peak(mem)
        for (request_str, _ctx, _cont), answer in zip(requests, results, strict=True):
            if request_str is not None:
                self.cache_hook.add_partial("loglikelihood", request_str, answer)
        self._log_summary("loglikelihood")
        return results

    def loglikelihood_rolling(self, requests, disable_tqdm: bool = False) -> list[float]:
        windows, owners = [], []
        for i, (string,) in enumerate(tqdm([req.args for req in requests], disable=disable_tqdm)):
            for ctx, cont in map(
                lm_utils.make_disjoint_window,
                lm_utils.get_rolling_token_windows(
                    token_list=self.tok_encode(string),
                    prefix_token=self.prefix_token_id,
                    max_seq_len=self.max_length,
                    context_len=1,
                ),
            ):
                windows.append((None, ctx, cont))
                owners.append(i)
        scores = self._loglikelihood_tokens(windows) if windows else []
        totals = [0.0] * len(requests)
        for i, (lp, _greedy) in zip(owners, scores, strict=True):
            totals[i] += lp
        for req, total in zip(requests, totals, strict=True):
            self.cache_hook.add_partial("loglikelihood_rolling", (req.args[0],), total)
        return totals

    # -- generation --------------------------------------------------------------------------
    def generate_until(self, requests, disable_tqdm: bool = False) -> list[str]:
        eos = self.tok_decode(self.eot_token_id, skip_special_tokens=False)
        groups: dict[str, list[int]] = {}
        args = [req.args for req in requests]
        for i, (_ctx, gen_kwargs) in enumerate(args):
            groups.setdefault(repr(sorted(gen_kwargs.items(), key=lambda kv: kv[0])), []).append(i)
        results: list[str | None] = [None] * len(requests)
        with PeakMemory() as mem:
            for idx in groups.values():
                gen_kwargs = args[idx[0]][1]
                kwargs = normalize_gen_kwargs(gen_kwargs, self.max_gen_toks)
                until = handle_stop_sequences(kwargs.pop("until", None), eos=eos)
                max_gen_toks = kwargs.pop("max_gen_toks")
                max_ctx_len = self.max_length - max_gen_toks
                if max_ctx_len <= 0:
                    raise ValueError(
                        f"max_gen_toks ({max_gen_toks}) must be less than the model's max length ({self.max_length})"
                    )
                prompts = [self._encode_prompt(args[i][0], max_ctx_len) for i in idx]
                if (hf_rules.plain_greedy(self._model, kwargs) and all(prompts)
                        and self.runner.caps.mode != "independent"):
                    rule = make_stop_rule(self.tokenizer, until, hf_rules.eos_ids(self._model), max_gen_toks)
                    outs = self.generator.generate(prompts, [rule] * len(prompts))
                else:
                    outs = [self._hf_generate(p, until, max_gen_toks, dict(kwargs)) for p in prompts]
                for i, toks in zip(idx, outs, strict=True):
                    results[i] = hf_rules.finish_text(self.tokenizer, toks, until, self.think_end_token)
                    self.cache_hook.add_partial("generate_until", (args[i][0], args[i][1]), results[i])
        self._note_peak(mem)
        self._log_summary("generate_until")
        return results  # type: ignore[return-value]

    def _hf_generate(self, prompt: list[int], until: list[str], max_gen_toks: int, kwargs: dict) -> list[int]:
        self.hf_generate_requests += 1
        out = hf_rules.hf_generate(self._model, self.tokenizer, self.runner._autocast, prompt, until, max_gen_toks,
                                   kwargs)
        self.runner.stats.tokens += len(prompt) + len(out)  # approximate accounting for the fallback
        return out

    # -- chat templates (as HFLM) ------------------------------------------------------------
    def apply_chat_template(self, chat_history: list[dict[str, str]], add_generation_prompt: bool = True) -> str:
        try:
            return self.tokenizer.apply_chat_template(
                chat_history,
                tokenize=False,
                add_generation_prompt=add_generation_prompt,
                continue_final_message=not add_generation_prompt,
                **self.chat_template_args,
            )
        except jinja2.exceptions.TemplateError:
            log.warning("Failed to apply chat template. removing the system role in chat history.")
            chat_history = [msg for msg in chat_history if msg["role"] != "system"]
            return self.tokenizer.apply_chat_template(
                chat_history,
                tokenize=False,
                add_generation_prompt=add_generation_prompt,
                continue_final_message=not add_generation_prompt,
                **self.chat_template_args,
            )


__all__ = ["PodiumLM"]
