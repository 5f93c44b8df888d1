"""The worker's provenance check: does a model's weights support the base model it declares?

After a successful evaluation of full weights that name a base model, the worker runs
`podium trace --check` (model tracing's neuron-matching test) as a supervised child. The
verdict goes into the result's provenance as `base_check`; a verdict of `review` (no evidence
of derivation, or a base that cannot be compared) also opens a flag on the model so an
operator looks at it. A check that cannot run, or that the worker's shutdown stopped, never
fails the job: it is recorded as `unchecked` with the reason.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from podium.eval.suites import SUITES
from podium.platform.models import Flag
from podium.platform.queue import Claim
from podium.platform.result_files import read_json
from podium.platform.supervisor import RunOutcome
from podium.record import BaseCheck

FLAG_PREFIX = "Automated provenance check:"


def skip_reason(claim: Claim, enabled: bool) -> str | None:
    """Why no check runs for this job (None: it runs). Only full weights with a declared base are checked."""
    if not claim.base_model:
        return "no base model declared"
    suite = SUITES.get(claim.suite)
    if suite is not None and suite.kind.base_check_skip:
        return suite.kind.base_check_skip
    if not enabled:
        return "provenance checks are switched off (setting provenance_check)"
    if claim.weight_type != "Original":
        return f"{claim.weight_type} weights apply to the declared base by construction"
    return None


def check_command(claim: Claim, trace_command: list[str], model: str, out_json: Path) -> list[str]:
    """The `podium trace --check` line; a hub model is pinned to the evaluated revision."""
    pin = ["--revision", claim.revision] if claim.source == "hub" else []
    return [*trace_command, "--base", str(claim.base_model), "--model", model, *pin, "--check", "--json", str(out_json)]


def _why_unchecked(outcome: RunOutcome, log_tail: str | None) -> str:
    if outcome.stopped:
        return "the check was stopped before it finished (the worker was shut down)"
    if outcome.timed_out:
        return "the check ran out of its time budget (setting provenance_time_limit_seconds)"
    last = [line for line in (log_tail or "").splitlines() if line.strip()]
    return f"the check failed: {last[-1] if last else f'exit status {outcome.returncode}'}"


def verdict(claim: Claim, outcome: RunOutcome, out_json: Path, log_tail: str | None) -> BaseCheck:
    """The base check from the child's JSON (a `podium trace --check` record), or `unchecked`
    with what went wrong."""
    ran = outcome.returncode == 0 and not outcome.timed_out and not outcome.stopped
    record = read_json(out_json) if ran else None
    check = (record or {}).get("provenance")
    wall = round(outcome.wall_seconds, 1)
    if not isinstance(check, dict):
        return BaseCheck(status="unchecked", declared_base=claim.base_model, reason=_why_unchecked(outcome, log_tail),
                         wall_seconds=wall)
    return BaseCheck(status=check.get("status"), declared_base=claim.base_model, reason=check.get("reason"),
                     wall_seconds=wall, test=record.get("test"), log10_p=record.get("log10_p"),
                     threshold_log10_p=check.get("threshold_log10_p"), versions=record.get("versions"))


def flag_for_review(session: Session, claim: Claim, check: BaseCheck) -> int | None:
    """Open a flag (one per repo at a time) when the check asks for a review; returns its id."""
    if check.status != "review":
        return None
    reason = (f"{FLAG_PREFIX} the weights do not support the declared base {claim.base_model} "
              f"({check.reason}). An operator should review the claim, then resolve this flag.")
    exists = session.scalar(select(Flag.id).where(Flag.repo_id == claim.repo_id, Flag.resolved_at.is_(None),
                                                  Flag.reason.startswith(FLAG_PREFIX)))
    if exists is not None:
        return exists
    flag = Flag(repo_id=claim.repo_id, reason=reason[:4000], created_by_id=None)
    session.add(flag)
    session.flush()
    return flag.id
