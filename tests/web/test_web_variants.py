"""The mmlu-variants comparison board through the real app: each model's score and rank under the
original, HELM and January-2023 harness implementations side by side, the rank-shift chart, and
no average that mixes implementations on the board, in the API, the CSV or `podium export`."""

from __future__ import annotations

import csv
import io
import re

import pytest

from podium.platform.db import transaction
from podium.platform.export import to_frame
from podium.platform.leaderboard import leaderboard
from podium.platform.models import Result
from podium.web.boards import nav
from podium.web.variants import Ranking, VariantsQuery, variants_page
from support.variants import RANKS, SCORES, SUITE, add_variants_board
from support.web import make_web
from workshop.synthetic import add_entries

IMPLEMENTATIONS = ("mmlu_original", "mmlu_helm", "mmlu_harness2023")
OLD_AVERAGE = 77.77  # what a result stored before the suite dropped its average might carry


@pytest.fixture
def board(tmp_path):
    web = make_web(tmp_path)
    entries = add_variants_board(web.factory)
    return web, entries


def keys_anywhere(value) -> set[str]:
    """Every key of every object inside a JSON answer."""
    if isinstance(value, dict):
        return set(value).union(*(keys_anywhere(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(keys_anywhere(v) for v in value))
    return set()


def test_each_implementation_ranks_the_models_on_its_own(board):
    web, entries = board
    answer = web.client.get("/api/variants/mmlu-variants").json()
    assert [c["key"] for c in answer["compared"]] == list(IMPLEMENTATIONS)
    assert [c["key"] for c in answer["also"]] == ["mmlu_harness2023_norm"]
    assert answer["total"] == len(SCORES) and answer["sort"] == "mmlu_original" and answer["order"] == "asc"
    rows = {r["model"]: r for r in answer["rows"]}
    for repo, ranks in RANKS.items():
        assert tuple(rows[repo]["ranks"][k] for k in IMPLEMENTATIONS) == ranks
        assert [rows[repo]["scores"][k] for k in (*IMPLEMENTATIONS, "mmlu_harness2023_norm")] == list(SCORES[repo])
        assert rows[repo]["id"] == entries[repo]
    assert [r["model"] for r in answer["rows"]][:3] == ["meta-llama/llama-65b", "meta-llama/llama-30b",
                                                        "tiiuae/falcon-40b"]
    assert rows["tiiuae/falcon-40b"]["shift"] == 2 and rows["EleutherAI/gpt-neox-20b"]["shift"] == 0
    assert "average" not in keys_anywhere(answer)


def test_sorting_by_another_implementation_and_by_rank_shift(board):
    web, _ = board
    harness = web.client.get("/api/variants/mmlu-variants", params={"sort": "mmlu_harness2023"}).json()
    assert [r["model"] for r in harness["rows"]][:2] == ["tiiuae/falcon-40b", "meta-llama/llama-65b"]
    helm = web.client.get("/api/variants/mmlu-variants", params={"sort": "mmlu_helm"}).json()
    assert helm["rows"][-1]["model"] == "EleutherAI/gpt-neox-20b"  # no HELM score: last, whatever the order
    moved = web.client.get("/api/variants/mmlu-variants", params={"sort": "shift"}).json()
    assert moved["order"] == "desc" and moved["rows"][0]["model"] == "tiiuae/falcon-40b"
    paged = web.client.get("/api/variants/mmlu-variants", params={"per_page": 4, "page": 2}).json()
    assert paged["pages"] == 2 and len(paged["rows"]) == 2


@pytest.mark.parametrize("params, field", [({"sort": "average"}, "sort"), ({"per_page": "51"}, "per_page"),
                                           ({"page": "²"}, "page"), ({"page": "9" * 5000}, "page"),
                                           ({"order": "up"}, "order"), ({"scores": "raw"}, "scores"),
                                           ({"version": "nope"}, "version")])
def test_bad_parameters_are_refused_by_name(board, params, field):
    web, _ = board
    response = web.client.get("/api/variants/mmlu-variants", params=params)
    assert response.status_code == 422 and response.json()["error"]["field"] == field


def test_no_board_api_or_download_averages_the_implementations(board):
    web, _ = board
    generic = web.client.get("/api/boards/mmlu-variants")
    assert generic.status_code == 404 and "/api/variants/mmlu-variants" in generic.text
    assert web.client.get("/api/boards/mmlu-variants/export.csv").status_code == 404
    assert "mmlu-variants" not in {b["name"] for b in web.client.get("/api/boards").json()}
    redirect = web.client.get("/board/mmlu-variants", follow_redirects=False)
    assert redirect.status_code == 303 and redirect.headers["location"] == "/variants/mmlu-variants"
    download = web.client.get("/api/variants/mmlu-variants/export.csv", params={"per_page": 2})
    table = list(csv.reader(io.StringIO(download.text)))
    assert table[0] == ["model", "mmlu_original score", "mmlu_original rank", "mmlu_helm score", "mmlu_helm rank",
                        "mmlu_harness2023 score", "mmlu_harness2023 rank", "mmlu_harness2023_norm", "rank shift"]
    assert len(table) == 1 + len(SCORES)  # every row, whatever the page size
    assert table[1] == ["meta-llama/llama-65b", "63.7", "1", "63", "1", "48.8", "2", "45.1", "1"]
    assert "average" not in download.text.lower()


def test_an_average_stored_by_an_older_record_is_never_shown(board):
    web, entries = board
    with transaction(web.factory) as session:
        for result in session.query(Result).filter(Result.submission_id.in_(entries.values())):
            result.average = OLD_AVERAGE
    one, two = list(entries.values())[:2]
    for path in ("/api/variants/mmlu-variants", "/variants/mmlu-variants", f"/api/entries/{one}", f"/entries/{one}",
                 f"/api/compare?ids={one},{two}", f"/compare?ids={one},{two}"):
        response = web.client.get(path)
        assert response.status_code == 200 and str(OLD_AVERAGE) not in response.text, path
    assert web.client.get(f"/api/entries/{one}").json()["result"]["average"] is None
    assert web.client.get(f"/charts/entries/{one}.svg").status_code == 200
    with web.factory() as session:
        frame = to_frame(leaderboard(session, web.app.state.web.config.settings, "mmlu-variants"))
    assert len(frame) == len(SCORES) and frame["Average ⬆️"].isna().all()
    assert set(frame["Harness Jan-2023 (full answer)"]) == {s[2] for s in SCORES.values()}


def test_the_page_shows_three_columns_ranks_and_the_chart(board):
    web, entries = board
    html = web.client.get("/variants/mmlu-variants").text
    headers = re.findall(r'<th [^>]*class="implementation" data-key="([a-z0-9_]+)"[^>]*>([^<]*)</th>', html)
    assert headers == [(t.key, t.title) for t in SUITE.tasks if t.key in IMPLEMENTATIONS]
    row = html.split(f'<tr data-entry="{entries["tiiuae/falcon-40b"]}">')[1].split("</tr>")[0]
    assert [cell.split(">")[1] for cell in row.split('<td class="num rank"')[1:]] == ["3</td", "2</td", "1</td"]
    assert '<img src="/charts/variants/mmlu-variants.svg?"' in html and 'id="no-average"' in html
    assert ">Average<" not in html
    svg = web.client.get("/charts/variants/mmlu-variants.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert all(f'id="rank-line-{entry}"' in svg.text for entry in entries.values())


def test_the_board_is_in_the_navigation_the_archive_and_linked_from_about(board):
    web, _ = board
    assert ("/variants/mmlu-variants", "MMLU variants") in nav()
    assert 'href="/variants/mmlu-variants"' in web.client.get("/").text
    assert 'href="/variants/mmlu-variants"' in web.client.get("/archive").text
    about = web.client.get("/about").text
    assert 'href="/variants/mmlu-variants"' in about and 'id="mmlu-variants"' in about


def test_ties_share_the_better_rank_and_unscored_rows_come_last():
    rows = [{"id": i, "model": f"org/m{i}", "hub": True,
             "scores": {t.key: {"normalized": value, "raw": None} for t in SUITE.tasks}}
            for i, value in enumerate((50.0, 60.0, 60.0, None, 40.0))]
    ranking = Ranking(SUITE, rows)
    assert {r["id"]: ranking.ranks(r["id"])["mmlu_original"] for r in rows} == {0: 3, 1: 1, 2: 1, 3: None, 4: 4}
    shown = variants_page(ranking, VariantsQuery("mmlu_original", False, per_page=2))
    assert [r.id for r in shown.rows] == [1, 2] and shown.pages == 3  # ties by name; the unranked row last


def test_a_new_result_reranks_the_board(board):
    web, _ = board
    assert web.client.get("/api/variants/mmlu-variants").json()["total"] == len(SCORES)  # ranking built, cached
    with transaction(web.factory) as session:
        add_entries(session, SUITE, 1, seed=99)
    answer = web.client.get("/api/variants/mmlu-variants", params={"sort": "model"}).json()
    assert answer["total"] == len(SCORES) + 1
    ranks = sorted(r["ranks"]["mmlu_original"] for r in answer["rows"])
    assert ranks[0] == 1 and ranks[-1] == len(SCORES) + 1
