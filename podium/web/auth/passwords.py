"""Password hashing with scrypt (memory-hard, in the standard library).

Stored as `scrypt$<n>$<r>$<p>$<salt>$<hash>` so the cost can be raised later without
invalidating existing hashes: verification reads the parameters from the stored string.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from concurrent.futures import ThreadPoolExecutor

N, R, P = 2**14, 8, 1
SALT_BYTES = 16
KEY_BYTES = 32
MIN_LENGTH = 10
MAX_LENGTH = 1024  # scrypt's cost grows with input; a cap keeps a login request cheap


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=KEY_BYTES, maxmem=256 * 1024 * 1024)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(_derive(password, salt, N, R, P))}"


def verify_password(password: str, stored: str | None) -> bool:
    """Constant-time check; False for a missing or malformed hash rather than an error."""
    try:
        scheme, n, r, p, salt, expected = (stored or "").split("$")
        if scheme != "scrypt" or len(password) > MAX_LENGTH:
            return False
        return hmac.compare_digest(_derive(password, _unb64(salt), int(n), int(r), int(p)), _unb64(expected))
    except ValueError:
        return False


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    return None


class Hasher:
    """Runs every hash and check on a few dedicated threads. That bounds how many run at once, and
    keeps their 16 MiB scrypt buffers in those threads' memory arenas: computed on the web's many
    request threads, each thread's arena would grow by 16 MiB and glibc would keep it after a burst."""

    def __init__(self, threads: int):
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="podium-password-hash")

    def hash(self, password: str) -> str:
        return self._pool.submit(hash_password, password).result()

    def verify(self, password: str, stored: str | None) -> bool:
        return self._pool.submit(verify_password, password, stored).result()
