"""Per-request dependencies: the database session, who is calling, and the write guard.

Identity comes only from the session cookie or a bearer token, never from a request body.
A write authenticated by cookie must also carry the CSRF token (form field or header),
because a browser attaches cookies to requests other sites make; a bearer token cannot be
attached by another site, so token-authenticated writes need no CSRF token.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from podium.errors import PodiumError
from podium.platform.identity import Actor
from podium.platform.models import User
from podium.web.auth import session_store, tokens
from podium.web.auth.sessions import CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE
from podium.web.state import WebState


class NotAuthenticated(PodiumError):
    kind = "unauthenticated"


class CsrfFailed(PodiumError):
    kind = "csrf"


def state(request: Request) -> WebState:
    return request.app.state.web


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def db(request: Request) -> Iterator[Session]:
    """A session per request: a lock-free read session for GET, a write session otherwise
    (handlers that write commit it themselves)."""
    web = request.app.state.web
    with (web.read_factory if request.method in SAFE_METHODS else web.factory)() as session:
        yield session


@dataclass(frozen=True)
class Caller:
    actor: Actor | None
    via: str  # "session" | "token" | "anonymous"


ANONYMOUS = Caller(None, "anonymous")


def caller(request: Request) -> Caller:
    """Who is calling, read in a session of its own (never the request's write session, which
    must not hold the SQLite write lock while a page renders or a model is inspected)."""
    web = state(request)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    with web.read_factory() as session:
        if scheme:
            row = tokens.live_token(session, token.strip()) if scheme.lower() == "bearer" else None
            user = session.get(User, row.user_id) if row else None
            if user is None:
                raise NotAuthenticated("The API token is invalid, expired or revoked.",
                                       hint="Create a new one on your account page and send it as "
                                            "'Authorization: Bearer <token>'.")
            who = Caller(Actor.of(user), "token")
            if tokens.needs_touch(row):
                with web.factory() as writer, writer.begin():
                    tokens.touch(writer, row.id)
            return who
        user = session_store.user_of(session, request.cookies.get(SESSION_COOKIE))
        return ANONYMOUS if user is None else Caller(Actor.of(user), "session")


def csrf_token(request: Request) -> str:
    """The token pages embed in forms and in a meta tag for scripts (bound to this session)."""
    return state(request).signer.csrf_token(request.state.csrf_cookie, request.cookies.get(SESSION_COOKIE))


def check_csrf(request: Request, sent: object) -> None:
    """403 unless `sent` is this visitor's token for this session (any other value, of any type, is wrong)."""
    if not state(request).signer.check_csrf(request.cookies.get(CSRF_COOKIE), request.cookies.get(SESSION_COOKIE),
                                            sent if isinstance(sent, str) else None):
        raise CsrfFailed("The form's security token is missing or out of date.", hint="Reload the page and try again.")


async def require_user(request: Request, who: Caller = Depends(caller)) -> Actor:
    """The authenticated actor of a write (401 without one, 403 on a missing or wrong CSRF token)."""
    if who.actor is None:
        raise NotAuthenticated("You need to sign in to do this.",
                               hint="Sign in on the web, or send an API token as 'Authorization: Bearer <token>'.")
    if who.via == "session":
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")):
            sent = (await request.form()).get(CSRF_FIELD)
        check_csrf(request, sent)
    return who.actor
