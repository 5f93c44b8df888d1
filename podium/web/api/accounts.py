"""Account API: sign up, sign in and out (session cookie), who am I, personal API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from podium.platform.identity import Actor
from podium.web.api.contract import VALIDATION, WRITE, errors
from podium.web.auth import tokens
from podium.web.auth.accounts import sign_in, sign_up
from podium.web.deps import Caller, NotAuthenticated, caller, db, require_user
from podium.web.params import ObjectId
from podium.web.session_cookies import end_session, start_session

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


@router.post("/auth/signup", status_code=201, summary="Create an account and sign in", responses=errors(409, 413))
def signup(request: Request, response: Response, body: SignUp, session: Session = Depends(db)) -> dict:
    user = sign_up(session, body.username, body.password, body.email)
    session.commit()
    start_session(request, response, user)
    return _me(Actor.of(user))


@router.post("/auth/login", summary="Sign in (sets the session cookie)", responses=errors(401, 413))
def login(request: Request, response: Response, body: Credentials, session: Session = Depends(db)) -> dict:
    user = sign_in(session, body.username, body.password)
    if user is None:
        raise NotAuthenticated("The username or password is wrong.")
    start_session(request, response, user)
    return _me(Actor.of(user))


@router.post("/auth/logout", summary="Sign out (clears the session cookie)", responses=errors(*WRITE))
def logout(request: Request, response: Response, actor: Actor = Depends(require_user)) -> dict:
    end_session(request, response)
    return {"signed_out": actor.username}


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
