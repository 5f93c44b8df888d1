"""In a real Chromium: the board's rank-range column and its incomplete-averages toggle, on the constructed
board of `support.trustboard` served by uvicorn over HTTP (no demo evaluations needed)."""

from __future__ import annotations

import pytest

from podium.paths import REPO_ROOT
from support.browser import browser, column, model_names, page, serve  # noqa: F401
from support.trustboard import trust_board
from support.web import make_web

SHOTS = REPO_ROOT / "test-artifacts" / "web"
pytestmark = pytest.mark.browser


@pytest.fixture
def served(tmp_path, demo_models):
    """The app on the constructed board, on 127.0.0.1 and a free port, in a thread."""
    web = make_web(tmp_path)
    trust_board(web.factory)
    with serve(web.app) as url:
        yield url


def test_the_rank_range_column_and_the_incomplete_toggle(page, served):
    page.goto(served + "/board/openllm-v2")
    page.wait_for_selector("body[data-ready='1']")
    assert column(page, "Rank range") == ["1–2", "1–2", "3", "4"]
    assert model_names(page) == ["trust/top", "trust/close", "trust/musr", "trust/no-se"]
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
    assert model_names(page)[-1] == "trust/partial" and column(page, "#")[-1] == "–"
    assert column(page, "Rank range")[-1] == "–"
    assert "GPQA" in page.locator("#board tbody tr.incomplete td.avg span.incomplete").get_attribute("title")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "board-rank-ranges.png"), full_page=True)

    page.goto(page.url)  # the URL alone restores the toggle
    page.wait_for_selector("body[data-ready='1']")
    assert page.is_checked("#show-incomplete") and len(model_names(page)) == 5


def test_a_board_without_a_complete_average_lists_them_and_says_why(page, tmp_path, demo_models):
    web = make_web(tmp_path)
    trust_board(web.factory, names=("partial",))
    with serve(web.app) as url:
        page.goto(url + "/board/openllm-v2")
        page.wait_for_selector("body[data-ready='1']")
        assert model_names(page) == ["trust/partial"] and column(page, "#") == ["–"]
        assert page.is_checked("#show-incomplete")
        assert "no model on this board has a complete average yet" in page.locator("#count").inner_text()
        page.uncheck("#show-incomplete")
        page.wait_for_function("() => location.search.includes('incomplete=hide')")
        page.wait_for_selector("#board tbody td.empty")
        assert "No complete average matches" in page.locator("#board tbody td.empty").inner_text()
        page.check("#show-incomplete")  # back to the default: the parameter goes
        page.wait_for_function("() => !location.search.includes('incomplete')")
        page.wait_for_selector("#board tbody td.model")
        assert model_names(page) == ["trust/partial"]
