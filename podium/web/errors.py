"""Every failure becomes an answer the user can act on: JSON under /api, a page elsewhere.

Platform and input errors carry their own one-paragraph message (with this server's folder
paths replaced by labels, `podium.web.visibility`); validation errors answer 422 and name the
field; anything unexpected is logged with its traceback and answered with a generic message,
so no internal detail (paths, SQL, stack) ever reaches the client. A 405 lists the methods the
address accepts in `Allow`; a throttled request (429) says when to come back in `Retry-After`.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Match

from podium.errors import PodiumError
from podium.platform.errors import DuplicateSubmission
from podium.web.boards import nav
from podium.web.visibility import RULE, text_for

log = logging.getLogger("podium.web")

STATUS = {"unauthenticated": 401, "forbidden": 403, "csrf": 403, "not_found": 404, "conflict": 409,
          "throttled": 429}
INPUT_STATUS = 422  # every other refusal is about a value the request carried (the OpenAPI document says so)
HTTP_MESSAGES = {404: "There is nothing at this address.", 405: "This address does not accept that method."}
FIELD_OF_RULE = {"revision": "revision", "precision": "precision", "base_model": "base_model",
                 "chat_template": "use_chat_template", "suite": "suite", "hardware": "precision",
                 "shapes": "base_model"}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or "application/json" in request.headers.get("accept", "")


def error_body(code: str, message: str, **extra) -> dict:
    return {"error": {"code": code, "message": message, **{k: v for k, v in extra.items() if v is not None}}}


def field_of(err: PodiumError) -> str | None:
    """The form field an error is about, so pages can show it next to that field."""
    if getattr(err, "field", None):
        return err.field
    rule = getattr(err, "rule", None)
    return FIELD_OF_RULE.get(rule, "model") if rule else None


def respond(request: Request, status: int, code: str, message: str, headers: dict | None = None,
            **extra) -> Response:
    if wants_json(request):
        headers = {**(headers or {}), **({"WWW-Authenticate": "Bearer"} if status == 401 else {})}
        return JSONResponse(error_body(code, message, **extra), status, headers=headers)
    if status == 401 and request.method == "GET":
        return RedirectResponse(f"/login?next={request.url.path}", 303)
    templates = request.app.state.web.templates
    return templates.TemplateResponse(request, "error.html", {"status": status, "message": message, "nav": nav(),
                                                              "path": request.url.path}, status_code=status,
                                      headers=headers)


def public_message(err: PodiumError) -> str:
    """The error's paragraph with this server's folders replaced by labels, as anyone may read it."""
    return text_for(err.render(), RULE["anonymous"])


def _podium_error(request: Request, err: PodiumError) -> Response:
    status = 409 if isinstance(err, DuplicateSubmission) else STATUS.get(err.kind, INPUT_STATUS)
    retry_after = getattr(err, "retry_after", None)  # a throttled request says when to come back
    return respond(request, status, err.kind, public_message(err), {"Retry-After": str(retry_after)} if retry_after
                   else None, field=field_of(err), rule=getattr(err, "rule", None))


def _validation(request: Request, err: RequestValidationError) -> Response:
    problems = []
    for e in err.errors()[:5]:
        where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path"))
        problems.append(f"{where}: {e.get('msg', 'invalid value')}" if where else e.get("msg", "invalid value"))
    first = next((str(e["loc"][-1]) for e in err.errors() if e.get("loc")), None)
    return respond(request, 422, "invalid", "The request is not valid: " + "; ".join(problems) + ".", field=first)


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> str:
    """Every method some route accepts at this path (the router's own 405 names none, or one route's)."""
    return ", ".join(m for m in METHODS if any(route.matches({**request.scope, "method": m})[0] == Match.FULL
                                               for route in request.app.router.routes))


def _http(request: Request, err: HTTPException) -> Response:
    if err.status_code == 400:  # the framework could not parse the body: a validation error like any other
        return respond(request, 422, "invalid", "The request body could not be read: send JSON (UTF-8) or a form.",
                       field="body")
    message = HTTP_MESSAGES.get(err.status_code) or str(err.detail)
    response = respond(request, err.status_code, "too_large" if err.status_code == 413 else f"http_{err.status_code}",
                       message)
    if err.status_code == 405:
        response.headers["Allow"] = allowed_methods(request)
    return response


def _unexpected(request: Request, err: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return respond(request, 500, "internal", "Something went wrong on the server; it has been logged. "
                                             "Try again in a moment, and tell an operator if it keeps happening.")


def install(app: FastAPI) -> None:
    app.add_exception_handler(PodiumError, _podium_error)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
