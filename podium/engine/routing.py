"""The `vllm` backend (optional extra `podium[vllm]`): generation through vLLM, the rest exact.

vLLM is fast at greedy generation but does not reuse prefixes for prompt log-probabilities,
so under this backend only `generate_until` requests (IFEval, MATH, GSM8K, HELM-style
MMLU) go to vLLM (lm-eval's own `vllm` model, so lm-eval's vLLM rules apply); every
log-likelihood request (`loglikelihood`, `loglikelihood_rolling`) goes to the exact
`podium` engine. The result records the backend as `vllm` and the route of each request
type. vLLM needs CUDA; it runs on one GPU here (a split model uses the `podium` backend).

Both sides live on the same GPU: the exact engine loads first; vLLM, built at the first
generation request, is given `vllm_memory_fraction` (default half) of the GPU memory that
is free at that moment, so the model must fit twice.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable

from lm_eval.api.model import LM

from podium.errors import UsageError

log = logging.getLogger(__name__)

ROUTES = {"generate_until": "vllm", "loglikelihood": "podium", "loglikelihood_rolling": "podium"}


def unavailable_reason(vllm_installed: bool, cuda: bool, gpus: int = 1) -> str | None:
    """Why the vllm backend cannot run here, or None when it can."""
    if not vllm_installed:
        return ("The vllm backend needs the vllm package, which is not installed. Install the extra on a CUDA "
                "host (pip install 'podium[vllm]'), or use --backend podium.")
    if not cuda:
        return "The vllm backend needs a CUDA GPU and none is visible. Use --backend podium on this machine."
    if gpus > 1:
        return (f"The vllm backend runs on one GPU; this job asks for {gpus}. Use --backend podium, which splits "
                "the model over several GPUs.")
    return None


def require_vllm(gpus: int = 1) -> None:
    import torch

    reason = unavailable_reason(importlib.util.find_spec("vllm") is not None, torch.cuda.is_available(), gpus)
    if reason:
        raise UsageError(reason)


def vllm_generator(pretrained: str, *, dtype: str, revision: str | None, batch_size, memory_fraction: float,
                   **kwargs) -> Callable[[], LM]:
    """A factory for lm-eval's `vllm` model with a share of the GPU memory free when it is called."""

    def build() -> LM:
        import torch
        from lm_eval.api.registry import get_model

        torch.cuda.empty_cache()
        free, total = torch.cuda.mem_get_info()
        share = round(memory_fraction * free / total, 3)
        log.info("vllm backend: building vLLM with gpu_memory_utilization=%s", share)
        args = {"pretrained": pretrained, "dtype": dtype, "trust_remote_code": False, "batch_size": batch_size,
                "gpu_memory_utilization": share, **kwargs}
        if revision:
            args["revision"] = revision
        return get_model("vllm")(**args)

    return build


def build_routed(model_args: dict, batch_size, device: str, gpus: int = 1) -> RoutedLM:
    """The `vllm` backend for `podium eval`: refuses where vLLM cannot run, else the exact side now,
    vLLM at the first generation request. `vllm_memory_fraction` may be given in `model_args`."""
    from lm_eval.api.registry import get_model

    import podium.engine  # noqa: F401  (registers the podium backend)

    require_vllm(gpus)
    args = dict(model_args)
    fraction = float(args.pop("vllm_memory_fraction", 0.5))
    if not 0 < fraction < 1:
        raise UsageError(f"vllm_memory_fraction must be between 0 and 1, got {fraction}.")
    exact = get_model("podium").create_from_arg_obj(args, {"batch_size": batch_size, "device": device})
    make = vllm_generator(args["pretrained"], dtype=args["dtype"], revision=args.get("revision"),
                          batch_size=batch_size, memory_fraction=fraction)
    return RoutedLM(exact, make)


class RoutedLM(LM):
    """Sends each request type to its side (`ROUTES`); the generation side is built on first use."""

    def __init__(self, exact: LM, make_generator: Callable[[], LM]):
        super().__init__()
        self.exact = exact
        self._make_generator = make_generator
        self._generator: LM | None = None
        self.requests = {name: 0 for name in ROUTES}

    @property
    def generator(self) -> LM:
        if self._generator is None:
            self._generator = self._make_generator()
        return self._generator

    def loglikelihood(self, requests, disable_tqdm: bool = False):
        self.requests["loglikelihood"] += len(requests)
        return self.exact.loglikelihood(requests, disable_tqdm=disable_tqdm)

    def loglikelihood_rolling(self, requests, disable_tqdm: bool = False):
        self.requests["loglikelihood_rolling"] += len(requests)
        return self.exact.loglikelihood_rolling(requests, disable_tqdm=disable_tqdm)

    def generate_until(self, requests, disable_tqdm: bool = False):
        self.requests["generate_until"] += len(requests)
        return self.generator.generate_until(requests, disable_tqdm=disable_tqdm)

    # Prompts are built once, with the exact side's tokenizer and chat template (the same files).
    def apply_chat_template(self, chat_history, add_generation_prompt: bool = True) -> str:
        return self.exact.apply_chat_template(chat_history, add_generation_prompt)

    @property
    def tokenizer_name(self) -> str:
        return self.exact.tokenizer_name

    def chat_template(self, chat_template: bool | str = False) -> str | None:
        return self.exact.chat_template(chat_template)

    @property
    def tokenizer(self):
        return self.exact.tokenizer

    @property
    def device(self):
        return self.exact.device

    @property
    def model(self):
        return self.exact.model

    @property
    def cuda_peaks(self) -> list[int]:
        return getattr(self.exact, "cuda_peaks", [])

    def get_model_info(self) -> dict:
        return {**self.exact.get_model_info(), "engine": "vllm (generation) + podium (log-likelihood)"}

    def describe_batch(self) -> dict:
        gen = self._generator
        return {
            "routes": dict(ROUTES),
            "requests": dict(self.requests),
            "podium": self.exact.describe_batch() if hasattr(self.exact, "describe_batch") else None,
            "vllm": {"batch_size": getattr(gen, "batch_size", None)} if gen is not None else "not used",
        }
