"""Chromium driven by Playwright, for the browser tests (this module holds no tests).

`browser`: Debian's chromium at CHROMIUM, headless; without it or Playwright the tests skip, and
under CI they fail (`support.ci`). `page`: a fresh page that fails its test on any JavaScript error.
`serve`: the real app served by uvicorn on 127.0.0.1 in a thread, for browser tests that need a
board of their own rather than the shared `podium serve --demo` (`support.web.live`). `column` and
`model_names` read the rendered board.
"""

from __future__ import annotations

import importlib.util
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from support.ci import require_or_skip
from support.web import free_port

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser():
    """Chromium driven by Playwright; without either the tests skip, and under CI they fail."""
    if not CHROMIUM.exists():
        require_or_skip(f"needs Debian's chromium at {CHROMIUM} (apt-get install -y chromium, or `make browser`)")
    if importlib.util.find_spec("playwright") is None:
        require_or_skip("needs the playwright Python package (pip install -e '.[test]')")
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


@contextmanager
def serve(app) -> Iterator[str]:
    """`app` on a free local port for the duration; yields its base URL."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, name="test-uvicorn", daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped before it started serving"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join()


def column(page, title: str) -> list[str]:
    """The cells of the board column with this header, top to bottom (model rows only: no section
    or empty-board rows)."""
    return page.evaluate("""(title) => {
        const heads = [...document.querySelectorAll('#board thead th')]
          .map((th) => th.innerText.replace(/[▲▼]/g, '').trim());
        const i = heads.indexOf(title);
        return [...document.querySelectorAll('#board tbody tr[data-id]')].map((tr) => tr.children[i].innerText);
    }""", title)


def model_names(page) -> list[str]:
    return page.locator("#board tbody td.model > a:first-of-type").all_inner_texts()
