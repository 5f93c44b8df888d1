"""Every failure becomes an answer the user can act on: JSON under /api, a page elsewhere.

Platform and input errors carry their own one-paragraph message (with this server's folder
paths replaced by what they are); validation errors name the field; anything unexpected is
logged with its traceback and answered with a generic message, so no internal detail (paths,
SQL, stack) ever reaches the client.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from podium.errors import PodiumError
from podium.paths import REPO_ROOT, models_root, podium_home
from podium.platform.errors import DuplicateSubmission
from podium.web.boards import nav

log = logging.getLogger("podium.web")

STATUS = {"unauthenticated": 401, "forbidden": 403, "csrf": 403, "not_found": 404, "conflict": 409,
          "rejected": 422, "throttled": 429}
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


def server_paths() -> list[tuple[str, str]]:
    """Folders of this server that messages from deeper layers may name, with what to say instead."""
    places = [(models_root(), "the model mirror"), (podium_home(), "the server's data folder"),
              (REPO_ROOT, "the server")]
    return sorted(((str(p), label) for p, label in places), key=lambda pl: -len(pl[0]))


def public_message(err: PodiumError) -> str:
    """The error's paragraph with this server's folder paths replaced by what they are."""
    text = err.render()
    for path, label in server_paths():
        text = text.replace(path, f"<{label}>")
    return text


def _podium_error(request: Request, err: PodiumError) -> Response:
    status = 409 if isinstance(err, DuplicateSubmission) else STATUS.get(err.kind, 400)
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


def _http(request: Request, err: HTTPException) -> Response:
    message = HTTP_MESSAGES.get(err.status_code) or str(err.detail)
    return respond(request, err.status_code, "too_large" if err.status_code == 413 else f"http_{err.status_code}",
                   message)


def _unexpected(request: Request, err: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return respond(request, 500, "internal", "Something went wrong on the server; it has been logged. "
                                             "Try again in a moment, and tell an operator if it keeps happening.")


def install(app: FastAPI) -> None:
    app.add_exception_handler(PodiumError, _podium_error)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
