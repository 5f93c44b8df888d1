"""The submit form: errors from the platform's rules shown next to the field they concern."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session

from podium.errors import PodiumError
from podium.eval.suites import DEFAULT_SUITE, SUITES
from podium.platform.errors import DuplicateSubmission
from podium.platform.identity import Actor
from podium.platform.vocab import MODEL_TYPES, PRECISIONS, WEIGHT_TYPES
from podium.web.deps import Caller, NotAuthenticated, caller, db, require_user, state
from podium.web.errors import field_of, public_message
from podium.web.pages.render import page
from podium.web.submit import SubmitBody, submit_model

router = APIRouter(include_in_schema=False)


def _form(request: Request, who: Caller, values: dict, errors: dict, status_code: int = 200, receipt=None):
    return page(request, "submit.html", who, status_code=status_code, values=values, errors=errors,
                receipt=receipt, precisions=PRECISIONS, weight_types=WEIGHT_TYPES, model_types=MODEL_TYPES,
                suites=list(SUITES.values()))


@router.get("/submit")
def submit_page(request: Request, who: Caller = Depends(caller)):
    if who.actor is None:
        raise NotAuthenticated("Sign in to submit a model.")
    return _form(request, who, {"precision": "bfloat16", "weight_type": "Original", "suite": DEFAULT_SUITE,
                                "use_chat_template": None}, {})


@router.post("/submit")
def submit_form(request: Request, model: str = Form("", max_length=1024), revision: str = Form("", max_length=200),
                precision: str = Form("bfloat16", max_length=20), weight_type: str = Form("Original", max_length=20),
                base_model: str = Form("", max_length=200), model_type: str = Form("", max_length=40),
                use_chat_template: bool = Form(False), suite: str = Form(DEFAULT_SUITE, max_length=60),
                actor: Actor = Depends(require_user), session: Session = Depends(db)):
    values = {"model": model, "revision": revision, "precision": precision, "weight_type": weight_type,
              "base_model": base_model, "model_type": model_type, "use_chat_template": use_chat_template,
              "suite": suite}
    who = Caller(actor, "session")
    state(request).guard.action("submissions", actor)  # a throttled form answers 429 with Retry-After
    try:
        body = SubmitBody(**{**values, "revision": revision or None, "base_model": base_model or None})
        receipt = submit_model(session, body, actor, state(request).config.settings)
    except ValidationError as err:
        errors = {str(e["loc"][0]): e["msg"] for e in err.errors() if e.get("loc")}
        return _form(request, who, values, errors, 422)
    except PodiumError as err:
        session.rollback()
        status = 409 if isinstance(err, DuplicateSubmission) else 422
        return _form(request, who, values, {field_of(err) or "model": public_message(err)}, status)
    return _form(request, who, values, {}, 201, receipt=receipt)
