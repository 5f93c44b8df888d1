"""Model backends. Importing this package registers the `podium` backend with lm-eval.

The registration is lazy (a "module:Class" placeholder, which lm-eval's registry
materialises on first `get_model("podium")`), so `import podium.engine` stays cheap for
code that only needs `podium.engine.demo`. lm-eval's own models are registered first:
`get_model` only imports `lm_eval.models` when the registry is empty, so registering
ours alone would hide `hf` and the others.

Module map:
  backend.py    PodiumLM, the lm-eval `TemplateLM` (tokenization and request handling as HFLM)
  requests.py   ScorePlan: lm-eval's truncation window for one log-likelihood request
  trie.py       radix trie over token sequences (distinct prefixes = minimum forward cost)
  scorer.py     log-likelihood: depth-first trie walk, packed branches, float32 sums
  generator.py  batched greedy decoding with in-place KV and per-row stopping
  stops.py      lm-eval's stop-sequence rule, row by row
  kvcache.py    KVBuffer (preallocated croppable model cache), PrefixCache (byte budget, LRU)
  forward.py    ModelRunner: the only model call, logits for selected positions, capability probe
  memory.py     peak RSS / CUDA memory sampling
  weights.py    adapter (PEFT) and delta weights merged into a plain model folder, with their checks
  quantization.py  8bit/4bit/GPTQ/AWQ: what this machine can run, and the load arguments
  demo.py       the tiny offline demo models (built with the top-level `workshop` package's toy builders)
  reporting.py  the backend's counters and peaks (engine_stats, describe_batch)
  devices.py    --device / --dtype / --gpus resolved once per run (auto rules, refusals)
  sizing.py     what batch_size "auto" means for the engine (decode rows, pack sizes, KV budget)
  placement.py  models split over several GPUs: the device map both backends load with
  loading.py    load_causal_lm: the one function the engine loads weights through
  hardware.py   the result's hardware block (device, GPUs, dtype, batch size, peak GPU memory)
  routing.py    the `vllm` backend: generation through vLLM, log-likelihood through the engine
"""

import lm_eval.models  # noqa: F401  (registers lm-eval's backends before ours)
from lm_eval.api.registry import model_registry

if "podium" not in model_registry:
    model_registry.register("podium", target="podium.engine.backend:PodiumLM")
