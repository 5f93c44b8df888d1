"""Trust on the board: rank ranges on a constructed board, incomplete averages left unranked (hidden by
default, shown after the ranked rows on request), and data that differs said on the board row, the entry
page and both exports."""

from __future__ import annotations

import csv
import io
from html import unescape

import pandas as pd
import pytest

from podium.platform.config import load_settings
from podium.platform.export import to_frame
from podium.platform.leaderboard import leaderboard
from podium.record import TaskScore
from podium.web.board.ranking import Ranking, RankRange, average_standard_error, rank_order
from support.trustboard import SUITE, trust_board
from support.web import make_web


@pytest.fixture
def trusted(tmp_path, demo_models):
    web = make_web(tmp_path)
    return web, trust_board(web.factory)


def _row(entry: int, average: float | None, se: float | None, complete: bool = True) -> dict:
    return {"id": entry, "complete": complete, "average": {"normalized": average}, "average_se": {"normalized": se}}


def test_rank_ranges_on_a_constructed_board():
    rows = [_row(1, 60.0, 0.5), _row(2, 59.5, 0.5), _row(3, 30.0, 0.5), _row(4, 10.0, None),
            _row(5, 90.0, 0.5, complete=False), _row(6, None, None)]
    order = rank_order(rows, "normalized")
    assert [r["id"] for r in order] == [1, 2, 3, 4, 5, 6]  # ranked first, then the unranked
    ranking = Ranking(order, "normalized")
    assert {i: ranking.rank(i) for i in range(1, 8)} == {1: 1, 2: 2, 3: 3, 4: 4, 5: None, 6: None, 7: None}
    assert {i: ranking.range(i) for i in range(1, 7)} == {
        1: RankRange(1, 2, True), 2: RankRange(1, 2, True), 3: RankRange(3, 3, True),
        4: RankRange(4, 4, False), 5: None, 6: None}  # no standard error: the point rank, said so


def test_the_average_standard_error_combines_the_tasks():
    specs = [t for t in SUITE.tasks if t.key in ("ifeval", "gpqa")]
    tasks = {t.key: TaskScore(t.key, t.title, "acc", 0.5, 50.0, 0.02, 100, t.lower_bound) for t in specs}
    raw = average_standard_error(tasks, specs, "raw")
    assert raw == pytest.approx((2 * 2.0 ** 2) ** 0.5 / 2)  # stderr 0.02 raw = 2 points, two tasks
    normalized = average_standard_error(tasks, specs, "normalized")
    assert normalized == pytest.approx((2.0 ** 2 + (2.0 / 0.75) ** 2) ** 0.5 / 2)  # GPQA's rescaling by 1 - 0.25
    with_interval = {**tasks, "gpqa": TaskScore("gpqa", "GPQA", "acc", 0.5, 50.0, 0.02, 100, 0.25, ci_low=45.0,
                                                ci_high=55.0)}
    assert average_standard_error(with_interval, specs, "normalized") == pytest.approx(
        (2.0 ** 2 + (10 / 2 / 1.959964) ** 2) ** 0.5 / 2, rel=1e-6)
    del tasks["gpqa"]
    assert average_standard_error(tasks, specs, "normalized") is None


def test_the_board_ranks_complete_averages_with_their_ranges(trusted):
    web, ids = trusted
    page = web.board()
    names = [r["model"] for r in page["rows"]]
    assert names == ["trust/top", "trust/close", "trust/musr", "trust/no-se"]  # the 70.0 partial is not among them
    assert page["total"] == 4 and page["board_total"] == 5 and page["board_incomplete"] == 1
    assert [r["rank"] for r in page["rows"]] == [1, 2, 3, 4]
    assert [r["rank_interval"] for r in page["rows"]] == [
        {"best": 1, "worst": 2, "estimated": True}, {"best": 1, "worst": 2, "estimated": True},
        {"best": 3, "worst": 3, "estimated": True}, {"best": 4, "worst": 4, "estimated": False}]
    assert web.board(sort="rank_interval", order="asc")["rows"][-1]["model"] == "trust/no-se"


def test_incomplete_averages_are_shown_unranked_after_the_ranked_rows_when_asked(trusted):
    web, ids = trusted
    page = web.board(incomplete="show")
    assert page["incomplete"] is True and page["total"] == 5
    last = page["rows"][-1]
    assert last["model"] == "trust/partial" and last["rank"] is None and last["rank_interval"] is None
    assert last["complete"] is False and "GPQA" in last["notice"] and "not ranked" in last["notice"]
    assert [r["rank"] for r in page["rows"][:4]] == [1, 2, 3, 4]
    assert web.board(incomplete="show", rank="dynamic", q="trust/partial")["rows"][0]["rank"] is None
    assert web.board(incomplete="show", sort="model", order="asc")["rows"][-1]["model"] == "trust/partial"
    pinned = web.board(pins=str(ids["partial"]))["pinned"]  # a pin shows it whatever the toggle, still unranked
    assert pinned[0]["model"] == "trust/partial" and pinned[0]["rank"] is None
    refused = web.client.get("/api/boards/openllm-v2", params={"incomplete": "rank"})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "incomplete"


def test_a_board_without_a_complete_average_lists_the_incomplete_ones_by_default(tmp_path, demo_models):
    """A new suite, or a deployment without one of its datasets: hiding every row would show an empty board."""
    web = make_web(tmp_path)
    trust_board(web.factory, names=("partial",))
    page = web.board()
    assert page["incomplete"] is True and page["board_incomplete"] == page["board_total"] == 1
    assert [(r["model"], r["rank"]) for r in page["rows"]] == [("trust/partial", None)]
    hidden = web.board(incomplete="hide")  # still honoured when asked
    assert hidden["incomplete"] is False and hidden["rows"] == [] and hidden["board_incomplete"] == 1


def test_the_board_row_says_how_its_data_differs(trusted):
    web, _ = trusted
    rows = {r["model"]: r for r in web.board()["rows"]}
    assert rows["trust/top"]["notice"] is None and not rows["trust/top"]["deviates"]
    musr = rows["trust/musr"]
    assert musr["deviates"] and "MuSR (0-shot) ran on data that differs from the leaderboard's" in musr["notice"]
    close = rows["trust/close"]
    assert close["deviates"] and "IFEval" in close["notice"] and "compare with care" in close["notice"]


def test_the_entry_page_says_what_differs_in_words(trusted):
    web, ids = trusted
    html = web.client.get(f"/entries/{ids['musr']}").text
    notice = unescape(html.split('id="average-notice"')[1].split("</div>")[0])
    assert ("MuSR (0-shot) was scored on only part of the leaderboard's questions (30 of the 756 questions, from "
            "15 stories), so its score is not the full set's") in notice
    limited = web.client.get(f"/api/entries/{ids['close']}").json()["result"]["notice"]
    assert limited["deviates"] and any("only the first 50 questions (--limit 50)" in d for d in limited["details"])
    partial = web.client.get(f"/api/entries/{ids['partial']}").json()["result"]["notice"]
    assert not partial["complete"] and "GPQA (0-shot) is missing from the average" in partial["details"][0]
    plain = web.client.get(f"/entries/{ids['top']}").text
    assert "on the leaderboard's data" in unescape(plain.split('id="average-notice"')[1].split("</div>")[0])


def test_both_exports_carry_the_rank_range_and_the_data_notice(trusted):
    web, ids = trusted
    text = web.client.get("/api/boards/openllm-v2/export.csv", params={"incomplete": "show"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    by_model = {r["model"]: r for r in rows}
    assert by_model["trust/top"]["rank_interval"] == "1 to 2" and by_model["trust/top"]["data notice"] == ""
    assert by_model["trust/partial"]["rank"] == "" and "GPQA" in by_model["trust/partial"]["data notice"]
    assert "30 of the 756 questions" in by_model["trust/musr"]["data notice"]
    with web.factory() as session:
        frame = to_frame(leaderboard(session, load_settings(None), "openllm-v2"))
    assert list(frame["Model"])[-1] == "trust/partial"  # not ranked among the complete averages
    exported = frame.set_index("Model")
    assert not exported.loc["trust/partial", "Average complete"]
    assert "GPQA (0-shot) missing" in exported.loc["trust/partial", "Data notice"]
    assert exported.loc["trust/musr", "Data deviates"] and "15 stories" in exported.loc["trust/musr", "Data notice"]
    assert not exported.loc["trust/top", "Data deviates"] and pd.isna(exported.loc["trust/top", "Data notice"])
