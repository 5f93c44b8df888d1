"""From a submit form or API body to the platform's submission service.

The web layer checks what the user typed (id and revision allowlists, operator-only paths
confined to the models root). Everything else, the suite and the chat-template default
included, is decided by `podium.platform.submission`, whose rejections name the rule (and
so the field).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from podium.eval.suites import DEFAULT_SUITE
from podium.platform.config import Settings
from podium.platform.identity import Actor
from podium.platform.submission import SubmissionReceipt, SubmissionRequest, submit
from podium.platform.vocab import MODEL_TYPES, PRECISIONS, WEIGHT_TYPES
from podium.web import inputs


class SubmitBody(BaseModel):
    """What a submitter fills in. The submitter is the authenticated caller, never a field."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(max_length=1024, description="org/name (hub or local mirror); operators may give a folder path")
    revision: str | None = Field(None, max_length=200, description="branch, tag or commit sha (default: main)")
    precision: Literal[PRECISIONS] = "bfloat16"  # type: ignore[valid-type]
    weight_type: Literal[WEIGHT_TYPES] = "Original"  # type: ignore[valid-type]
    base_model: str | None = Field(None, max_length=200,
                                   description="org/name: required for Delta and Adapter weights; for full weights, "
                                   "the model they were fine-tuned from (checked by model tracing after the "
                                   "evaluation)")
    model_type: Literal[MODEL_TYPES]  # type: ignore[valid-type]
    use_chat_template: bool | None = Field(None, description="default: on for chat models, off otherwise")
    suite: str = Field(DEFAULT_SUITE, max_length=60)
    idempotency_key: str | None = Field(None, max_length=200, description="resending a key you used before returns "
                                        "that submission's receipt instead of submitting twice (keys are yours alone)")


def platform_request(body: SubmitBody, actor: Actor) -> SubmissionRequest:
    base = None
    if (body.base_model or "").strip():
        base = inputs.model_id(body.base_model, "base_model")
    return SubmissionRequest(
        model=inputs.model_or_path(body.model, is_operator=actor.is_operator),
        revision=inputs.revision(body.revision), precision=body.precision, weight_type=body.weight_type,
        base_model=base, model_type=body.model_type, use_chat_template=body.use_chat_template, suite=body.suite,
        idempotency_key=body.idempotency_key or None,
    )


def submit_model(session: Session, body: SubmitBody, actor: Actor, settings: Settings) -> SubmissionReceipt:
    """Validate and queue; commits. Raises InputError or the platform's SubmissionRejected."""
    receipt = submit(session, platform_request(body, actor), actor, settings)
    session.commit()
    return receipt


def receipt_json(receipt: SubmissionReceipt) -> dict:
    return {"submission_id": receipt.submission_id, "job_id": receipt.job_id, "model": receipt.repo_id,
            "revision": receipt.revision, "precision": receipt.precision, "params_billion": receipt.params_billion,
            "gpus": receipt.gpus, "submitted_at": receipt.submitted_at, "created": receipt.created,
            "status_url": f"/jobs/{receipt.job_id}", "entry_url": f"/entries/{receipt.submission_id}"}
