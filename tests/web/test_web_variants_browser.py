"""The mmlu-variants comparison board in a real Chromium: the three implementations' columns, each
model's rank under each, the rank-shift chart with a line per model, and no average anywhere on
the page. The app is the real one, served by uvicorn on its own board (`support.browser.serve`).
A screenshot goes to test-artifacts/web/variants.png."""

from __future__ import annotations

import pytest

from podium.paths import REPO_ROOT
from support.browser import browser, page, serve  # noqa: F401
from support.variants import RANKS, SUITE, add_variants_board
from support.web import make_web

SHOTS = REPO_ROOT / "test-artifacts" / "web"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    web = make_web(tmp_path_factory.mktemp("variants-web"))
    entries = add_variants_board(web.factory)
    with serve(web.app) as base:
        yield base, entries


def test_the_browser_sees_three_implementations_their_ranks_and_the_chart(page, site):
    base, entries = site
    page.goto(base + "/")
    page.get_by_role("link", name="MMLU variants").click()
    page.wait_for_url(base + "/variants/mmlu-variants")
    heads = page.locator("#variants thead th.implementation").all_inner_texts()
    assert heads == [t.title for t in SUITE.tasks if t.key in SUITE.compared]
    for repo, ranks in RANKS.items():
        row = page.locator(f"#variants tbody tr[data-entry='{entries[repo]}']")
        assert row.locator("td.model").inner_text() == repo
        shown = row.locator("td.rank").all_inner_texts()
        assert shown == [str(r) if r is not None else "-" for r in ranks]
    chart = page.locator("#rank-shift img")
    chart.scroll_into_view_if_needed()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", chart.element_handle())
    svg = page.request.get(base + chart.get_attribute("src")).text()
    assert all(f'id="rank-line-{entry}"' in svg for entry in entries.values())
    assert "average" not in page.locator("#variants").inner_text().lower()
    assert page.locator("#no-average").is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "variants.png"), full_page=True)


def test_sorting_by_the_harness_reorders_the_rows(page, site):
    base, entries = site
    page.goto(base + "/variants/mmlu-variants")
    page.locator("#variants thead a[href*='sort=mmlu_harness2023']").click()
    page.wait_for_url("**sort=mmlu_harness2023**")
    models = page.locator("#variants tbody td.model").all_inner_texts()
    assert models[:2] == ["tiiuae/falcon-40b", "meta-llama/llama-65b"]
    assert page.locator("#rank-shift img").get_attribute("src").endswith("?sort=mmlu_harness2023")
