"""What the board and entry pages say about their data: the demo's notice (synthetic fixture tasks,
a few documents, capped generation) and tasks that could not run on this deployment's data (GPQA,
gated, absent from the data folder); and how `podium serve --demo` is set up to say it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from podium.cli.main import build_parser
from podium.cli.serve_cmd import DEMO_MAX_GEN_TOKENS, default_demo_suites, demo_suites, web_config
from podium.errors import UsageError
from podium.eval.suites import DEFAULT_SUITE, SUITES
from podium.platform.db import transaction
from podium.platform.models import Result
from podium.record import TaskScore
from support.web import make_web
from workshop.synthetic import add_entries

GATED = ("The data for 'Idavidrein/gpqa' (config 'gpqa_diamond') is missing: /data/gpqa/gpqa_diamond.csv. "
         "GPQA is gated by its authors and is not in the shared data folder.")


def notice_of(html: str) -> str | None:
    if 'id="data-notice"' not in html:
        return None
    return html.split('id="data-notice"')[1].split("</section>")[0]


@pytest.fixture
def boards(tmp_path):
    """Three v2 entries, the newest of which ran without GPQA's data, and one v1 entry."""
    w = make_web(tmp_path)
    with transaction(w.factory) as session:
        v2 = add_entries(session, SUITES["openllm-v2"], 3, seed=5)
        add_entries(session, SUITES["openllm-v1"], 1, seed=6)
        session.flush()
        result = session.scalar(select(Result).where(Result.submission_id == v2[-1]))
        gpqa = TaskScore(key="gpqa", title="GPQA (0-shot)", metric="acc_norm,none", raw=None, normalized=None,
                         stderr=None, n_samples=0, lower_bound=0.25, status="unavailable", error=GATED,
                         error_kind="data_missing")
        result.tasks = {**result.tasks, "gpqa": gpqa.to_json()}
    return w, v2


def test_no_notice_where_the_data_is_complete(boards):
    w, v2 = boards
    assert notice_of(w.client.get("/board/openllm-v1").text) is None
    assert notice_of(w.client.get(f"/entries/{v2[0]}").text) is None


def test_tasks_missing_from_the_data_folder_are_named_with_the_reason(boards):
    w, v2 = boards
    for html in (w.client.get("/").text, w.client.get(f"/entries/{v2[-1]}").text):
        notice = notice_of(html)
        assert "Not measured on this deployment's data" in notice
        assert "<strong>GPQA (0-shot)</strong>: The data for &#39;Idavidrein/gpqa&#39;" in notice
        assert "gated by its authors" in notice


def test_the_deployment_notice_shows_on_board_and_entry_pages(boards):
    w, v2 = boards
    w.app.state.web.config.data_notice = "Demo: synthetic fixture records; the scores mean nothing."
    for path in ("/", "/board/openllm-v1", f"/entries/{v2[0]}"):
        assert "synthetic fixture records; the scores mean nothing." in notice_of(w.client.get(path).text), path
    assert notice_of(w.client.get("/about").text) is None
    assert "data-notice" not in w.client.get("/api/boards/openllm-v2").text


def parse_serve(*flags: str):
    return build_parser().parse_args(["serve", *flags])


def test_the_demo_lands_on_the_current_board_and_describes_its_data():
    demo = parse_serve("--demo", "--limit", "2")
    demo.fixture_data = "/home/podium/fixture-data"
    config = web_config(demo, None)
    assert config.landing_suite == DEFAULT_SUITE == "openllm-v2"
    assert "first 2 documents" in config.data_notice and f"capped at {DEMO_MAX_GEN_TOKENS}" in config.data_notice
    assert "synthetic fixture records (/home/podium/fixture-data)" in config.data_notice
    demo.fixture_data = None  # a real data folder: no fixture sentence
    assert "fixture" not in web_config(demo, None).data_notice
    assert web_config(parse_serve(), None).data_notice is None


def test_demo_suites_default_to_v2_v1_and_tracing_and_refuse_what_cannot_run():
    assert demo_suites(parse_serve("--demo")) == default_demo_suites() == ("openllm-v2", "openllm-v1", "trace")
    assert demo_suites(parse_serve("--demo", "--demo-suites", "openllm-v2,trace", "--tasks", "mmlu_pro")) == (
        "openllm-v2", "trace")
    with pytest.raises(UsageError, match="Suite 'openllm-v1' has no task 'mmlu_pro'"):
        demo_suites(parse_serve("--demo", "--tasks", "mmlu_pro"))
    with pytest.raises(UsageError, match="Unknown demo suite 'openllm-v3'"):
        demo_suites(parse_serve("--demo", "--demo-suites", "openllm-v3"))


def test_demo_suites_without_demo_is_refused(capsys):
    from podium.cli.main import main

    assert main(["serve", "--demo-suites", "openllm-v2", "--port", "1"]) == 2
    assert "--demo-suites chooses what --demo queues" in capsys.readouterr().err
