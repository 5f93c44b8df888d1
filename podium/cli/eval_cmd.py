"""`podium eval`: evaluate one model on a suite and print the leaderboard's numbers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from podium.errors import PodiumError, UsageError
from podium.eval.suites import DEFAULT_SUITE, SUITES
from podium.modelref.precision import DTYPES


def _limit(text: str) -> float:
    value = float(text)
    return int(value) if value >= 1 and value.is_integer() else value


def _gen_kwargs(text: str | None) -> dict | None:
    if not text:
        return None
    from lm_eval.utils import simple_parse_args_string

    try:
        return simple_parse_args_string(text)
    except Exception:
        raise UsageError(f"--gen-kwargs '{text}' is not of the form key=value,key=value.") from None


def add_hardware_flags(p) -> None:
    """--device and --batch-size, shared by `podium eval` and `podium demo`."""
    p.add_argument("--device", default="auto", help="auto (default: CUDA when available, else CPU), cpu, cuda, cuda:N")
    p.add_argument("--batch-size", default="auto",
                   help="auto (default) or a positive integer: the most rows decoded together (see README)")


def _run(args) -> int:
    from tqdm import tqdm

    from podium.eval.provenance import command_line
    from podium.eval.runner import EvalRequest, run_evaluation
    from podium.eval.summary import summary_table
    from podium.record import RunError

    output = Path(args.output)
    request = EvalRequest(
        model=args.model,
        output=output,
        suite=args.suite,
        tasks=[t.strip() for t in args.tasks.split(",") if t.strip()] if args.tasks else None,
        revision=args.revision,
        limit=args.limit,
        backend=args.backend,
        device=args.device,
        dtype=args.dtype,
        batch_size=args.batch_size,
        gpus=args.gpus,
        chat_template=args.chat_template,
        data_dir=Path(args.data_dir) if args.data_dir else None,
        gen_kwargs=_gen_kwargs(args.gen_kwargs),
        command_line=command_line(),
        trace_base=args.trace_base,
        weights=args.weights,
        base_model=args.base_model,
        base_revision=args.base_revision,
        quantization=args.quantization,
        contamination=args.contamination,
    )
    bar = tqdm(desc="podium eval", unit="task", file=sys.stderr)

    def on_task_done(index, total, name, scores):
        bar.total = total
        bar.set_postfix_str(name)
        bar.update(1)

    try:
        record = run_evaluation(request, on_task_done=on_task_done)
    except PodiumError as err:
        output.mkdir(parents=True, exist_ok=True)
        (output / "error.json").write_text(json.dumps(RunError(err.kind, err.render()).to_json()))
        raise
    finally:
        bar.close()
    print(summary_table(record))
    details = f"   Details: {output / 'details'}/" if (output / "details").is_dir() else ""
    print(f"\nResults: {output / 'results.json'}{details}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("eval", help="evaluate a model on a leaderboard suite")
    p.add_argument("--model", required=True, help="local model folder or hub id org/name")
    p.add_argument("--revision", help="branch, tag or commit sha (hub models)")
    p.add_argument("--suite", default=DEFAULT_SUITE, help=f"one of: {', '.join(SUITES)} (default {DEFAULT_SUITE})")
    p.add_argument("--tasks", help="comma-separated subset of the suite's tasks")
    p.add_argument("--output", required=True, help="folder for results.json and details/")
    p.add_argument("--limit", type=_limit, help="documents per task (or a fraction below 1), for quick runs")
    p.add_argument("--backend", default="podium",
                   help="scoring backend: podium (default: exact, prefix-sharing), hf (lm-eval's own, for comparison) "
                   "or vllm (generation through vLLM, log-likelihood exact; extra podium[vllm], CUDA)")
    add_hardware_flags(p)
    p.add_argument("--dtype", default="auto",
                   help="auto (default: float32 on the CPU, the checkpoint's float16/bfloat16 on a GPU), "
                   + ", ".join(DTYPES))
    p.add_argument("--gpus", type=int, default=1, help="split the model over this many GPUs (default 1)")
    p.add_argument("--weights", default="original", help="original (default), adapter (a PEFT adapter merged into "
                   "--base-model) or delta (added to --base-model tensor by tensor)")
    p.add_argument("--base-model", help="--weights adapter|delta: the base model (folder or hub id)")
    p.add_argument("--base-revision", help="the base's pinned revision (hub commit, or a local folder's content hash)")
    p.add_argument("--quantization", help="8bit or 4bit (bitsandbytes), gptq or awq (pre-quantized); CUDA only")
    p.add_argument("--chat-template", action="store_true", help="apply the tokenizer's chat template (v2 style)")
    p.add_argument("--contamination", action="store_true",
                   help="also compute each task's contamination signal (a few dozen extra items per task; see README)")
    p.add_argument("--gen-kwargs", help="override generation settings, e.g. max_gen_toks=64 (off-protocol, recorded)")
    p.add_argument("--trace-base", help="tracing suite: the base model of the match test "
                   "(default PODIUM_TRACE_BASE, else openai-community/gpt2)")
    p.add_argument("--data-dir", help="offline benchmark data folder (default PODIUM_DATA_DIR or ../shared/data)")
    p.set_defaults(func=_run)
