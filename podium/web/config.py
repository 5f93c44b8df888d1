"""What a web deployment is configured with, and the long-lived objects built from it."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from podium.eval.suites import DEFAULT_SUITE
from podium.platform.config import Settings, load_settings
from podium.settings import EnvSettings, current

MAX_BODY_BYTES = 64 * 1024


@dataclass
class WebConfig:
    env: EnvSettings = field(default_factory=current)  # the environment, read once for this app
    db_url: str | None = None  # None: PODIUM_DB_URL, else SQLite under PODIUM_HOME
    settings: Settings | None = None  # None: the operator's file the environment names
    secret_key: bytes | None = None  # None: PODIUM_SECRET_KEY, else a key file under PODIUM_HOME
    secure_cookies: bool = False  # set behind HTTPS
    landing_suite: str = DEFAULT_SUITE
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
