"""Gives every visitor a random CSRF cookie, the secret that form tokens are derived from."""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from podium.web.auth.sessions import CSRF_COOKIE, new_csrf_cookie, well_formed


def cookie_header(name: str, value: str, *, secure: bool, max_age: int | None = None) -> str:
    """A Set-Cookie value: HttpOnly and SameSite=Lax always, Secure behind HTTPS."""
    cookie = SimpleCookie()
    cookie[name] = value
    morsel = cookie[name]
    morsel["path"] = "/"
    morsel["httponly"] = True
    morsel["samesite"] = "Lax"
    if secure:
        morsel["secure"] = True
    if max_age is not None:
        morsel["max-age"] = max_age
    return morsel.OutputString()


class CsrfCookie:
    """ASGI middleware: puts the visitor's CSRF cookie in `request.state.csrf_cookie`, creating it if absent."""

    def __init__(self, app: ASGIApp, secure: bool):
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        existing = cookie_parser(dict(scope["headers"]).get(b"cookie", b"").decode("latin-1")).get(CSRF_COOKIE)
        value = existing if well_formed(existing) else None  # anything we did not issue is replaced
        fresh = value is None
        scope.setdefault("state", {})["csrf_cookie"] = value or new_csrf_cookie()

        async def send_with_cookie(message: Message) -> None:
            if fresh and message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.append("set-cookie", cookie_header(CSRF_COOKIE, scope["state"]["csrf_cookie"],
                                                           secure=self.secure))
            await send(message)

        await self.app(scope, receive, send_with_cookie if fresh else send)
