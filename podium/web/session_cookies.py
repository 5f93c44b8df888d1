"""Starting and ending a server-side session, and setting or clearing its cookie."""

from __future__ import annotations

from fastapi import Request, Response

from podium.platform.db import transaction
from podium.web.auth import session_store
from podium.web.auth.csrf import cookie_header
from podium.web.auth.sessions import SESSION_COOKIE, SESSION_SECONDS


def start_session(request: Request, response: Response, user_id: int) -> None:
    """A new session row and its cookie; the CSRF token changes with it (it is bound to the session)."""
    web = request.app.state.web
    with transaction(web.factory) as session:
        value = session_store.start(session, user_id)
    response.headers.append("set-cookie", cookie_header(SESSION_COOKIE, value, secure=web.config.secure_cookies,
                                                         max_age=SESSION_SECONDS))


def end_session(request: Request, response: Response) -> None:
    """Sign-out: the session ends on the server (its cookie is worthless from now on) and is cleared."""
    web = request.app.state.web
    with transaction(web.factory) as session:
        session_store.end(session, request.cookies.get(SESSION_COOKIE))
    response.headers.append("set-cookie", cookie_header(SESSION_COOKIE, "", secure=web.config.secure_cookies,
                                                         max_age=0))


def client_address(request: Request) -> str:
    """The address throttles count against: the peer (uvicorn puts a trusted proxy's client here)."""
    return request.client.host if request.client else "unknown"
