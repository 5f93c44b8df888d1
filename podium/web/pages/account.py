"""Sign-up, sign-in and sign-out forms, and the account page with personal API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session

from podium.errors import PodiumError
from podium.platform.identity import Actor
from podium.web.auth import tokens
from podium.web.auth.accounts import sign_in, sign_up
from podium.web.auth.sessions import CSRF_COOKIE
from podium.web.deps import Caller, CsrfFailed, NotAuthenticated, caller, db, require_user, state
from podium.web.errors import field_of, public_message
from podium.web.pages.render import page, redirect, safe_next
from podium.web.params import ObjectId
from podium.web.session_cookies import end_session, start_session

router = APIRouter(include_in_schema=False)
ANON = Caller(None, "anonymous")


def _check_csrf(request: Request, token: str) -> None:
    """Sign-in and sign-up forms have no session yet, but still must come from our own pages."""
    if not state(request).signer.check_csrf(request.cookies.get(CSRF_COOKIE), token):
        raise CsrfFailed("The form's security token is missing or out of date.", hint="Reload the page and try again.")


@router.get("/login")
def login_page(request: Request, next: str = "/", who: Caller = Depends(caller)):
    return page(request, "login.html", who, next=safe_next(next), errors={}, values={})


@router.post("/login")
def login(request: Request, username: str = Form("", max_length=100), password: str = Form("", max_length=1024),
          next: str = Form("/", max_length=300), csrf_token: str = Form("", max_length=200),
          session: Session = Depends(db)):
    _check_csrf(request, csrf_token)
    user = sign_in(session, username, password)
    if user is None:
        return page(request, "login.html", ANON, 401, next=safe_next(next), values={"username": username},
                    errors={"password": "The username or password is wrong."})
    response = redirect(safe_next(next))
    start_session(request, response, user)
    return response


@router.get("/signup")
def signup_page(request: Request, who: Caller = Depends(caller)):
    return page(request, "signup.html", who, errors={}, values={})


@router.post("/signup")
def signup(request: Request, username: str = Form("", max_length=100), password: str = Form("", max_length=1024),
           email: str = Form("", max_length=320), csrf_token: str = Form("", max_length=200),
           session: Session = Depends(db)):
    _check_csrf(request, csrf_token)
    try:
        user = sign_up(session, username, password, email)
        session.commit()
    except PodiumError as err:
        session.rollback()
        return page(request, "signup.html", ANON, 409 if err.kind == "conflict" else 422,
                    values={"username": username, "email": email},
                    errors={field_of(err) or "username": public_message(err)})
    response = redirect("/account")
    start_session(request, response, user)
    return response


@router.post("/logout")
def logout(request: Request, actor: Actor = Depends(require_user)):
    response = redirect("/")
    end_session(request, response)
    return response


@router.get("/account")
def account(request: Request, who: Caller = Depends(caller), session: Session = Depends(db)):
    if who.actor is None:
        raise NotAuthenticated("Sign in to see your account.")
    return page(request, "account.html", who, tokens=tokens.list_tokens(session, who.actor), new_token=None)


@router.post("/account/tokens")
def create_token(request: Request, name: str = Form(min_length=1, max_length=100),
                 actor: Actor = Depends(require_user), session: Session = Depends(db)):
    row, token = tokens.create_token(session, actor, name.strip())
    session.commit()
    return page(request, "account.html", Caller(actor, "session"), 201, tokens=tokens.list_tokens(session, actor),
                new_token=token)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(token_id: ObjectId, actor: Actor = Depends(require_user), session: Session = Depends(db)):
    tokens.revoke_token(session, actor, token_id)
    session.commit()
    return redirect("/account")
