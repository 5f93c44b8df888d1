"""Rendering a page with what every page needs: the caller, the CSRF token, the navigation."""

from __future__ import annotations

import json
import re
from datetime import datetime

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup

from podium.web.boards import nav
from podium.web.deps import Caller, csrf_token


def page(request: Request, template: str, who: Caller, status_code: int = 200, **context) -> HTMLResponse:
    templates = request.app.state.web.templates
    return templates.TemplateResponse(request, template, {
        "user": who.actor, "csrf": csrf_token(request), "nav": nav(), "path": request.url.path, **context,
    }, status_code=status_code)


def redirect(url: str) -> RedirectResponse:
    """After a successful form post: see-other, so a reload does not post again."""
    return RedirectResponse(url, 303)


def safe_next(url: str | None) -> str:
    """Only same-site paths, so a crafted ?next= cannot send a user elsewhere after sign-in."""
    return url if url and url.startswith("/") and not url.startswith("//") and "\\" not in url else "/"


def to_json(value) -> Markup:
    """JSON for a <script type="application/json"> block: '<', '>' and '&' escaped so no tag can end early."""
    text = json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    return f"{seconds // 86400} d {seconds % 86400 // 3600} h"


def number(value, digits: int = 2) -> str:
    """A number to `digits` places; "-" for anything else (None, or a field an unchecked record lacks)."""
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) else "-"


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")


def plain(text: str | None) -> str:
    """Log text without terminal colour codes and carriage returns (progress bars), for a <pre>."""
    return ANSI.sub("", text or "")
