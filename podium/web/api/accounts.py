"""Account API: sign up, sign in and out (session cookie), who am I, personal API tokens, and
operators ending another user's sessions. Sign-in and sign-up are throttled (429 with
Retry-After) before any password is hashed."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from podium.platform.identity import Actor
from podium.web.api.contract import VALIDATION, WRITE, errors
from podium.web.auth import session_store, tokens
from podium.web.auth.accounts import sign_in, sign_up
from podium.web.deps import Caller, NotAuthenticated, caller, db, require_user, state
from podium.web.params import ObjectId
from podium.web.session_cookies import client_address, end_session, start_session

router = APIRouter(prefix="/api", tags=["accounts"], responses=VALIDATION)


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(max_length=100)
    password: str = Field(max_length=1024)


class SignUp(Credentials):
    email: str | None = Field(None, max_length=320)


class TokenBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)


def _me(actor: Actor) -> dict:
    return {"id": actor.id, "username": actor.username, "role": actor.role}


@router.post("/auth/signup", status_code=201, summary="Create an account and sign in", responses=errors(409, 413, 429))
def signup(request: Request, response: Response, body: SignUp) -> dict:
    web = state(request)
    web.guard.sign_up(client_address(request))
    actor = sign_up(web.factory, web.read_factory, web.guard.hasher, body.username, body.password, body.email)
    start_session(request, response, actor.id)
    return _me(actor)


@router.post("/auth/login", summary="Sign in (sets the session cookie)", responses=errors(401, 413, 429))
def login(request: Request, response: Response, body: Credentials) -> dict:
    web = state(request)
    web.guard.sign_in(client_address(request), body.username)
    actor = sign_in(web.read_factory, web.guard.hasher, body.username, body.password)
    if actor is None:
        raise NotAuthenticated("The username or password is wrong.")
    start_session(request, response, actor.id)
    return _me(actor)


@router.post("/auth/logout", summary="Sign out: ends the session on the server and clears its cookie",
             responses=errors(*WRITE))
def logout(request: Request, response: Response, actor: Actor = Depends(require_user)) -> dict:
    end_session(request, response)
    return {"signed_out": actor.username}


@router.get("/users/{username}/sessions", summary="A user's live sessions (operators)", responses=errors(401, 403))
def user_sessions(username: str = Path(max_length=100), who: Caller = Depends(caller),
                  session: Session = Depends(db)) -> list[dict]:
    if who.actor is None:
        raise NotAuthenticated("You need to sign in as an operator to see sessions.")
    return [{"id": s.id, "created_at": s.created_at, "expires_at": s.expires_at}
            for s in session_store.list_live(session, username, who.actor)]


@router.delete("/users/{username}/sessions", summary="End every session of a user (operators); API tokens stay",
               responses=errors(*WRITE))
def revoke_user_sessions(username: str = Path(max_length=100), actor: Actor = Depends(require_user),
                         session: Session = Depends(db)) -> dict:
    revoked = session_store.revoke_all(session, username, actor)
    session.commit()
    return {"username": username, "revoked": revoked}


@router.get("/auth/me", summary="The signed-in user, or 401", responses=errors(401))
def me(who: Caller = Depends(caller)) -> dict:
    if who.actor is None:
        raise NotAuthenticated("You are not signed in.")
    return {**_me(who.actor), "via": who.via}


@router.get("/tokens", summary="Your API tokens (never the token itself)", responses=errors(401))
def list_tokens(actor: Actor = Depends(require_user), session: Session = Depends(db)) -> list[dict]:
    return [{"id": t.id, "name": t.name, "created_at": t.created_at, "last_used_at": t.last_used_at}
            for t in tokens.list_tokens(session, actor)]


@router.post("/tokens", status_code=201, summary="Create an API token; it is shown only in this answer",
             responses=errors(*WRITE, 409))
def create_token(body: TokenBody, actor: Actor = Depends(require_user), session: Session = Depends(db)) -> dict:
    row, token = tokens.create_token(session, actor, body.name.strip())
    session.commit()
    return {"id": row.id, "name": row.name, "token": token}


@router.delete("/tokens/{token_id}", summary="Revoke one of your API tokens", responses=errors(*WRITE, 404))
def revoke_token(token_id: ObjectId, actor: Actor = Depends(require_user), session: Session = Depends(db)) -> dict:
    tokens.revoke_token(session, actor, token_id)
    session.commit()
    return {"id": token_id, "revoked": True}
