"""The API's error contract, stated once: the body every 4xx and 5xx carries and what each status means.

Routes list the statuses they can answer with `errors(...)`, so the OpenAPI document at
/openapi.json says exactly what a client may get (schemathesis checks it: see
benchmarks/fuzz_api.py). Every router documents 422 (the shape of a validation error);
writes add 401/403/413.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str = Field(description="A stable name: invalid, unauthenticated, forbidden, csrf, not_found, conflict, ...")
    message: str = Field(description="What happened and what to do, in one paragraph")
    field: str | None = Field(None, description="The parameter or body field the error is about")
    rule: str | None = Field(None, description="The submission rule that refused the request")


class ErrorBody(BaseModel):
    error: ErrorDetail


MEANING = {
    401: "Not signed in, or the API token is invalid, expired or revoked (`WWW-Authenticate: Bearer`).",
    403: "Signed in but not allowed to do this, or a cookie-authenticated write without its CSRF token.",
    404: "There is no such object.",
    405: "This address does not accept that method; `Allow` lists those it does.",
    409: "The object's state does not allow this (already submitted, not waiting in the queue, ...).",
    413: "The request body is over the size limit.",
    422: "A value is not valid: `error.field` names it and `error.message` says why.",
    429: "Too many requests: `Retry-After` says when to try again.",
}

WRITE = (401, 403, 413)
"""What every authenticated write can answer besides its own errors."""


def errors(*codes: int) -> dict[int | str, dict]:
    """OpenAPI `responses` for these statuses, each with the error body's schema."""
    return {code: {"model": ErrorBody, "description": MEANING[code]} for code in codes}


# For routes declared with `response_class=Response` (no media type of their own), so that their
# errors are documented as JSON and their answer as what it is.
TEXT = {"description": "Plain text", "content": {"text/plain": {"schema": {"type": "string"}}}}
CSV = {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}

VALIDATION = errors(422)
"""Router-level: the shape of a validation error, replacing FastAPI's default (which this app never sends)."""
