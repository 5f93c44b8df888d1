"""Synthetic leaderboard entries for the web tests and benchmark: realistic-looking rows, inserted fast.

Rows go straight into the platform's tables (model, submission, finished job, result) with
bulk inserts, so 10,000 entries take about a second. Scores are drawn per task between the
random baseline and a per-model quality, so averages, ranks and filters behave as on a
real board. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from podium.eval.normalize import normalize
from podium.eval.suites import SuiteSpec
from podium.platform.models import LEGACY_VERSION, Flag, Job, Model, OfficialProvider, Result, Submission
from podium.record import DataProvenance, ModelIdentity, Provenance, RunSettings, TaskScore

ORGS = ("meta-llama", "mistralai", "Qwen", "google", "microsoft", "tiiuae", "EleutherAI", "allenai", "01-ai",
        "deepseek-ai", "upstage", "openchat", "NousResearch", "teknium", "stabilityai", "bigscience")
FAMILIES = (("llama", "LlamaForCausalLM"), ("mistral", "MistralForCausalLM"), ("qwen2", "Qwen2ForCausalLM"),
            ("gemma", "GemmaForCausalLM"), ("phi3", "Phi3ForCausalLM"), ("falcon", "FalconForCausalLM"),
            ("mixtral", "MixtralForCausalLM"), ("gpt-neox", "GPTNeoXForCausalLM"))
LICENSES = ("apache-2.0", "mit", "llama3", "cc-by-nc-4.0", "other", "gemma", "openrail")
TYPES = ("pretrained", "continuously pretrained", "fine-tuned", "chat", "merge", "multimodal")
PRECISIONS = ("bfloat16", "float16", "float32")
SIZES = (0.1, 0.5, 1.1, 1.5, 2.7, 3.8, 6.7, 7.2, 8.0, 13.0, 14.0, 34.0, 46.7, 70.0, 72.0, 141.0)
OFFICIAL = ("meta-llama", "mistralai", "Qwen", "google")


def _next_id(session: Session, table) -> int:
    return (session.scalar(select(func.max(table.id))) or 0) + 1


def _tasks(rng: random.Random, suite: SuiteSpec, quality: float) -> tuple[dict, float | None]:
    tasks, counted = {}, []
    for spec in suite.tasks:
        lb = spec.lower_bound
        raw = min(1.0, max(0.0, lb + (1 - lb) * quality * rng.uniform(0.6, 1.2) - rng.uniform(0, 0.05)))
        norm = normalize(raw, lb)
        n = rng.randint(100, 2000)
        tasks[spec.key] = TaskScore(key=spec.key, title=spec.title, metric="+".join(spec.metrics), raw=raw,
                                    normalized=norm, stderr=(raw * (1 - raw) / n) ** 0.5, n_samples=n, lower_bound=lb,
                                    private=spec.private, in_average=spec.in_average).to_json()
        if spec.in_average:
            counted.append(norm)
    return tasks, (sum(counted) / len(counted) if counted else None)  # the trace suite has no average


def _provenance(repo: str, revision: str, when: datetime) -> dict:
    stamp = when.isoformat(timespec="seconds")
    return Provenance(
        model=ModelIdentity(id=repo, path=repo, source="hub", revision=revision, content_hash=None, architecture=None,
                            model_type=None, has_chat_template=None, vocab_size=None, dtype="bfloat16",
                            chat_template=False),
        run=RunSettings(backend="podium", device="cpu", dtype="bfloat16", batch_size=1, limit=None, gen_kwargs=None,
                        seeds={}, command_line="synthetic", started_at=stamp, finished_at=stamp, wall_seconds=0.0),
        versions={"lm_eval": "0.4.13"}, data=DataProvenance(mode="hub", dir=None, files={}, differences={}),
    ).to_json()


def _current_version(session: Session, suite: SuiteSpec) -> str:
    """The version the suite's board shows: its latest stored result's (legacy on an empty board)."""
    latest = session.scalar(select(Result.suite_version).where(Result.suite == suite.name)
                            .order_by(Result.id.desc()).limit(1))
    return latest or LEGACY_VERSION


def add_entries(session: Session, suite: SuiteSpec, n: int, *, seed: int = 0, submitter_id: int | None = None,
                start: datetime = datetime(2024, 1, 1)) -> list[int]:
    """Insert `n` finished entries on `suite`, in the suite version its board shows now (so they join
    the board beside real results); returns their entry (submission) ids. The caller commits."""
    rng = random.Random(seed)
    version = _current_version(session, suite)
    model_id, sub_id, job_id, result_id = (_next_id(session, t) for t in (Model, Submission, Job, Result))
    models, subs, jobs, results, flags = [], [], [], [], []
    for i in range(n):
        org = rng.choice(ORGS)
        family, arch = rng.choice(FAMILIES)
        size = rng.choice(SIZES)
        kind = rng.choice(TYPES)
        repo = f"{org}/{family}-{size:g}b-{kind.split()[0][:5]}-{seed}-{i}"
        when = start + timedelta(days=rng.uniform(0, 700))
        quality = min(0.95, max(0.02, rng.gauss(0.25 + 0.1 * (size ** 0.3), 0.12)))
        tasks, average = _tasks(rng, suite, quality)
        models.append({"id": model_id + i, "repo_id": repo, "org": org, "source": "hub", "location": repo,
                       "revision": f"{rng.getrandbits(160):040x}", "precision": rng.choice(PRECISIONS),
                       "weight_type": "Original",
                       "base_model": None if kind == "pretrained" else f"{org}/{family}-base",
                       "model_type": kind, "architecture": arch, "params_billion": size, "params_source": "safetensors",
                       "license": rng.choice(LICENSES), "has_chat_template": kind == "chat",
                       "is_moe": family == "mixtral", "is_merge": kind == "merge", "available": rng.random() > 0.03,
                       "created_at": when})
        subs.append({"id": sub_id + i, "model_id": model_id + i, "suite": suite.name,
                     "use_chat_template": kind == "chat", "submitter_id": submitter_id, "submitted_at": when})
        jobs.append({"id": job_id + i, "submission_id": sub_id + i, "state": "finished", "kind": "eval", "attempt": 1,
                     "created_at": when, "updated_at": when, "started_at": when, "finished_at": when,
                     "wall_seconds": rng.uniform(600, 40000)})
        results.append({"id": result_id + i, "job_id": job_id + i, "attempt": 1, "submission_id": sub_id + i,
                        "suite": suite.name, "suite_version": version, "tasks": tasks, "average": average,
                        "average_complete": average is not None,
                        "provenance": _provenance(repo, models[-1]["revision"], when),
                        "details_path": f"/nonexistent/{repo}",
                        "created_at": when})
        if rng.random() < 0.02:
            flags.append({"repo_id": repo, "reason": "contaminated on the test set", "created_at": when,
                          "evidence_url": f"https://example.org/discussions/{i}"})
    for table, rows in ((Model, models), (Submission, subs), (Job, jobs), (Result, results), (Flag, flags)):
        if rows:
            session.execute(insert(table), rows)
    known = set(session.scalars(select(OfficialProvider.org)))
    for org in OFFICIAL:
        if org not in known:
            session.add(OfficialProvider(org=org))
    return [s["id"] for s in subs]
