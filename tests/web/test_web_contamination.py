"""The entry page shows a task's stored contamination signal beside its score, with what it means,
and entries whose results carry none (every result before the signal existed) show nothing of it."""

from __future__ import annotations

import pytest
from markupsafe import escape
from sqlalchemy import select

from podium.eval import contamination
from podium.eval.suites import SUITES
from podium.platform.db import transaction
from podium.platform.models import Result
from podium.record import TaskScore
from support.browser import browser, page, serve  # noqa: F401
from support.web import make_web
from workshop.synthetic import add_entries


def _row(html: str, title: str) -> str:
    return html.split(f"<tr><td>{title}</td>")[1].split("</tr>")[0]


@pytest.fixture
def entries(tmp_path):
    """Two v1 entries: the first's GSM8K and ARC scores carry a signal (GSM8K flagged), the second's none."""
    w = make_web(tmp_path)
    with transaction(w.factory) as session:
        ids = add_entries(session, SUITES["openllm-v1"], 2, seed=7)
        session.flush()
        result = session.scalar(select(Result).where(Result.submission_id == ids[0]))
        tasks = dict(result.tasks)
        flagged = contamination.score([-0.2, -0.25, -0.1], [-2.1, -2.3, -2.0], "train", [True, True, False])
        clean = contamination.score([-2.0, -2.2, -2.1], [-2.1, -2.3, -2.0], "train", [False, False, False])
        for key, signal in (("gsm8k", flagged), ("arc_challenge", clean)):
            score = TaskScore.from_json(tasks[key])
            tasks[key] = TaskScore(**{**score.__dict__, "contamination": signal}).to_json()
        result.tasks = tasks
    return w, ids


def test_the_signal_is_shown_beside_the_score_with_its_meaning(entries):
    w, ids = entries
    html = w.client.get(f"/entries/{ids[0]}").text
    gsm8k, arc = _row(html, "GSM8K (5-shot)"), _row(html, "ARC (25-shot)")
    assert 'class="contamination flagged"' in gsm8k and "Contamination signal: flagged" in gsm8k
    assert "familiarity gap +1.950 nats/byte vs train" in gsm8k and "2/3 questions reproduced" in gsm8k
    assert 'class="contamination"' in arc and "Contamination signal: not flagged" in arc
    assert "Contamination signal" not in _row(html, "HellaSwag (10-shot)")
    assert str(escape(contamination.MEANING)) in html and 'href="/about#contamination"' in html
    api = w.client.get(f"/api/entries/{ids[0]}").json()
    stored = {t["key"]: t["contamination"] for t in api["result"]["tasks"]}
    assert stored["gsm8k"]["flagged"] is True and stored["arc_challenge"]["flagged"] is False
    assert stored["hellaswag"] is None


def test_results_without_a_signal_show_none(entries):
    w, ids = entries
    html = w.client.get(f"/entries/{ids[1]}").text
    assert "Contamination signal" not in html and str(escape(contamination.MEANING)) not in html


def test_the_about_page_explains_the_signal_and_its_thresholds(entries):
    w, _ = entries
    about = w.client.get("/about").text
    assert 'id="contamination"' in about and "podium eval --contamination" in about
    assert f"{contamination.GAP_MIN} nats per byte" in about


@pytest.mark.browser
def test_a_visitor_sees_the_signal_in_the_browser(entries, page):
    w, ids = entries
    with serve(w.app) as url:
        page.goto(f"{url}/entries/{ids[0]}")
        flagged = page.locator(".contamination.flagged")
        assert flagged.count() == 1 and "Contamination signal: flagged" in flagged.inner_text()
        assert "familiarity gap" in flagged.inner_text()
        assert page.locator("a[href='/about#contamination']").count() >= 1
