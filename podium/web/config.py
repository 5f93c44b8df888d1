"""What a web deployment is configured with, and the long-lived objects built from it."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from podium.eval.suites import DEFAULT_SUITE
from podium.platform.config import Settings, load_settings
from podium.settings import EnvSettings, current

MAX_BODY_BYTES = 64 * 1024


class AbuseSettings(BaseModel):
    """Limits that keep one client from exhausting the server or one crowd of fresh accounts from
    steering the queue. Rates are token buckets (a burst of the full amount, refilled evenly) held
    in memory per server process; operators are exempt from the per-user action limits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sign_in_per_minute_per_address: int = Field(20, ge=1, description="Sign-in attempts per client address.")
    sign_in_per_minute_per_account: int = Field(10, ge=1, description="Sign-in attempts per username, from anywhere.")
    sign_up_per_minute_per_address: int = Field(5, ge=1, description="New accounts per client address.")
    submissions_per_hour_per_user: int = Field(20, ge=1, description="Submissions per signed-in user.")
    votes_per_hour_per_user: int = Field(60, ge=1, description="Votes (and taken-back votes) per signed-in user.")
    requeues_per_hour_per_user: int = Field(10, ge=1, description="Requeues of their own failed jobs per submitter.")
    throttle_table_size: int = Field(10_000, ge=1, description="Clients and accounts tracked at once (least recently "
                                     "seen forgotten first): the throttle's memory stays bounded whatever the traffic.")
    password_hash_concurrency: int = Field(2, ge=1, description="Threads that compute password hashes (so at most "
                                           "this many at once); each scrypt takes 16 MiB, so this bounds their memory.")
    vote_min_account_days: float = Field(7.0, ge=0, description="An account votes once it is this many days old ...")
    vote_needs_finished_submission: bool = Field(True, description="... and one of its own submissions has finished "
                                                 "its evaluation (a verified action), unless it is an operator.")


@dataclass
class WebConfig:
    env: EnvSettings = field(default_factory=current)  # the environment, read once for this app
    db_url: str | None = None  # None: PODIUM_DB_URL, else SQLite under PODIUM_HOME
    settings: Settings | None = None  # None: the operator's file the environment names
    secret_key: bytes | None = None  # None: PODIUM_SECRET_KEY, else a key file under PODIUM_HOME
    secure_cookies: bool = False  # mark cookies Secure: set behind HTTPS (`podium serve --secure-cookies`)
    abuse: AbuseSettings = field(default_factory=AbuseSettings)
    landing_suite: str = DEFAULT_SUITE
    data_notice: str | None = None  # shown on board and entry pages: how this deployment's data differs (the demo)
    max_body_bytes: int = MAX_BODY_BYTES
    recheck_seconds: float = 1.0  # how often a board checks whether the store changed
    sync_build_seconds: float = 0.5  # boards that rebuild slower than this rebuild in the background

    def __post_init__(self):
        if self.settings is None:
            self.settings = load_settings(env=self.env)

    @property
    def database_url(self) -> str:
        return self.db_url or self.env.database_url


def secret_key(config: WebConfig) -> bytes:
    """The HMAC key for sessions and CSRF: configured, from the environment, or generated once
    and kept in `<PODIUM_HOME>/web-secret` (mode 0600) so sessions survive restarts."""
    if config.secret_key:
        return config.secret_key
    if config.env.secret_key:
        return config.env.secret_key.encode()
    path = config.env.home / "web-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return Path(path).read_text().strip().encode()
