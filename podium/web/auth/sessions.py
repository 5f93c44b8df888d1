"""Session cookies and the CSRF tokens bound to them.

A session cookie is a random token; the server keeps only its hash (`session_store`), so
sign-out and an operator can end a session. Every visitor also carries a random
`podium_csrf` cookie; the CSRF token a form or script must send back is an HMAC of that
cookie and of the session cookie, so another site can neither read nor compute it, a token
taken from one session is worthless in another, and signing in (a new session) rotates it.

Cookies and tokens come from the client: anything that is not the plain ASCII we issue is
simply invalid (never compared, never an error).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

SESSION_COOKIE = "podium_session"
CSRF_COOKIE = "podium_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SESSION_SECONDS = 14 * 24 * 3600

_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")  # what secrets.token_urlsafe issues, for cookies of both kinds


def well_formed(value: str | None) -> bool:
    """A cookie value we could have issued (ASCII URL-safe characters, sane length)."""
    return bool(value) and _TOKEN.fullmatch(value) is not None


def same_text(a: str | None, b: str | None) -> bool:
    """Constant-time equality of two client-supplied strings; False (not TypeError) for non-ASCII."""
    return bool(a and b) and a.isascii() and b.isascii() and hmac.compare_digest(a, b)


def session_key(token: str) -> str:
    """What the sessions table stores for a session cookie: its SHA-256 (the cookie is 256 random bits)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def new_csrf_cookie() -> str:
    return secrets.token_urlsafe(24)


class Signer:
    """HMAC-SHA256 with the server's secret key."""

    def __init__(self, secret: bytes):
        self.secret = secret

    def _mac(self, purpose: str, data: bytes) -> str:
        return hmac.new(self.secret, purpose.encode() + b"\0" + data, hashlib.sha256).hexdigest()

    def csrf_token(self, csrf_cookie: str, session_cookie: str | None) -> str:
        """The token for this visitor's CSRF cookie within this session (none before sign-in)."""
        session = session_key(session_cookie) if well_formed(session_cookie) else ""
        return self._mac("csrf", f"{csrf_cookie}\0{session}".encode())

    def check_csrf(self, csrf_cookie: str | None, session_cookie: str | None, token: str | None) -> bool:
        return well_formed(csrf_cookie) and same_text(self.csrf_token(csrf_cookie, session_cookie), token)
