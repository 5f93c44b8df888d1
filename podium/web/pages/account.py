"""Sign-up, sign-in and sign-out forms, and the account page with personal API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy.orm import Session

from podium.errors import PodiumError
from podium.platform.identity import Actor
from podium.web.auth import tokens
from podium.web.auth.accounts import sign_in, sign_up
from podium.web.deps import Caller, NotAuthenticated, caller, check_csrf, db, require_user, state
from podium.web.errors import field_of, public_message
from podium.web.pages.render import page, redirect, safe_next
from podium.web.params import ObjectId
from podium.web.session_cookies import client_address, end_session, start_session

router = APIRouter(include_in_schema=False)
ANON = Caller(None, "anonymous")


@router.get("/login")
def login_page(request: Request, next: str = "/", who: Caller = Depends(caller)):
    return page(request, "login.html", who, next=safe_next(next), errors={}, values={})


@router.post("/login")
def login(request: Request, username: str = Form("", max_length=100), password: str = Form("", max_length=1024),
          next: str = Form("/", max_length=300), csrf_token: str = Form("", max_length=200)):
    check_csrf(request, csrf_token)  # no session yet, but the form must still come from our own page
    web = state(request)
    web.guard.sign_in(client_address(request), username)
    actor = sign_in(web.read_factory, web.guard.hasher, username, password)
    if actor is None:
        return page(request, "login.html", ANON, 401, next=safe_next(next), values={"username": username},
                    errors={"password": "The username or password is wrong."})
    response = redirect(safe_next(next))
    start_session(request, response, actor.id)
    return response


@router.get("/signup")
def signup_page(request: Request, who: Caller = Depends(caller)):
    return page(request, "signup.html", who, errors={}, values={})


@router.post("/signup")
def signup(request: Request, username: str = Form("", max_length=100), password: str = Form("", max_length=1024),
           email: str = Form("", max_length=320), csrf_token: str = Form("", max_length=200)):
    check_csrf(request, csrf_token)
    web = state(request)
    web.guard.sign_up(client_address(request))
    try:
        actor = sign_up(web.factory, web.read_factory, web.guard.hasher, username, password, email)
    except PodiumError as err:
        return page(request, "signup.html", ANON, 409 if err.kind == "conflict" else 422,
                    values={"username": username, "email": email},
                    errors={field_of(err) or "username": public_message(err)})
    response = redirect("/account")
    start_session(request, response, actor.id)
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
