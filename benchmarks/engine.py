"""Engine benchmark: lm-eval's `hf` backend against the `podium` backend, same model, data, machine.

For each task of the openllm-v1 suite (ARC-25, HellaSwag-10, MMLU-5, TruthfulQA-mc2,
Winogrande-5 log-likelihood; GSM8K-5 generation) the lm-eval requests are built once,
then each backend answers them in turn. Printed per task:

  * wall seconds of each backend's `loglikelihood` / `generate_until` call and their ratio;
  * tokens forwarded by each (a forward hook on the `hf` model; the engine's counter);
  * the trie minimum: distinct token prefixes over all requests' model inputs (after
    lm-eval's truncation), i.e. what an exact prefix-sharing backend must forward, and
    the bound it implies, `hf tokens / trie minimum`;
  * peak RSS during each backend's call;
  * parity: the largest per-request log-likelihood difference, per-document metric
    agreement (acc, acc_norm, mc2; disagreements on exact ties listed separately),
    identical GSM8K generations.

The model is GPT-2 small in shape (12 layers, 768 wide, 1,024 positions), randomly
initialised, with a 16k byte-level BPE trained on training/dev text from the data folder.

`--suite openllm-v2` measures the v2 leaderboard's tasks the same way (BBH, MMLU-Pro, MuSR
log-likelihood; MATH Lvl 5 and IFEval generation, where the prefill tokens that prefix reuse
saves are printed too) on a small Llama with 4,096 positions: see `engine_suites`.

    python benchmarks/engine.py                     # the recorded run (~20 min on 2 cores)
    python benchmarks/engine.py --suite openllm-v2 --scale 0.5
    python benchmarks/engine.py --scale 0.2         # a quick look at smaller limits
    python benchmarks/engine.py --tasks gsm8k --json out.json
    python benchmarks/engine.py --suite openllm-v2-whole --tasks leaderboard_mmlu_pro --repeat 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from engine_suites import SUITES  # noqa: E402

FEWSHOT_SEED = 1234  # lm-eval's default fewshot_random_seed


@dataclass
class BackendRun:
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    """User + system CPU time of the process: less sensitive than wall time to other load on the machine."""
    tokens: int = 0
    peak_rss_mb: float = 0.0
    responses: list = field(default_factory=list)
    peak_gpu_mb: float | None = None
    """Sum over GPUs of each one's peak allocation during the call (None without CUDA)."""
    runs: list = field(default_factory=list)
    """Wall seconds of every repetition (`--repeat`); `seconds` is the fastest."""


@dataclass
class TaskResult:
    task: str
    kind: str
    docs: int
    requests: int
    hf: BackendRun
    podium: BackendRun
    trie_tokens: int = 0
    max_abs_ll_diff: float = 0.0
    metric_mismatches: list = field(default_factory=list)
    tie_mismatches: list = field(default_factory=list)
    max_mc2_diff: float = 0.0
    identical_generations: int = 0
    podium_stats: dict = field(default_factory=dict)

    @property
    def speedup(self) -> float:
        return self.hf.seconds / self.podium.seconds if self.podium.seconds else float("nan")

    @property
    def bound(self) -> float:
        return self.hf.tokens / self.trie_tokens if self.trie_tokens else float("nan")


def build_requests(name: str, shots: int | None, limit: int, data_dir: Path):
    """lm-eval's tasks and instances for `name`, as `simple_evaluate` would build them
    (`shots` None keeps each task config's own count, as the v2 leaderboard tasks carry theirs)."""
    from lm_eval.tasks import TaskManager

    from podium.eval.data import offline_datasets

    with offline_datasets(data_dir):
        loaded = TaskManager().load([name])
        tasks = []
        for task in loaded["tasks"].values():
            if shots is not None and task.get_config("num_fewshot") != 0:
                task.set_config(key="num_fewshot", value=shots)
            task.set_fewshot_seed(seed=FEWSHOT_SEED)
            task.build_all_requests(limit=limit, rank=0, world_size=1)
            tasks.append(task)
    return tasks


def count_forward_tokens(model):
    """A forward pre-hook counting input positions (batch x length) of every model call."""
    box = {"tokens": 0}

    def hook(_module, args, kwargs):
        ids = kwargs.get("input_ids", args[0] if args else None)
        if ids is not None:
            box["tokens"] += int(ids.numel())

    handle = model.register_forward_pre_hook(hook, with_kwargs=True)
    return box, handle


def run_backend(lm, instances, kind: str, token_counter) -> BackendRun:
    from podium.engine.memory import PeakMemory

    before = token_counter()
    with PeakMemory() as mem:
        c0 = _cpu_seconds()
        t0 = time.perf_counter()
        if kind == "ll":
            out = lm.loglikelihood(instances, disable_tqdm=True)
        else:
            out = lm.generate_until(instances, disable_tqdm=True)
        seconds = time.perf_counter() - t0
        cpu = _cpu_seconds() - c0
    gpu = mem.report.cuda_peak
    return BackendRun(seconds, cpu, token_counter() - before, mem.report.rss_peak / 2**20, out,
                      round(gpu / 2**20, 1) if gpu is not None else None)


def fastest(best: BackendRun, new: BackendRun) -> BackendRun:
    """The faster of two runs of the same work, remembering every run's wall time and the first answers."""
    runs = [*best.runs, new.seconds]
    if best.runs and best.seconds <= new.seconds:
        return replace(best, runs=runs)
    return replace(new, runs=runs, responses=best.responses if best.runs else new.responses)


def _cpu_seconds() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def per_doc_metrics(tasks, responses) -> dict:
    """{(task, doc_id, filter): metrics} after lm-eval's filters, given one response per instance."""
    k = 0
    out = {}
    for task in tasks:
        for inst in task.instances:
            inst.resps = [responses[k]]
            k += 1
        task.apply_filters()
        by_doc: dict = {}
        for inst in task.instances:
            by_doc.setdefault(inst.doc_id, []).append(inst)
        for doc_id, insts in by_doc.items():
            insts.sort(key=lambda x: x.idx)
            for fkey in insts[0].filtered_resps:
                out[(task.config.task, doc_id, fkey)] = task.process_results(
                    insts[0].doc, [i.filtered_resps[fkey] for i in insts]
                )
    return out


def tied(ll_values: list[float], tol: float = 1e-4) -> bool:
    """Whether the best choice is within `tol` of another (an argmax that numerics may flip)."""
    if len(ll_values) < 2:
        return False
    best = sorted(ll_values, reverse=True)
    return best[0] - best[1] <= tol


def compare(tasks, kind, hf_out, pm_out, res: TaskResult) -> None:
    if kind == "ll":
        res.max_abs_ll_diff = max(abs(a[0] - b[0]) for a, b in zip(hf_out, pm_out, strict=True))
    else:
        res.identical_generations = sum(a == b for a, b in zip(hf_out, pm_out, strict=True))
    m_hf = per_doc_metrics(tasks, hf_out)
    m_pm = per_doc_metrics(tasks, pm_out)
    lls: dict = {}
    if kind == "ll":
        k = 0
        for task in tasks:
            for inst in task.instances:
                lls.setdefault((task.config.task, inst.doc_id), []).append(hf_out[k][0])
                k += 1
    for key, a in m_hf.items():
        b = m_pm[key]
        for metric, va in a.items():
            vb = b[metric]
            if metric == "acc" and res.task.startswith("truthfulqa"):
                res.max_mc2_diff = max(res.max_mc2_diff, abs(va - vb))
                if abs(va - vb) > 1e-4:
                    res.metric_mismatches.append((key, metric, va, vb))
                continue
            if va != vb:
                entry = (key, metric, va, vb)
                if kind == "ll" and tied(lls.get(key[:2], [])):
                    res.tie_mismatches.append(entry)
                else:
                    res.metric_mismatches.append(entry)


def model_inputs(lm, instances) -> list[tuple[list[int], int]]:
    """Each request's model input as lm-eval would build it (same tokenization and truncation) and the
    number of continuation tokens it scores."""
    from podium.engine.requests import plan_loglikelihood

    out = []
    for inst in instances:
        ctx, cont = inst.args
        if ctx == "":
            cenc = lm.tok_encode(cont, add_special_tokens=False)
            c, ce = ([lm.prefix_token_id], cenc) if lm.prefix_token_id != cenc[0] else (cenc[:1], cenc[1:])
        else:
            c, ce = lm._encode_pair(ctx, cont)
        out.append((list(plan_loglikelihood(c, ce, lm.max_length).inputs), len(ce)))
    return out


def trie_minimum(lm, instances) -> int:
    """Distinct prefixes over the model inputs lm-eval would build."""
    from podium.engine.trie import distinct_tokens

    return distinct_tokens([seq for seq, _ in model_inputs(lm, instances)])


def prompt_trie_minimum(lm, instances) -> int:
    """Distinct prefixes over the generation prompts (untruncated): the least prefill with full reuse."""
    from podium.engine.trie import distinct_tokens

    return distinct_tokens([lm.tok_encode(inst.args[0]) for inst in instances])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=None, help="benchmark data folder (default: ../shared/data)")
    ap.add_argument("--suite", choices=sorted(SUITES), default="openllm-v1")
    ap.add_argument("--model-dir", type=Path, default=None, help="default: /tmp/podium-bench/<the suite's model>")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every limit (MMLU: per subject)")
    ap.add_argument("--tasks", nargs="*", default=None)
    ap.add_argument("--prefix-cache-mb", type=float, default=None)
    ap.add_argument("--batch-size", default="auto", help="podium batch_size (decode rows); hf always runs at 1")
    ap.add_argument("--json", type=Path, default=None, help="write all figures here")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run hf and podium alternately this many times and keep each one's fastest (the speed of "
                         "a shared VM drifts by 20%% within minutes)")
    args = ap.parse_args(argv)

    logging.basicConfig(level=logging.WARNING)
    for noisy in ("lm_eval", "transformers", "datasets", "podium"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    import torch
    from lm_eval.models.huggingface import HFLM

    from podium import paths
    from podium.engine.backend import PodiumLM
    from workshop.toys import build_toy_model

    data = args.data or paths.data_dir()
    if data is None:
        ap.error("no data folder: pass --data or place it at ../shared/data")
    suite = SUITES[args.suite]
    model_dir = build_toy_model(suite.spec, args.model_dir or Path("/tmp/podium-bench") / suite.model_dir, data)

    hf = HFLM(pretrained=str(model_dir), device="cpu", dtype="float32", batch_size=1)
    pm_args = {"pretrained": str(model_dir), "device": "cpu", "dtype": "float32", "batch_size": args.batch_size}
    if args.prefix_cache_mb is not None:
        pm_args["prefix_cache_mb"] = args.prefix_cache_mb
    pm = PodiumLM.create_from_arg_obj(pm_args)
    hf_box, _h = count_forward_tokens(hf.model)

    started = dt.datetime.now(dt.timezone.utc)
    header = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()} {os.cpu_count()} CPU cores, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads)",
        "load_avg_start": os.getloadavg(),
        "suite": args.suite,
        "absent": suite.absent,
        "model": suite.model,
        "parameters": sum(p.numel() for p in hf.model.parameters()),
        "podium_mode": pm.runner.caps.mode,
        "podium_args": {k: v for k, v in pm_args.items() if k != "pretrained"},
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
    }
    print(json.dumps(header, indent=1), flush=True)
    results: list[TaskResult] = []
    for name, shots, limit, kind in suite.tasks:
        if args.tasks and name not in args.tasks:
            continue
        lim = max(1, round(limit * args.scale))
        tasks = build_requests(name, shots, lim, data)
        instances = [inst for t in tasks for inst in t.instances]
        docs = sum(len({i.doc_id for i in t.instances}) for t in tasks)
        res = TaskResult(name, kind, docs, len(instances), BackendRun(), BackendRun())
        res.trie_tokens = (trie_minimum if kind == "ll" else prompt_trie_minimum)(pm, instances)
        before_stats = pm.engine_stats()
        for _ in range(max(1, args.repeat)):
            res.hf = fastest(res.hf, run_backend(hf, instances, kind, lambda: hf_box["tokens"]))
            res.podium = fastest(res.podium, run_backend(pm, instances, kind, lambda: pm.runner.stats.tokens))
            if not res.podium_stats:
                after = pm.engine_stats()
                res.podium_stats = {k: after[k] - before_stats.get(k, 0) for k in after
                                    if isinstance(after[k], (int, float)) and not isinstance(after[k], bool)}
        compare(tasks, kind, res.hf.responses, res.podium.responses, res)
        results.append(res)
        print_task(res, tasks[0].get_config("num_fewshot") if shots is None else shots, lim)

    print_summary(results, suite.absent)
    if args.json:
        payload = {
            **header,
            "load_avg_end": os.getloadavg(),
            "tasks": [
                {
                    **{k: v for k, v in asdict(r).items() if k not in ("hf", "podium")},
                    "hf": {k: v for k, v in asdict(r.hf).items() if k != "responses"},
                    "podium": {k: v for k, v in asdict(r.podium).items() if k != "responses"},
                    "speedup": r.speedup,
                    "bound": r.bound,
                }
                for r in results
            ],
        }
        args.json.write_text(json.dumps(payload, indent=1, default=str))
    return 0


def print_task(r: TaskResult, shots: int, limit: int) -> None:
    print(f"\n== {r.task} ({shots}-shot, limit {limit}): {r.docs} docs, {r.requests} requests", flush=True)
    if len(r.hf.runs) > 1:
        runs = {name: " ".join(f"{x:.1f}" for x in run.runs) for name, run in (("hf", r.hf), ("podium", r.podium))}
        print(f"   runs s      hf {runs['hf']}   podium {runs['podium']}   (alternating; the fastest of each kept)")
    print(f"   wall s      hf {r.hf.seconds:8.1f}   podium {r.podium.seconds:8.1f}   speedup {r.speedup:6.2f}x"
          f"   (CPU s hf {r.hf.cpu_seconds:.1f}, podium {r.podium.cpu_seconds:.1f}: "
          f"{r.hf.cpu_seconds / max(r.podium.cpu_seconds, 1e-9):.2f}x)   load avg {os.getloadavg()[0]:.1f}")
    print(f"   tokens      hf {r.hf.tokens:8d}   podium {r.podium.tokens:8d}", end="")
    if r.kind == "ll":
        print(f"   trie minimum {r.trie_tokens}  bound {r.bound:.2f}x"
              f"  podium/trie {r.podium.tokens / r.trie_tokens:.3f}  speedup/bound {r.speedup / r.bound:.2f}")
    else:
        st = r.podium_stats
        prompt, prefill = st.get("gen_prompt_tokens", 0), st.get("gen_prefill_tokens", 0)
        print(f"   (prompt {prompt}, prefill {prefill}: {prompt / max(prefill, 1):.2f}x fewer, prompt trie minimum "
              f"{r.trie_tokens}; decode row-steps {st.get('gen_decode_row_steps', 0)}, "
              f"new tokens {st.get('gen_new_tokens', 0)})")
    print(f"   peak RSS MB hf {r.hf.peak_rss_mb:8.0f}   podium {r.podium.peak_rss_mb:8.0f}")
    if r.kind == "ll":
        print(f"   parity      max |ll diff| {r.max_abs_ll_diff:.2e}   metric mismatches {len(r.metric_mismatches)}"
              f"   on exact ties {len(r.tie_mismatches)}"
              + (f"   max mc2 diff {r.max_mc2_diff:.1e}" if r.task.startswith("truthfulqa") else ""))
    else:
        print(f"   parity      identical generations {r.identical_generations}/{r.requests}"
              f"   metric mismatches {len(r.metric_mismatches)}")
    for m in r.metric_mismatches[:10]:
        print(f"     MISMATCH {m}")
    for m in r.tie_mismatches[:10]:
        print(f"     tie      {m}")


def print_summary(results: list[TaskResult], absent: tuple = ()) -> None:
    ll = [r for r in results if r.kind == "ll"]
    print("\n== summary")
    print(f"{'task':22s} {'hf s':>8s} {'podium s':>9s} {'speedup':>8s} {'bound':>7s} {'sp/bound':>8s} "
          f"{'tok/trie':>8s} {'RSS hf':>7s} {'RSS pd':>7s} {'max|dll|':>9s}")
    for r in results:
        bound = f"{r.bound:7.2f}" if r.kind == "ll" else "      -"
        spb = f"{r.speedup / r.bound:8.2f}" if r.kind == "ll" else "       -"
        tt = f"{r.podium.tokens / r.trie_tokens:8.3f}" if r.kind == "ll" else "       -"
        dll = f"{r.max_abs_ll_diff:9.1e}" if r.kind == "ll" else f"{r.identical_generations:>4d}/{r.requests:<4d}"
        print(f"{r.task:22s} {r.hf.seconds:8.1f} {r.podium.seconds:9.1f} {r.speedup:7.2f}x {bound} {spb} {tt} "
              f"{r.hf.peak_rss_mb:7.0f} {r.podium.peak_rss_mb:7.0f} {dll}")
    if ll:
        hs = sum(r.hf.seconds for r in ll)
        ps = sum(r.podium.seconds for r in ll)
        ht = sum(r.hf.tokens for r in ll)
        tt = sum(r.trie_tokens for r in ll)
        pt = sum(r.podium.tokens for r in ll)
        print(f"{f'{len(ll)} LL tasks':22s} {hs:8.1f} {ps:9.1f} {hs / ps:7.2f}x {ht / tt:7.2f} "
              f"{(hs / ps) / (ht / tt):8.2f} {pt / tt:8.3f}")
    for why in absent:
        print(f"not measured: {why}")
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    sys.exit(main())
