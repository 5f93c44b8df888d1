"""Rate limits: sign-in and sign-up per client address and per account, actions per user.

Each limit is a token bucket (a burst of `amount`, refilled evenly over `per_seconds`) kept in
one table of at most `max_keys` buckets; the least recently used bucket is forgotten first, so
memory stays bounded however many addresses or usernames a client invents. Limits are checked
before any work is done: a throttled sign-in never pays for its password hash.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Iterable

from podium.errors import PodiumError
from podium.platform.identity import Actor
from podium.web.auth.passwords import Hasher
from podium.web.config import AbuseSettings

Limit = tuple[Hashable, int, float]  # (bucket key, amount, per seconds)


class Throttled(PodiumError):
    kind = "throttled"

    def __init__(self, message: str, retry_after: float):
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(message, hint=f"Try again in {self.retry_after} s.")


class Throttle:
    """Token buckets in a fixed-size LRU table, safe across the server's threads."""

    def __init__(self, max_keys: int):
        self.max_keys = max_keys
        self._buckets: OrderedDict[Hashable, tuple[float, float]] = OrderedDict()  # key -> (tokens, stamp)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def _level(self, key: Hashable, amount: int, per_seconds: float, now: float) -> float:
        tokens, stamp = self._buckets.get(key, (float(amount), now))
        return min(float(amount), tokens + (now - stamp) * amount / per_seconds)

    def take(self, limits: Iterable[Limit], now: float | None = None) -> float:
        """Take one token from every bucket and return 0, or take none and return the seconds
        until all of them hold one again."""
        now = time.monotonic() if now is None else now
        limits = list(limits)
        with self._lock:
            levels = [self._level(key, amount, per, now) for key, amount, per in limits]
            wait = max(((1 - level) * per / amount for level, (_, amount, per) in zip(levels, limits) if level < 1),
                       default=0.0)
            for level, (key, _, _) in zip(levels, limits):
                self._buckets[key] = (level - 1 if not wait else level, now)
                self._buckets.move_to_end(key)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        return wait


class Guard:
    """The web's limits, as the handlers ask for them."""

    def __init__(self, settings: AbuseSettings):
        self.settings = settings
        self.throttle = Throttle(settings.throttle_table_size)
        self.hasher = Hasher(settings.password_hash_concurrency)

    def _check(self, limits: list[Limit], what: str) -> None:
        wait = self.throttle.take(limits)
        if wait:
            raise Throttled(f"Too many {what}.", wait)

    def sign_in(self, address: str, username: str) -> None:
        s = self.settings
        self._check([(("sign_in", "address", address), s.sign_in_per_minute_per_address, 60.0),
                     (("sign_in", "account", username.strip().lower()[:100]), s.sign_in_per_minute_per_account, 60.0)],
                    "sign-in attempts from this address or for this account")

    def sign_up(self, address: str) -> None:
        self._check([(("sign_up", "address", address), self.settings.sign_up_per_minute_per_address, 60.0)],
                    "new accounts from this address")

    def action(self, what: str, actor: Actor) -> None:
        """Submissions, votes and requeues: `what` names the setting `<what>_per_hour_per_user`."""
        if actor.is_operator:
            return
        amount = getattr(self.settings, f"{what}_per_hour_per_user")
        self._check([((what, "user", actor.id), amount, 3600.0)], f"{what} from your account in the last hour "
                    f"(the limit is {amount})")
