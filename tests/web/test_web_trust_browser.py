"""In a real Chromium: the board's rank-range column and its incomplete-averages toggle, on the constructed
board of `support.trustboard` served by uvicorn over HTTP (no demo evaluations needed)."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import pytest

from podium.paths import REPO_ROOT
from support.ci import require_or_skip
from support.trustboard import trust_board
from support.web import free_port, make_web

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = REPO_ROOT / "test-artifacts" / "web"
pytestmark = pytest.mark.browser


@pytest.fixture
def served(tmp_path, demo_models):
    """The app on the constructed board, on 127.0.0.1 and a free port, in a thread."""
    import uvicorn

    web = make_web(tmp_path)
    trust_board(web.factory)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(web.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.05)
        assert thread.is_alive(), "uvicorn stopped before it started"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(30)


@pytest.fixture
def page():
    if not CHROMIUM.exists():
        require_or_skip(f"needs Debian's chromium at {CHROMIUM} (apt-get install -y chromium, or `make browser`)")
    if importlib.util.find_spec("playwright") is None:
        require_or_skip("needs the playwright Python package (pip install -e '.[test]')")
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors = []
        page.on("pageerror", lambda err: errors.append(str(err)))
        yield page
        browser.close()
    assert not errors, f"JavaScript errors: {errors}"


def cells(page, title: str) -> list[str]:
    """The cells of the board column with this header, top to bottom (section rows left out)."""
    return page.evaluate("""(title) => {
        const heads = [...document.querySelectorAll('#board thead th')]
          .map((th) => th.innerText.replace(/[▲▼]/g, '').trim());
        const i = heads.indexOf(title);
        return [...document.querySelectorAll('#board tbody tr[data-id]')].map((tr) => tr.children[i].innerText);
    }""", title)


def names(page) -> list[str]:
    return page.locator("#board tbody td.model > a:first-of-type").all_inner_texts()


def test_the_rank_range_column_and_the_incomplete_toggle(page, served):
    page.goto(served + "/board/openllm-v2")
    page.wait_for_selector("body[data-ready='1']")
    assert cells(page, "Rank range") == ["1–2", "1–2", "3", "4"]
    assert names(page) == ["trust/top", "trust/close", "trust/musr", "trust/no-se"]
    point = page.locator("#board tbody tr:nth-child(4) td.range")
    assert "No standard error recorded" in point.get_attribute("title")
    warning = page.locator("#board tbody tr:nth-child(3) td.avg span.deviates")
    assert warning.inner_text() == "⚠" and "MuSR (0-shot) ran on data that differs" in warning.get_attribute("title")
    assert "1 model whose average lacks a task is not ranked and hidden" in page.locator("#count").inner_text()
    assert not page.is_checked("#show-incomplete")

    page.check("#show-incomplete")
    page.wait_for_function("() => location.search.includes('incomplete=show')")
    page.wait_for_selector("#board tbody tr.section")
    assert page.locator("#board tbody tr.section").inner_text().startswith("Incomplete averages")
    assert names(page)[-1] == "trust/partial" and cells(page, "#")[-1] == "–"
    assert cells(page, "Rank range")[-1] == "–"
    assert "GPQA" in page.locator("#board tbody tr.incomplete td.avg span.incomplete").get_attribute("title")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "board-rank-ranges.png"), full_page=True)

    page.goto(page.url)  # the URL alone restores the toggle
    page.wait_for_selector("body[data-ready='1']")
    assert page.is_checked("#show-incomplete") and len(names(page)) == 5
