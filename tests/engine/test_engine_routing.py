"""The `vllm` backend: which requests go where, and its refusals where vLLM cannot run.

vLLM needs CUDA and is not installed here, so its side is a recording stand-in; the exact
side is the real `podium` engine on a tiny model.
"""

from __future__ import annotations

import pytest
from lm_eval.api.instance import Instance
from lm_eval.api.model import LM

from podium.engine.routing import ROUTES, RoutedLM, build_routed, require_vllm, unavailable_reason
from podium.errors import UsageError


class RecordingGenerator(LM):
    """Stands in for lm-eval's vLLM model: answers generation requests, refuses anything else."""

    batch_size = "auto"

    def __init__(self):
        super().__init__()
        self.seen = []

    def generate_until(self, requests, disable_tqdm=False):
        self.seen += [r.args[0] for r in requests]
        return [f"generated for {r.args[0]}" for r in requests]

    def loglikelihood(self, requests, disable_tqdm=False):
        raise AssertionError("log-likelihood must not reach the vLLM side")

    loglikelihood_rolling = loglikelihood


def test_unavailable_reasons():
    assert "not installed" in unavailable_reason(vllm_installed=False, cuda=True)
    assert "needs a CUDA GPU" in unavailable_reason(vllm_installed=True, cuda=False)
    assert "runs on one GPU; this job asks for 2" in unavailable_reason(vllm_installed=True, cuda=True, gpus=2)
    assert unavailable_reason(vllm_installed=True, cuda=True) is None


def test_refused_here_with_a_clear_message():
    with pytest.raises(UsageError, match="needs the vllm package"):
        require_vllm()
    with pytest.raises(UsageError, match="needs the vllm package"):
        build_routed({"pretrained": "unused", "dtype": "float32"}, "auto", "cpu")


def test_loglikelihood_goes_to_the_exact_engine_and_generation_to_vllm(demo_models):
    from podium.engine.backend import PodiumLM

    exact = PodiumLM(pretrained=str(demo_models["podium-demo/gpt2-tiny"]), device="cpu")
    built = []

    def make():
        built.append(RecordingGenerator())
        return built[-1]

    routed = RoutedLM(exact, make)
    ll = [Instance("loglikelihood", {}, ("Question: 2 + 2 =", " 4"), 0),
          Instance("loglikelihood", {}, ("Question: 2 + 2 =", " 5"), 1)]
    assert routed.loglikelihood(ll) == exact.loglikelihood(ll)
    rolling = [Instance("loglikelihood_rolling", {}, ("Some text to score.",), 0)]
    assert routed.loglikelihood_rolling(rolling) == exact.loglikelihood_rolling(rolling)
    assert not built  # vLLM is only built when a generation request arrives
    gen = [Instance("generate_until", {}, ("Q: 1 + 1?", {"until": ["\n"]}), 0)]
    assert routed.generate_until(gen) == ["generated for Q: 1 + 1?"]
    routed.generate_until(gen)
    assert len(built) == 1 and built[0].seen == ["Q: 1 + 1?", "Q: 1 + 1?"]
    described = routed.describe_batch()
    assert described["routes"] == ROUTES == {"generate_until": "vllm", "loglikelihood": "podium",
                                             "loglikelihood_rolling": "podium"}
    assert described["requests"] == {"generate_until": 2, "loglikelihood": 2, "loglikelihood_rolling": 1}
    assert described["podium"] == exact.describe_batch() and described["vllm"] == {"batch_size": "auto"}
    assert routed.tokenizer_name == exact.tokenizer_name and routed.model is exact.model
