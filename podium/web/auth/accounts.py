"""Sign-up and sign-in against the platform's users table.

A password hash (16 MiB of scrypt, tens of milliseconds) is never computed inside a database
transaction: on SQLite a write transaction holds the one write lock every other request and
worker waits for. Reads happen in a lock-free read session that is closed first, the hash
runs on the `Hasher`'s few threads, and the new user is written in a short transaction of its own.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from podium.platform.db import transaction
from podium.platform.errors import Conflict, NotFound
from podium.platform.identity import Actor
from podium.platform.models import User
from podium.web import inputs
from podium.web.auth.passwords import Hasher, hash_password, password_problem

# Verified against when the username does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = hash_password("not a password of anyone")


def _check_free(session: Session, name: str) -> None:
    if session.scalar(select(User.id).where(func.lower(User.username) == name.lower())):
        raise Conflict(f"The username {name} is taken; choose another.")


def sign_up(factory: sessionmaker[Session], reads: sessionmaker[Session], hasher: Hasher,
            username: str, password: str, email: str | None = None) -> Actor:
    name = inputs.username(username)
    problem = password_problem(password)
    if problem:
        raise inputs.InputError("password", problem)
    with reads() as session:  # a taken name is refused before paying for a hash
        _check_free(session, name)
    password_hash = hasher.hash(password)
    with transaction(factory) as session:
        _check_free(session, name)  # again: someone may have taken it meanwhile
        user = User(username=name, email=(email or "").strip()[:320] or None, password_hash=password_hash)
        session.add(user)
        session.flush()
        return Actor.of(user)


def sign_in(reads: sessionmaker[Session], hasher: Hasher, username: str, password: str) -> Actor | None:
    """The user whose password this is, or None (same answer, same cost, for an unknown name)."""
    with reads() as session:
        user = session.scalar(select(User).where(User.username == username.strip()[:100]))
        actor, stored = (Actor.of(user), user.password_hash) if user else (None, None)
    correct = hasher.verify(password, stored or _DUMMY_HASH)
    return actor if correct and stored else None


def set_role(session: Session, username: str, role: str) -> User:
    """For `podium serve --operator NAME`: promote an existing account."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"There is no user {username}; sign up on the web first.")
    user.role = role
    return user
