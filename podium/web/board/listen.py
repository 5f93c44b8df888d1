"""PostgreSQL LISTEN for board changes: a replica hears of a write the moment it commits.

The change log's triggers NOTIFY `podium_board`; a thread per app holds one connection that
listens and calls `wake` after each notification, on every (re)connect (changes made while it
was not listening are in the log all the same) and after a quiet IDLE_SECONDS. The thread
ends when `stop` is set or `wake` says nobody needs the changes any more (its app was closed
or collected).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from sqlalchemy.engine import URL

from podium.platform.board_changes import NOTIFY_CHANNEL

IDLE_SECONDS = 5.0
RETRY_SECONDS = 2.0
log = logging.getLogger("podium.web")


def conninfo(url: URL) -> str:
    """A libpq URI for the SQLAlchemy URL (its options, such as a search_path, kept)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _listen(uri: str, wake: Callable[[], bool], stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            with psycopg.connect(uri, autocommit=True) as conn:
                conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                while wake() and not stop.is_set():
                    for _ in conn.notifies(timeout=IDLE_SECONDS, stop_after=1):
                        pass  # one notification (or a quiet IDLE_SECONDS): catch up on everything logged since
                return
        except psycopg.OperationalError as err:  # the server restarted or the network dropped: listen again
            log.warning("board change listener lost its connection (%s); reconnecting", err)
            stop.wait(RETRY_SECONDS)


def start(url: URL, wake: Callable[[], bool], stop: threading.Event) -> threading.Thread:
    """Listen in a daemon thread; `wake` returns False once nobody needs the changes any more."""
    thread = threading.Thread(target=_listen, args=(conninfo(url), wake, stop), name="board-listen", daemon=True)
    thread.start()
    return thread
