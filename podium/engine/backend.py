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
batch_size=..., max_length=..., add_bos_token=..., prefix_token_id=...)`; models are
loaded with `AutoModelForCausalLM` and `trust_remote_code` is always refused.
`batch_size`: an integer caps the rows decoded together by `generate_until`, as it caps
the rows of `HFLM`'s `generate` (so `batch_size=1` decodes one row at a time); "auto",
the default, lets the engine choose (32 rows on CPU, `max_batch_size` on CUDA, always
within `kv_budget_mb`). Log-likelihood forwards are sized in tokens (`pack_tokens`),
not requests. No option changes any result, only speed and memory.
Engine options: `prefix_cache_mb` (byte budget of the prefix KV cache),
`pack_tokens` (most tokens per packed log-likelihood forward), `chunk_tokens` (longest
single causal forward of a long context), `kv_budget_mb` (KV memory for
one decode batch), `packing` (False forces one branch per forward).
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

from podium.engine import hf_rules
from podium.engine.forward import ModelRunner, attention_window
from podium.engine.generator import GreedyGenerator
from podium.engine.kvcache import PrefixCache
from podium.engine.memory import PeakMemory
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
class PodiumLM(TemplateLM):
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
        # Accepted for drop-in compatibility with `hf` model_args; they do not change results here.
        logits_cache: bool | None = True,
        softmax_dtype: str | torch.dtype | None = None,
        backend: str = "default",
        parallelize: bool | None = False,
        peft: str | None = None,
        delta: str | None = None,
        **model_kwargs,
    ) -> None:
        super().__init__()
        if _as_bool(trust_remote_code):
            raise ValueError(
                "podium backend: trust_remote_code=True is refused; only stock transformers models are run")
        if _as_bool(parallelize):
            raise ValueError("podium backend: parallelize=True is not supported (single device)")
        if peft or delta:
            raise ValueError("podium backend: peft/delta adapters are not supported; merge them into the weights")
        if backend not in ("default", "causal"):
            raise ValueError(f"podium backend only runs causal LMs (backend={backend!r})")
        if softmax_dtype is not None:
            log.info("podium backend computes log_softmax in float32 regardless of softmax_dtype=%s", softmax_dtype)

        self._device = hf_rules.pick_device(device)
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
            self._model = transformers.AutoModelForCausalLM.from_pretrained(
                pretrained,
                revision=revision,
                dtype=get_dtype(dtype),
                trust_remote_code=False,
                subfolder=subfolder,
                device_map={"": str(self._device)},
                **model_kwargs,
            )
        else:
            self._model = pretrained
            self._device = next(pretrained.parameters()).device
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
        auto = batch_size is None or str(batch_size).startswith("auto")
        self.batch_size_per_gpu = (batch_size or "auto") if auto else int(batch_size)
        self.max_batch_size = int(max_batch_size or 64)

        on_cuda = self._device.type == "cuda"
        self.pack_tokens = int(pack_tokens) if pack_tokens else (2048 if on_cuda else 512)
        self.chunk_tokens = int(chunk_tokens) if chunk_tokens else (8192 if on_cuda else 2048)
        self.kv_budget_bytes = (int(float(kv_budget_mb) * 2**20) if kv_budget_mb
                                else hf_rules.default_kv_budget(self._device))
        cache_mb = DEFAULT_PREFIX_CACHE_MB if prefix_cache_mb is None else float(prefix_cache_mb)
        self.prefix_cache = PrefixCache(int(cache_mb * 2**20))

        autocast = get_dtype(mixed_precision_dtype) if mixed_precision_dtype is not None else None
        self.runner = ModelRunner(self._model, autocast_dtype=autocast)
        window = attention_window(self._config)
        allow_tree = bool(_as_bool(packing) is not False) and (
            window is None or window >= self.max_length + self.pack_tokens)
        self.runner.probe(allow_tree=allow_tree)
        self.scorer = LoglikelihoodScorer(
            self.runner, pack_tokens=self.pack_tokens, chunk_tokens=self.chunk_tokens, max_length=self.max_length
        )
        self.generator = GreedyGenerator(
            self.runner,
            self.tokenizer,
            max_rows=self._decode_rows(),
            kv_budget_bytes=self.kv_budget_bytes,
            prefix_cache=self.prefix_cache if cache_mb > 0 else None,
        )
        self.peak = {"peak_rss_mb": 0.0}
        self.hf_generate_requests = 0

    # -- construction helpers ---------------------------------------------------------------
    def _decode_rows(self) -> int:
        if isinstance(self.batch_size_per_gpu, int):
            return max(1, self.batch_size_per_gpu)
        return self.max_batch_size if self._device.type == "cuda" else min(self.max_batch_size, 32)

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
        return super().loglikelihood(requests, disable_tqdm=disable_tqdm)

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

    # -- reporting ---------------------------------------------------------------------------
    def get_model_info(self) -> dict:
        return {
            "model_num_parameters": sum(p.numel() for p in self._model.parameters()),
            "model_dtype": self._model.dtype,
            "model_revision": self.revision,
            "model_sha": "",
            "engine": "podium",
            "engine_mode": self.runner.caps.mode,
        }

    def _note_peak(self, mem: PeakMemory) -> None:
        for k, v in mem.report.as_dict().items():
            if k.startswith("peak_"):
                self.peak[k] = max(self.peak.get(k, 0.0), v)

    def engine_stats(self) -> dict:
        """Counters for reports and benchmarks (cumulative over this instance's calls)."""
        s, g, f, pc = self.scorer.stats, self.generator.stats, self.runner.stats, self.prefix_cache.stats
        return {
            "mode": self.runner.caps.mode,
            "mode_notes": list(self.runner.caps.notes),
            "forward_calls": f.calls,
            "forwarded_tokens": f.tokens,
            "ll_requests": s.requests,
            "ll_forwarded_tokens": s.forwarded_tokens,
            "ll_trie_tokens": s.trie_tokens,
            "ll_naive_tokens": s.naive_tokens,
            "ll_packs": s.packs,
            "ll_segments": s.segments,
            "ll_peak_kv_mb": round(s.peak_kv_bytes / 2**20, 1),
            "gen_rows": g.rows,
            "gen_prompt_tokens": g.prompt_tokens,
            "gen_prefill_tokens": g.prefill_tokens,
            "gen_new_tokens": g.new_tokens,
            "gen_decode_steps": g.decode_steps,
            "gen_decode_row_steps": g.decode_row_steps,
            "gen_peak_batch_kv_mb": round(g.peak_batch_kv_bytes / 2**20, 1),
            "gen_hf_fallback_requests": self.hf_generate_requests,
            "prefix_cache_budget_mb": round(self.prefix_cache.budget / 2**20, 1),
            "prefix_cache_peak_mb": round(pc.peak_bytes / 2**20, 1),
            "prefix_cache_hits": pc.hits,
            "prefix_cache_hit_tokens": pc.hit_tokens,
            "prefix_cache_evictions": pc.evictions,
            **self.peak,
        }

    def _log_summary(self, what: str) -> None:
        st = self.engine_stats()
        log.info(
            "podium %s: mode=%s forwarded=%d tokens (trie minimum %d for log-likelihood) peak_rss=%.0f MB "
            "prefix_cache=%.0f/%.0f MB",
            what,
            st["mode"],
            st["forwarded_tokens"],
            st["ll_trie_tokens"],
            st.get("peak_rss_mb", 0.0),
            st["prefix_cache_peak_mb"],
            st["prefix_cache_budget_mb"],
        )


__all__ = ["PodiumLM"]
