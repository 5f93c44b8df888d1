"""`podium worker`: claim a job, run the evaluation as a supervised child, record the outcome.

One job at a time per worker; run several workers for parallelism. Every database write
about a job is fenced by its attempt number (see `queue`), so a worker that lost its lease,
or a duplicated run, cannot record anything. The run's files live under
`<home>/runs/job-<id>/attempt-<n>/` until a complete result is published to
`<home>/results/job-<id>/attempt-<n>/` and committed.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from podium.eval.command import EvalCommand
from podium.eval.suites import SUITES
from podium.paths import podium_home
from podium.platform import provenance as base_check
from podium.platform import queue, workers
from podium.platform.capacity import Capabilities
from podium.platform.classify import classify
from podium.platform.config import Settings
from podium.platform.db import transaction
from podium.platform.executors import Ended, Executor, LocalExecutor
from podium.platform.queue import Claim
from podium.platform.result_files import parse_results, publish, read_error, read_json, retract
from podium.platform.supervisor import RunOutcome, run_supervised, tail
from podium.record import BaseCheck, RecordError, RunRecord
from podium.settings import child_environment

# A run stops itself when its lease has gone unrenewed for this share of the lease time, so it
# has ended before the reaper can hand the job to another worker (no two runs at once).
LEASE_SAFETY = 0.8


def new_worker_id(kind: str = "") -> str:
    """host:pid:random, prefixed by the executor kind for dispatchers (`ray:`)."""
    return f"{kind}{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def model_argument(claim: Claim) -> str:
    """How a child command names the model: a mirrored model by its id, so each worker machine
    finds it in its own mirror; others by their location (folder or hub id)."""
    return claim.repo_id if claim.source == "mirror" else claim.location


def eval_command(claim: Claim, settings: Settings, out_dir: Path, gpus: int = 1) -> list[str]:
    """The evaluator's command line for a claimed job (contract of `podium eval`); `gpus`: how many
    GPUs the executor holds for it (the job's count on GPU hosts, 1 on a CPU worker)."""
    suite = SUITES.get(claim.suite)
    command = EvalCommand(model_argument(claim), claim.source, claim.suite, claim.revision, claim.precision,
                          claim.use_chat_template, settings.eval_limit,
                          extra=tuple(suite.kind.eval_args(settings)) if suite else (),
                          weight_type=claim.weight_type, base_model=claim.base_model, base_revision=claim.base_revision,
                          gpus=gpus)
    return [*settings.eval_command, *command.args(str(out_dir)), *settings.eval_extra_args]


def describe_progress(p: dict) -> str:
    """One line from progress.json: tasks done, the current task's documents, ETA."""
    text = f"tasks {p.get('task_index', '?')}/{p.get('task_count', '?')} done"
    if p.get("task"):
        text += f", {p['task']}"
        if p.get("docs_total"):
            text += f": {p.get('docs_done', 0)}/{p['docs_total']} docs"
    eta = p.get("eta_seconds")
    return text + (f", ETA {int(eta) // 60}m{int(eta) % 60:02d}s" if isinstance(eta, (int, float)) else "")


def _content_changed(claim: Claim, record: RunRecord) -> str | None:
    """A local model must still be the files that were submitted (its revision is their hash)."""
    evaluated = record.provenance.model.content_hash or "unknown"
    if claim.source == "hub" or evaluated == claim.revision:
        return None
    return (f"The model's files changed after submission (submitted content hash {claim.revision[:12]}, "
            f"evaluated {evaluated[:12]}); the result was discarded. Resubmit the model to evaluate the new files.")


def _remove_run_dir(run_dir: Path) -> None:
    """After a published result the scratch folder is empty but for the log, which was copied."""
    shutil.rmtree(run_dir, ignore_errors=True)
    try:
        run_dir.parent.rmdir()  # runs/job-<id>, unless an earlier attempt left its log there
    except OSError:
        pass


MAX_BACKOFF_POLLS = 8


def backoff(poll_seconds: float, failures: int) -> float:
    """Seconds before retrying after `failures` errors in a row: the poll interval, doubled per failure
    up to 8 polls, so a database that is down is not hammered and one that is back is found soon."""
    return poll_seconds * min(2 ** (failures - 1), MAX_BACKOFF_POLLS)


class Worker:
    def __init__(self, factory: sessionmaker[Session], settings: Settings, *, home: Path | None = None,
                 worker_id: str | None = None, say: Callable[[str], None] = print,
                 capabilities: Capabilities | None = None, executor: Executor | None = None):
        self.factory = factory
        self.executor = executor or LocalExecutor(capabilities or workers.detect(), self.execute)
        self.advertised_at = float("-inf")
        self.settings = settings
        self.home = home or podium_home()
        self.worker_id = worker_id or new_worker_id()
        self.say = say
        self.stopping = False

    def request_stop(self, *_args) -> None:
        """Signal handler: stop the current run, hand its job back, and exit the loop."""
        self.stopping = True

    def run(self, *, until_empty: bool = False, max_jobs: int | None = None) -> int:
        """Process jobs until stopped, or `max_jobs`, or (until_empty) no job is pending or running
        any more (a running job of a dead worker comes back when its lease expires); returns how many ran."""
        self.say(f"worker {self.worker_id}: {self.executor.name} executor, {self.executor.capabilities().describe()}")
        done = failures = 0
        while not self.stopping and (max_jobs is None or done < max_jobs):
            try:
                ran = self.run_one()
                drained = not ran and until_empty and self._queue_drained()
                failures, wait = 0, self.settings.poll_seconds
            except Exception:  # a database outage must not kill the worker; leases protect the jobs
                failures += 1
                wait = backoff(self.settings.poll_seconds, failures)
                self.say(f"worker error, retrying in {wait:g} s:\n{traceback.format_exc()}" if failures == 1 else
                         f"worker error again ({failures} in a row), retrying in {wait:g} s")
                ran = drained = False
            done += ran
            if not ran:
                if drained:
                    break
                time.sleep(wait)
        return done

    def _queue_drained(self) -> bool:
        with transaction(self.factory) as session:
            return queue.active_jobs(session) == 0

    def advertise(self, session: Session) -> None:
        """Write what this worker can run, at most once per heartbeat interval."""
        if time.monotonic() - self.advertised_at >= self.settings.heartbeat_seconds:
            workers.advertise(session, self.worker_id, self.executor.capabilities())
            self.advertised_at = time.monotonic()

    def run_one(self) -> bool:
        with transaction(self.factory) as session:
            self.advertise(session)
            for job_id, state in queue.reap_expired(session, self.settings):
                self.say(f"job {job_id}: lease expired, now {state}")
        for ended in self.executor.reconcile():
            self.record_ended(ended)
        room = self.executor.room()
        if room is None:
            return False
        claimed_at = time.monotonic()  # the lease runs from (no earlier than) here
        with transaction(self.factory) as session:
            claim = queue.claim_next(session, self.worker_id, self.settings, runs=workers.claimable(room))
        if claim is None:
            return False
        self.say(f"job {claim.job_id} (attempt {claim.attempt}): {claim.repo_id} {claim.precision} suite {claim.suite}")
        self.executor.launch(claim, claimed_at)
        return True

    def record_ended(self, ended: Ended) -> str | None:
        """Record an attempt another executor ran (its output folder is under the shared home); on a
        database error the folder stays for the next reconciliation to record it."""
        out_dir = ended.run_dir / "out"
        state = self._record(ended.claim, ended.outcome, out_dir, ended.run_dir / "eval.log", lambda: ended.base_check)
        shutil.rmtree(out_dir, ignore_errors=True)
        return state

    def _gpus_for(self, claim: Claim) -> int:
        """A GPU worker splits the model over the job's GPU count; a CPU worker runs it in RAM."""
        return claim.gpus if self.executor.capabilities().device_kind == "cuda" else 1

    def execute(self, claim: Claim, claimed_at: float) -> str | None:
        """Run one claimed attempt to its end; returns the job's new state (None if fenced out)."""
        run_dir = self.home / "runs" / f"job-{claim.job_id}" / f"attempt-{claim.attempt}"
        out_dir, log_path = run_dir / "out", run_dir / "eval.log"
        shutil.rmtree(run_dir, ignore_errors=True)
        out_dir.mkdir(parents=True)
        env = child_environment(PODIUM_JOB_ID=str(claim.job_id), PODIUM_JOB_ATTEMPT=str(claim.attempt),
                                PODIUM_WORKER_ID=self.worker_id)
        ticker = self._ticker(claim, claimed_at, out_dir, run_dir)
        outcome = run_supervised(
            eval_command(claim, self.settings, out_dir, gpus=self._gpus_for(claim)), log_path=log_path, env=env,
            time_limit=self.settings.time_limit_seconds, grace=self.settings.kill_grace_seconds,
            tick=min(1.0, self.settings.heartbeat_seconds), on_tick=ticker,
        )
        try:
            return self._record(claim, outcome, out_dir, log_path,
                                lambda: self._check_base(claim, env, log_path, ticker))
        finally:
            shutil.rmtree(out_dir, ignore_errors=True)

    def _check_base(self, claim: Claim, env: dict, log_path: Path, ticker: Callable[[], bool]) -> BaseCheck | None:
        """After a good evaluation: the provenance check of a declared base (None when it does not apply)."""
        if base_check.skip_reason(claim, self.settings.provenance_check):
            return None
        out_json = log_path.parent / "base_check.json"
        self.say(f"job {claim.job_id}: checking the declared base {claim.base_model} with model tracing")
        outcome = run_supervised(
            base_check.check_command(claim, self.settings.trace_command, model_argument(claim), out_json),
            log_path=log_path, env=env,
            time_limit=self.settings.provenance_time_limit_seconds, grace=self.settings.kill_grace_seconds,
            tick=min(1.0, self.settings.heartbeat_seconds), on_tick=ticker,
        )
        check = base_check.verdict(claim, outcome, out_json, tail(log_path, self.settings.log_tail_lines))
        self.say(f"job {claim.job_id}: provenance {check.status}: {check.reason}")
        return check

    def _ticker(self, claim: Claim, claimed_at: float, out_dir: Path, run_dir: Path) -> Callable[[], bool]:
        last = {"beat": claimed_at, "held": claimed_at, "progress": None}

        def tick() -> bool:
            if self.stopping:
                return False
            progress = read_json(out_dir / "progress.json")
            if progress and progress != last["progress"]:
                last["progress"] = progress
                self.say(f"job {claim.job_id}: {describe_progress(progress)}")
            if time.monotonic() - last["beat"] < self.settings.heartbeat_seconds:
                return True
            last["beat"] = sent = time.monotonic()
            try:
                with transaction(self.factory) as session:
                    held = queue.heartbeat(session, claim, self.settings, progress, run_dir=str(run_dir))
                    self.advertise(session)
            except Exception as err:  # a short outage: the lease outlives it
                unrenewed = time.monotonic() - last["held"]
                if unrenewed < LEASE_SAFETY * self.settings.lease_seconds:
                    self.say(f"job {claim.job_id}: heartbeat failed ({err}); will retry")
                    return True
                self.say(f"job {claim.job_id}: lease not renewed for {unrenewed:.0f} s; stopping the run")
                return False
            if held:
                last["held"] = sent
            else:
                self.say(f"job {claim.job_id}: attempt {claim.attempt} no longer holds the job; stopping it")
            return held

        return tick

    def _record(self, claim: Claim, outcome: RunOutcome, out_dir: Path, log_path: Path,
                check_base: Callable[[], BaseCheck | None] = lambda: None) -> str | None:
        log_tail = tail(log_path, self.settings.log_tail_lines)
        if outcome.stopped and not self.stopping:
            return None  # lease lost: someone else owns the job now
        record, unreadable = None, None
        if not (outcome.stopped or outcome.timed_out or outcome.returncode):
            try:
                record = parse_results(out_dir)
            except RecordError as err:  # written by another version of the evaluator
                unreadable = err
        changed = record is not None and _content_changed(claim, record)
        if record is not None and not changed:
            check = check_base()
            record = record.with_base_check(check)
            shutil.copy2(log_path, out_dir / "eval.log")
            published = publish(out_dir, self.home / "results", claim.job_id, claim.attempt)
            with transaction(self.factory) as session:
                ok = queue.complete(session, claim, record=record, details_path=str(published),
                                    wall_seconds=outcome.wall_seconds)
                if ok and check is not None:
                    base_check.flag_for_review(session, claim, check)
            if not ok:
                retract(published)
            _remove_run_dir(log_path.parent)
            average = f", average {record.average:.2f}" if record.average is not None else ""
            self.say(f"job {claim.job_id}: {f'finished{average}' if ok else 'stale result discarded'}")
            return "finished" if ok else None
        if changed:
            error_class, message = "model_changed", changed
        elif unreadable is not None:
            error_class, message = unreadable.kind, unreadable.render()
        elif outcome.stopped:
            error_class, message = "worker_lost", "The worker was shut down while running this job."
        else:
            failure = classify(outcome, read_error(out_dir), log_tail, self.settings.time_limit_seconds)
            error_class, message = failure.error_class, failure.message
        with transaction(self.factory) as session:
            state = queue.fail(session, claim, error_class, message, log_tail, self.settings)
        self.say(f"job {claim.job_id}: {error_class}: {message} -> {state or 'stale, ignored'}")
        return state
