"""`podium demo`: the quick start's main job, offline, on the tiny demo models.

It builds the demo models, finds the benchmark data folder (or writes the synthetic
fixture tasks and says so) and evaluates a demo model on the v1 suite with a small limit.
"""

from __future__ import annotations

from pathlib import Path

from podium import paths
from podium.cli.eval_cmd import add_hardware_flags


def demo_data_dir() -> tuple[Path, bool]:
    """The real data folder when present, else synthetic fixtures under PODIUM_HOME (flag: is_fixture)."""
    real = paths.data_dir()
    if real is not None:
        return real, False
    from podium.eval.data.fixtures import write_fixture_data

    return write_fixture_data(paths.podium_home() / "fixture-data"), True


def _run(args) -> int:
    from podium.engine.demo import build_demo_models
    from podium.eval.runner import EvalRequest, run_evaluation
    from podium.eval.summary import summary_table

    models = build_demo_models()
    data, is_fixture = demo_data_dir()
    if is_fixture:
        print(f"No benchmark data folder found (PODIUM_DATA_DIR or ../shared/data): using the synthetic "
              f"fixture tasks in {data}. Scores on them mean nothing; they only show the pipeline working.")
    model_id = args.model or next(iter(models))
    output = paths.podium_home() / "runs" / model_id.replace("/", "__") / args.suite
    record = run_evaluation(EvalRequest(model=model_id, output=output, suite=args.suite, limit=args.limit,
                                        data_dir=data, backend=args.backend, device=args.device,
                                        batch_size=args.batch_size))
    print(summary_table(record))
    print(f"\nResults: {output / 'results.json'}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("demo", help="build the demo models and evaluate one offline (quick start)")
    p.add_argument("--model", help="demo model id (default: the first demo model)")
    p.add_argument("--suite", default="openllm-v1")
    p.add_argument("--limit", type=int, default=5)
    p.add_argument("--backend", default="podium", help="podium (default) or hf (lm-eval's own)")
    add_hardware_flags(p)
    p.set_defaults(func=_run)
