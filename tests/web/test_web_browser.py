"""What a new user does, in a real Chromium against a real `podium serve --demo`: browse and filter
the demo's v2 board (and read that it runs on fixture tasks), read a model's page and samples,
compare, sign up, submit, vote, watch the evaluation finish, and read why another one failed; what
an operator does: pick a model, which a visitor then finds with the picks preset. Screenshots of
the main pages go to test-artifacts/web/."""

from __future__ import annotations

import re
import time

import pytest

from podium.eval.suites import SUITES
from podium.paths import REPO_ROOT
from podium.platform.db import transaction
from support.browser import browser, column, model_names, page  # noqa: F401
from support.web import BROKEN_MODEL, LIVE_SUITE, LIVE_TASK, PASSWORD, add_user, live, live_started  # noqa: F401
from workshop.synthetic import add_entries

SHOTS = REPO_ROOT / "test-artifacts" / "web"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def board(live):
    """The landing board (v2): the demo models, finished, among 150 synthetic entries; 100 more on v1.
    The synthetic entries go in after the demo's results, so they join the suite version those show."""
    live.demo_finished()
    with transaction(live.factory) as session:
        add_entries(session, SUITES[LIVE_SUITE], 150, seed=11)
        add_entries(session, SUITES["openllm-v1"], 100, seed=12)
    return live


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def open_board(page, live, query: str = "") -> None:
    """The landing board; `query` starts with "?". The demo's rows run one task of six, so their incomplete
    averages are hidden unless `incomplete=show` is in the query."""
    page.goto(live.url("/" + query))
    page.wait_for_selector("body[data-ready='1']")


def poll(check, what: str, tries: int = 100):
    """Retry `check` every 100 ms until it returns something truthy (the board re-renders after a fetch)."""
    for _ in range(tries):
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"the board never showed {what}")


def wait_for_rows(page, predicate, what: str) -> list[str]:
    return poll(lambda: (names := model_names(page)) and predicate(names) and names, what)


def test_search_filter_and_score_toggles(page, board):
    open_board(page, board, "?incomplete=show")
    shot(page, "board")
    page.fill("#q", "llama; gemma")
    names = wait_for_rows(page, lambda ns: all(("llama" in n) or ("gemma" in n) for n in ns), "llama or gemma only")
    assert any("gemma" in n for n in names) and any("llama" in n for n in names)
    assert page.locator("#board tbody mark").count() >= len(names)
    assert "q=llama%3B+gemma" in page.url or "q=llama%3B%20gemma" in page.url

    page.fill("#q", "@license:apache-2.0 podium")
    wait_for_rows(page, lambda ns: all(n.startswith("podium-demo/") for n in ns), "the demo models")

    page.fill("#q", "")
    poll(lambda: any(float(p) >= 3 for p in column(page, "#Params (B)")), "models of 3B or more before the preset")
    page.click("button.preset[data-preset='edge']")
    page.wait_for_function("() => location.search.includes('preset=edge')")
    poll(lambda: (v := column(page, "#Params (B)")) and all(float(p) < 3 for p in v), "models under 3B only")
    page.locator("#params-max").fill("5")  # slider stop 5 = 7B
    page.wait_for_function("() => location.search.includes('params_max=7')")
    page.goto(page.url)  # the URL alone restores the view
    page.wait_for_selector("body[data-ready='1']")
    assert page.locator("#params-label").inner_text() == "0 – 7"

    page.goto(board.url("/board/openllm-v2"))  # v1 has no random baselines: raw equals normalized there
    page.wait_for_selector("body[data-ready='1']")
    before = page.locator("#board tbody tr:first-child td.avg").inner_text()
    page.check("input[name=scores][value=raw]")
    page.wait_for_function("() => location.search.includes('scores=raw')")
    page.wait_for_function("() => document.querySelector('#board tbody tr:first-child td.avg').innerText"
                           f" !== {before!r}")
    page.goto(page.url)
    page.wait_for_selector("body[data-ready='1']")
    assert page.is_checked("input[name=scores][value=raw]")


def test_the_demo_board_shows_its_rows_and_says_it_runs_on_fixtures(page, board):
    open_board(page, board)
    assert page.locator("h1").first.inner_text().startswith(SUITES[LIVE_SUITE].title)
    notice = page.locator("#data-notice").inner_text()
    assert "synthetic fixture records" in notice and "mean nothing" in notice
    assert "not ranked and hidden" in page.locator("#count").inner_text()  # the demo ran one task of six
    page.check("#show-incomplete")
    page.wait_for_function("() => location.search.includes('incomplete=show')")
    page.fill("#q", "podium-demo")
    names = wait_for_rows(page, lambda ns: len(ns) == 4, "the four demo models")
    assert all(n.startswith("podium-demo/") for n in names)
    entry = next(j["entry"] for j in board.demo_finished() if j["model"] == "podium-demo/llama-tiny")
    page.click(f"#board tbody td.model a[href='/entries/{entry}']")
    page.wait_for_url(re.compile(f"/entries/{entry}$"))
    assert page.locator("h1").first.inner_text().strip() == "podium-demo/llama-tiny"
    assert "synthetic fixture records" in page.locator("#data-notice").inner_text()


def test_an_operator_picks_a_model_and_a_visitor_finds_it_with_the_preset(page, browser, board):
    add_user(board.factory, "maintainer", role="operator")
    entry = next(j["entry"] for j in board.demo_finished() if j["model"] == "podium-demo/llama-tiny")
    page.goto(board.url(f"/login?next=/entries/{entry}"))
    page.fill("input[name=username]", "maintainer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(f"/entries/{entry}$"))
    page.click("#pick summary")
    page.fill("#pick input[name=reason]", "The demo's llama: small and quick.")
    page.click("#pick button:has-text('Pick podium-demo/llama-tiny')")
    page.wait_for_selector("#pick .picked")
    assert "⭐ Maintainer's pick: The demo's llama: small and quick." in page.locator("#pick").inner_text()

    visitor = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    open_board(visitor, board, "?incomplete=show")
    visitor.click("button.preset[data-preset='picks']")
    visitor.wait_for_function("() => location.search.includes('preset=picks')")
    assert wait_for_rows(visitor, lambda ns: len(ns) == 1, "only the pick") == ["podium-demo/llama-tiny"]
    star = visitor.locator("#board tbody td.model span.pick")
    assert star.inner_text() == "⭐" and "small and quick" in star.get_attribute("title")
    shot(visitor, "board-picks")
    visitor.context.close()


def test_sort_pin_and_columns_survive_in_the_url(page, board):
    open_board(page, board, "?incomplete=show")
    page.click("button.sort[data-key='params']")
    page.wait_for_function("() => location.search.includes('sort=params')")
    first = page.locator("#board tbody tr[data-id]").first.get_attribute("data-id")  # not a section row
    page.click(f"#board tbody tr[data-id='{first}'] button.pin")
    page.wait_for_function(f"() => location.search.includes('pins={first}')")
    page.fill("#q", "podium-demo")
    page.wait_for_function("() => location.search.includes('q=podium-demo')")
    page.wait_for_timeout(300)
    assert page.locator("#board tbody tr.pinned").get_attribute("data-id") == first
    page.click(".picker summary")
    page.check("#column-picker input[value=license]")
    page.wait_for_function("() => location.search.includes('license')")
    page.wait_for_function("() => document.querySelector('#board thead').innerText.includes('License')")
    with page.expect_download() as download:
        page.click("#csv")
    assert download.value.suggested_filename == f"{LIVE_SUITE}.csv"


def test_model_page_and_its_sample_browser(page, board):
    open_board(page, board, "?q=podium-demo/gpt2-tiny&incomplete=show")
    page.click("#board tbody td.model a:has-text('podium-demo/gpt2-tiny')")
    page.wait_for_selector("h1:has-text('podium-demo/gpt2-tiny')")
    title = next(t.title for t in SUITES[LIVE_SUITE].tasks if t.key == LIVE_TASK)
    assert page.locator("table.scores").inner_text().count(title) == 1
    page.wait_for_function("() => document.querySelector('figure.chart img').naturalWidth > 0")
    page.wait_for_selector("#sample-list li.sample")
    sample = page.locator("#sample-list li.sample").first
    assert sample.locator("ol.choices li").count() >= 3 and "log-likelihood" in sample.inner_text()
    assert "target" in sample.inner_text()
    total = page.locator("#sample-list li.sample").count()
    assert page.locator("#sample-count").inner_text() == f"{total} sample{'' if total == 1 else 's'}"  # one page
    wrong = page.locator("#sample-list li.sample.wrong").count()
    page.check("#sample-wrong")
    poll(lambda: page.locator("#sample-count").inner_text() == f"{wrong} sample{'' if wrong == 1 else 's'}"
         and page.locator("#sample-list li.sample").count() == wrong, f"the {wrong} wrong answers only")
    assert page.locator("#sample-list li.sample.wrong").count() == wrong
    shot(page, "model")


def test_compare_two_models(page, board):
    ids = [job["entry"] for job in board.demo_finished()[:2]]
    open_board(page, board, f"?q=podium-demo&pins={ids[0]},{ids[1]}")
    page.click("#compare-pinned")
    page.wait_for_selector("table.compare")
    header = page.locator("table.compare thead").inner_text()
    assert header.count("podium-demo/") == 2
    page.wait_for_function("() => /shared samples/.test(document.querySelector('#cmp-count').innerText)")
    page.uncheck("#cmp-differ")  # the table re-renders: wait for the rows of all shared samples, not the first
    page.wait_for_function("() => document.querySelectorAll('.cmp-samples tbody tr').length === 2")
    shot(page, "compare")


def test_a_score_shows_its_interval_and_compare_says_whether_a_difference_is_noise(page, board):
    """Issue 15: the demo evaluation's score carries its 95% interval, computed as it ran; compare pairs the
    two models on the same questions and marks the difference (two questions cannot tell them apart)."""
    first, second = (job["entry"] for job in board.demo_finished()[:2])
    title = next(t.title for t in SUITES[LIVE_SUITE].tasks if t.key == LIVE_TASK)
    page.goto(board.url(f"/entries/{first}"))
    interval = page.locator("table.scores tbody tr", has_text=title).locator("td.ci")
    assert re.fullmatch(r"\[\d+\.\d\d, \d+\.\d\d\]", interval.inner_text().strip())
    assert "Wilson interval" in interval.locator("span").get_attribute("title")
    page.goto(board.url(f"/compare?ids={first},{second}"))
    marking = page.locator("table.compare tbody tr", has_text=title).locator(".paired")
    assert marking.count() == 1 and "paired noise" in marking.get_attribute("class")
    assert re.search(r"^Δ [+-]\d+\.\d\d ± \d+\.\d\d, p \d\.\d{3} · within noise$", marking.inner_text().strip())
    assert page.locator("#paired-legend").is_visible()
    shot(page, "compare-paired")


def test_sign_up_submit_vote_and_watch_it_finish_and_fail(page, board):
    page.goto(board.url("/signup"))
    page.fill("input[name=username]", "newcomer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Sign up')")
    page.wait_for_url(re.compile(r"/account$"))
    assert "newcomer" in page.locator("header").inner_text()

    # A model that passes the submission checks but cannot be loaded: it fails in the worker.
    page.goto(board.url("/submit"))
    page.fill("input[name=model]", "../etc/passwd")
    page.select_option("#model-type", "pretrained")
    page.click("button:has-text('Submit')")
    assert "not a model id" in page.locator("#err-model").inner_text()
    page.fill("input[name=model]", BROKEN_MODEL)
    page.select_option("select[name=precision]", "float32")
    page.select_option("#model-type", "pretrained")
    page.select_option("select[name=suite]", LIVE_SUITE)
    page.click("button:has-text('Submit')")
    page.wait_for_selector(".success")
    broken_job = page.locator(".success a").first.get_attribute("href")

    # The one we want: a chat model, whose chat template box ticks itself.
    page.goto(board.url("/submit"))
    page.fill("input[name=model]", "podium-demo/llama-tiny-chat")
    page.select_option("select[name=precision]", "bfloat16")
    assert not page.is_checked("#chat-template")
    page.select_option("#model-type", "chat")
    assert page.is_checked("#chat-template")
    page.select_option("select[name=suite]", LIVE_SUITE)
    shot(page, "submit")
    page.click("button:has-text('Submit')")
    page.wait_for_selector(".success")
    page.click(".success a:has-text('Follow its status')")
    assert page.locator("#job-state").inner_text() in ("pending", "running")
    job_url = page.url
    job_id = job_url.rsplit("/", 1)[1]

    page.goto(board.url("/queue"))
    row = page.locator(f"#pending tr[data-job='{job_id}']")
    if row.count():  # still waiting behind the broken one: its own submitter cannot vote it up
        assert row.locator("button:has-text('Vote')").count() == 0
    shot(page, "queue")

    page.goto(job_url)
    page.wait_for_function("() => document.querySelector('#job-state')?.innerText === 'finished'", timeout=420_000)
    assert "See the scores" in page.locator(".success").inner_text()

    page.goto(board.url(broken_job))
    page.wait_for_function("() => document.querySelector('#job-state')?.innerText === 'failed'", timeout=240_000)
    assert "model_load" in page.locator(".error-box").inner_text()
    page.goto(board.url("/queue"))
    failure = page.locator("#failed details.failure", has_text=BROKEN_MODEL)
    assert "could not be loaded" in failure.inner_text()
    failure.locator("summary").click()
    assert failure.locator("pre.log").inner_text().strip()
    shot(page, "queue-failed")
