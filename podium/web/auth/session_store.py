"""Server-side sessions: a row per signed-in browser, so sign-out and operators can end one.

The cookie holds a random token and the table only its hash. A session lives SESSION_SECONDS;
expired rows of a user are removed when that user signs in again, and a user keeps at most
MAX_SESSIONS_PER_USER (the oldest go first), so the table stays small.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from podium.platform.db import utcnow
from podium.platform.errors import NotFound
from podium.platform.identity import Actor, require_operator
from podium.platform.models import User, WebSession
from podium.web.auth.sessions import SESSION_SECONDS, new_session_token, session_key, well_formed

MAX_SESSIONS_PER_USER = 20


def start(session: Session, user_id: int) -> str:
    """A new session for the user; returns the cookie value (never stored)."""
    now = utcnow()
    session.execute(delete(WebSession).where(WebSession.user_id == user_id, WebSession.expires_at <= now))
    keep = list(session.scalars(select(WebSession.id).where(WebSession.user_id == user_id)
                                .order_by(WebSession.id.desc()).limit(MAX_SESSIONS_PER_USER - 1)))
    session.execute(delete(WebSession).where(WebSession.user_id == user_id, WebSession.id.not_in(keep)))
    token = new_session_token()
    session.add(WebSession(user_id=user_id, token_hash=session_key(token), created_at=now,
                           expires_at=now + timedelta(seconds=SESSION_SECONDS)))
    session.flush()
    return token


def user_of(session: Session, cookie: str | None) -> User | None:
    """The user a session cookie belongs to, or None (absent, malformed, ended or expired)."""
    if not well_formed(cookie):
        return None
    row = session.scalar(select(WebSession).where(WebSession.token_hash == session_key(cookie)))
    if row is None or row.expires_at <= utcnow():
        return None
    return session.get(User, row.user_id)


def end(session: Session, cookie: str | None) -> bool:
    """Sign-out: the session of this cookie ends now."""
    if not well_formed(cookie):
        return False
    return bool(session.execute(delete(WebSession).where(WebSession.token_hash == session_key(cookie))).rowcount)


def _user_id(session: Session, username: str) -> int:
    user_id = session.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        raise NotFound(f"There is no user {username}.")
    return user_id


def list_live(session: Session, username: str, actor: Actor) -> list[WebSession]:
    require_operator(actor, "list other users' sessions")
    user_id = _user_id(session, username)
    return list(session.scalars(select(WebSession).where(WebSession.user_id == user_id,
                                                         WebSession.expires_at > utcnow()).order_by(WebSession.id)))


def revoke_all(session: Session, username: str, actor: Actor) -> int:
    """An operator ends every session of a user (API tokens are separate: see `tokens`)."""
    require_operator(actor, "end other users' sessions")
    user_id = _user_id(session, username)
    return session.execute(delete(WebSession).where(WebSession.user_id == user_id)).rowcount
