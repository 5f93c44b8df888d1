"""ORM tables of the platform. The database is the source of truth for the queue.

Enumerations are strings guarded by CHECK constraints rather than native enum types, so the
same migration runs on SQLite and PostgreSQL and a schema per test stays self-contained.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from podium.platform.db import utcnow
from podium.platform.vocab import (
    DEVICE_KINDS,
    EXECUTORS,
    JOB_KINDS,
    JOB_STATES,
    MODEL_SOURCES,
    MODEL_TYPES,
    PRECISIONS,
    ROLES,
    WEIGHT_TYPES,
)

LEGACY_VERSION = "legacy"
"""The suite version of results stored before versions were (their data and configs are not in the store)."""


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=f"{column}_valid")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


class User(Base):
    __tablename__ = "users"
    __table_args__ = (_one_of("role", ROLES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    password_hash: Mapped[str | None] = mapped_column(String(255), doc="Set and checked by the web auth layer.")
    role: Mapped[str] = mapped_column(String(20), default="user")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True, doc="Only a hash is stored, never the token.")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token, this row only its hash, so sign-out
    and an operator can end the session (deleting the row)."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, doc="SHA-256 of the cookie, never the cookie.")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class OfficialProvider(Base):
    """An organisation whose models are marked official and exempt from the quota."""

    __tablename__ = "official_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    org: Mapped[str] = mapped_column(String(200), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Model(Base):
    """One model at one pinned revision and precision, with the facts read at submit time."""

    __tablename__ = "models"
    __table_args__ = (
        UniqueConstraint("repo_id", "revision", "precision", name="uq_models_identity"),
        _one_of("precision", PRECISIONS),
        _one_of("weight_type", WEIGHT_TYPES),
        _one_of("model_type", MODEL_TYPES),
        _one_of("source", MODEL_SOURCES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    repo_id: Mapped[str] = mapped_column(String(400), index=True, doc="org/name, or a raw path for operators.")
    org: Mapped[str] = mapped_column(String(200), index=True)
    source: Mapped[str] = mapped_column(String(10))
    location: Mapped[str] = mapped_column(Text, doc="What the evaluator is given: a folder or a hub id.")
    revision: Mapped[str] = mapped_column(String(80), doc="Commit sha (hub) or content hash (local folder).")
    precision: Mapped[str] = mapped_column(String(10))
    weight_type: Mapped[str] = mapped_column(String(10), default="Original")
    base_model: Mapped[str | None] = mapped_column(String(400))
    base_revision: Mapped[str | None] = mapped_column(
        String(80), doc="The declared base's commit sha or content hash, pinned at submission.")
    model_type: Mapped[str] = mapped_column(String(30))
    architecture: Mapped[str | None] = mapped_column(String(200))
    params_billion: Mapped[float | None] = mapped_column(Float)
    params_source: Mapped[str | None] = mapped_column(String(30))
    license: Mapped[str | None] = mapped_column(String(200))
    has_chat_template: Mapped[bool] = mapped_column(Boolean, default=False)
    is_moe: Mapped[bool] = mapped_column(Boolean, default=False)
    is_merge: Mapped[bool] = mapped_column(Boolean, default=False)
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    submissions: Mapped[list[Submission]] = relationship(back_populates="model", passive_deletes=True)


class Submission(Base):
    """A request to evaluate a model on a suite; a leaderboard entry once a job finishes."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("model_id", "suite", "use_chat_template", name="uq_submissions_entry"),
        UniqueConstraint("submitter_id", "idempotency_key", name="uq_submissions_submitter_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), index=True)
    suite: Mapped[str] = mapped_column(String(100))
    use_chat_template: Mapped[bool] = mapped_column(Boolean, default=False)
    submitter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), doc="Unique per submitter, not globally.")

    model: Mapped[Model] = relationship(back_populates="submissions")
    jobs: Mapped[list[Job]] = relationship(back_populates="submission", passive_deletes=True, order_by="Job.id")


class Job(Base):
    """One evaluation of a submission. `attempt` counts claims and is the fencing token."""

    __tablename__ = "jobs"
    __table_args__ = (
        _one_of("state", JOB_STATES),
        _one_of("kind", JOB_KINDS),
        _one_of("executor", EXECUTORS),
        Index("ix_jobs_state_lease", "state", "lease_expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(12), default="pending")
    kind: Mapped[str] = mapped_column(String(10), default="eval")
    rerun_of_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), doc="Who asked for a rerun (a submitter's counts to the quota).")
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    gpus: Mapped[int] = mapped_column(Integer, default=1, server_default="1",
                                      doc="GPUs of one host the job needs (from parameters and precision).")
    executor: Mapped[str] = mapped_column(String(10), default="local", server_default="local",
                                          doc="What runs the current attempt: a local worker or the Ray cluster.")
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    wall_seconds: Mapped[float | None] = mapped_column(Float, doc="Wall time of the attempt that finished.")
    progress: Mapped[dict | None] = mapped_column(JSON)
    error_class: Mapped[str | None] = mapped_column(String(40))
    error_message: Mapped[str | None] = mapped_column(Text)
    log_tail: Mapped[str | None] = mapped_column(Text)
    run_dir: Mapped[str | None] = mapped_column(Text)

    submission: Mapped[Submission] = relationship(back_populates="jobs")
    result: Mapped[Result | None] = relationship(back_populates="job", passive_deletes=True)


class Result(Base):
    """Scores of one finished job; unique per job, so a result can never be recorded twice."""

    __tablename__ = "results"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), unique=True)
    attempt: Mapped[int] = mapped_column(Integer)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    suite: Mapped[str] = mapped_column(String(100))
    suite_version: Mapped[str] = mapped_column(
        String(64), default=LEGACY_VERSION, server_default=LEGACY_VERSION, index=True,
        doc="The run record's suite version: a board ranks and averages results of one version only.")
    tasks: Mapped[dict] = mapped_column(JSON, doc="task key -> {title, metric, raw, normalized, stderr, ...}")
    average: Mapped[float | None] = mapped_column(Float)
    average_complete: Mapped[bool] = mapped_column(Boolean, default=True)
    average_uncertainty: Mapped[dict | None] = mapped_column(
        JSON, nullable=True, doc="The average's standard error and 95% interval (`podium.record.AverageUncertainty`).")
    provenance: Mapped[dict] = mapped_column(JSON, doc="The run's model, run, versions and data blocks.")
    details_path: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    job: Mapped[Job] = relationship(back_populates="result")


class Vote(Base):
    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("submission_id", "user_id", name="uq_votes_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Flag(Base):
    """A report against a model repo (all revisions and precisions); active until resolved."""

    __tablename__ = "flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    repo_id: Mapped[str] = mapped_column(String(400), index=True)
    reason: Mapped[str] = mapped_column(Text)
    evidence_url: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Pick(Base):
    """A maintainer's pick (⭐): a model repo (every revision and precision) an operator highlights,
    evaluated first in the queue. Active until removed; who and when are kept for both."""

    __tablename__ = "picks"
    __table_args__ = (
        Index("uq_picks_active_repo", "repo_id", unique=True, sqlite_where=text("removed_at IS NULL"),
              postgresql_where=text("removed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    repo_id: Mapped[str] = mapped_column(String(400), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Worker(Base):
    """A worker and what it can run, as it last advertised (refreshed while it polls and heartbeats)."""

    __tablename__ = "workers"
    __table_args__ = (_one_of("device_kind", DEVICE_KINDS),)

    id: Mapped[str] = mapped_column(String(200), primary_key=True, doc="The worker id (host:pid:random).")
    host: Mapped[str] = mapped_column(String(200))
    device_kind: Mapped[str] = mapped_column(String(10))
    gpu_count: Mapped[int] = mapped_column(Integer)
    gpu_memory_gb: Mapped[float | None] = mapped_column(Float, doc="Memory of one GPU.")
    gpu_name: Mapped[str | None] = mapped_column(String(200))
    quantization: Mapped[list] = mapped_column(JSON, doc="Quantized precisions it can run (8bit, 4bit, gptq).")
    started_at: Mapped[datetime] = mapped_column(DateTime)
    seen_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class ClusterNode(Base):
    """A node of the Ray cluster as a dispatcher last saw it: the operators' Workers page reads
    these rows, so the web tier never talks to the cluster."""

    __tablename__ = "cluster_nodes"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, doc="Ray's node id.")
    cluster: Mapped[str] = mapped_column(String(400), doc="The Ray dashboard address (operators only).")
    host: Mapped[str] = mapped_column(String(200), doc="The node's address (operators only).")
    alive: Mapped[bool] = mapped_column(Boolean)
    is_head: Mapped[bool] = mapped_column(Boolean, default=False)
    gpus: Mapped[float] = mapped_column(Float, default=0.0)
    gpus_used: Mapped[float] = mapped_column(Float, default=0.0, doc="By Podium's Ray jobs running on it.")
    resources: Mapped[dict] = mapped_column(JSON, doc="Ray's resource totals (capability markers included).")
    jobs: Mapped[list] = mapped_column(JSON, doc="Podium job ids running on it.")
    seen_at: Mapped[datetime] = mapped_column(DateTime, index=True, doc="When a dispatcher last saw it.")


class BoardChange(Base):
    """One write that touched board rows, logged by a database trigger (migration 0012): web
    replicas read the log to update their boards in place instead of rebuilding them."""

    __tablename__ = "board_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), doc="What `key` names: submission (an entry), repo or org.")
    key: Mapped[str] = mapped_column(String(400))
    at: Mapped[float] = mapped_column(Float, doc="Unix seconds of the database's clock when it was logged.")
