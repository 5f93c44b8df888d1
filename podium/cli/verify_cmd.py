"""`podium verify RESULT_DIR`: re-run a seeded sample of a result's documents and report agreement.

Exit codes: 0 every sampled document (and the result file's own arithmetic) agrees, 1 something
disagrees (each document named), 2 usage errors and refusals (the model's or the data's files
are not the ones the result was computed on).
"""

from __future__ import annotations

from pathlib import Path

SHOWN_FINDINGS = 50


def _run(args) -> int:
    from podium.eval.verify import Report, VerifyOptions, make_plan, rerun
    from podium.eval.verify.compare import (
        compare_task,
        config_findings,
        data_findings,
        details_findings,
        score_findings,
    )

    options = VerifyOptions(Path(args.result_dir), per_task=args.per_task, everything=args.all, seed=args.seed,
                            tolerance=args.tolerance, data_dir=Path(args.data_dir) if args.data_dir else None,
                            model=args.model)
    plan = make_plan(options)
    run = plan.record.provenance.run
    report = Report(findings=details_findings(plan.lm_eval, plan.recorded)
                    + score_findings(plan.record, plan.lm_eval, plan.suite))
    sampled = sum(len(ids) for ids in plan.chosen.values())
    print(f"podium verify: {plan.record.suite} (version {plan.record.suite_version}) on "
          f"{plan.record.provenance.model.id} | {run.backend} {run.dtype} {run.device} batch {run.batch_size} | "
          f"re-running {sampled} documents of "
          f"{len(plan.chosen)} tasks ({'all' if options.everything else f'up to {options.per_task} per task'}, "
          f"seed {options.seed}, tolerance {options.tolerance:g})")
    fresh = rerun(plan)
    report.findings += config_findings(plan.lm_eval.get("configs") or {}, fresh.configs)
    report.findings += data_findings(plan.record.provenance.data.files, fresh.data_files)
    for task, ids in sorted(plan.chosen.items()):
        compare_task(task, plan.recorded[task], fresh.rows.get(task, []), ids, options.tolerance, report)
    _print(report)
    return 0 if report.agrees else 1


def _print(report) -> None:
    width = max(len(t) for t in report.compared) if report.compared else 4
    print(f"\n{'task':<{width}}  documents  agree  disagree")
    for task, n in sorted(report.compared.items()):
        bad = report.disagreeing(task)
        print(f"{task:<{width}}  {n:>9}  {n - bad:>5}  {bad:>8}")
    if report.findings:
        print("\nDisagreements:")
        for finding in report.findings[:SHOWN_FINDINGS]:
            print(f"  {finding.line()}")
        if len(report.findings) > SHOWN_FINDINGS:
            print(f"  ... and {len(report.findings) - SHOWN_FINDINGS} more")
    total = sum(report.compared.values())
    bad = sum(report.disagreeing(t) for t in report.compared)
    print(f"\n{'AGREE' if report.agrees else 'DISAGREE'}: {total - bad} of {total} documents agree"
          + ("" if report.agrees else f", {len(report.findings)} findings"))


def register(subparsers) -> None:
    p = subparsers.add_parser("verify", help="re-run a sample of a result's documents and check they agree")
    p.add_argument("result_dir", metavar="RESULT_DIR",
                   help="the output folder of `podium eval` (results.json, details/)")
    p.add_argument("--per-task", type=int, default=50, help="documents sampled per lm-eval task (default 50)")
    p.add_argument("--all", action="store_true", help="re-run every document of the result")
    p.add_argument("--seed", type=int, default=0, help="seed of the document sample (default 0)")
    p.add_argument("--tolerance", type=float, default=1e-4,
                   help="largest accepted difference of a log-likelihood or numeric metric value (default 1e-4)")
    p.add_argument("--data-dir", help="the data folder, when not the recorded one (file hashes are checked)")
    p.add_argument("--model", help="the model's files, when not where recorded (their content hash is checked)")
    p.set_defaults(func=_run)
