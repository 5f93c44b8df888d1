"""The board API on 300 synthetic entries: filters, search, sort, ranks, score modes, pins, paging, CSV,
and refusal of unknown or malformed parameters."""

from __future__ import annotations

import csv
import io

import pytest

from support.web import synthetic_web  # noqa: F401


def all_rows(w, **params) -> list[dict]:
    page = w.board(per_page=200, **params)
    rows = page["rows"]
    while page["page"] < page["pages"]:
        page = w.board(per_page=200, page=page["page"] + 1, **params)
        rows += page["rows"]
    return rows


def test_the_default_board_is_ranked_by_average(synthetic_web):
    page = synthetic_web.board()
    assert page["board_total"] == page["total"] == 300 and len(page["rows"]) == 50
    averages = [r["average"] for r in page["rows"]]
    assert averages == sorted(averages, reverse=True)
    assert [r["rank"] for r in page["rows"]] == list(range(1, 51))
    assert set(page["rows"][0]["scores"]) == {"ifeval", "bbh", "math_hard", "gpqa", "musr", "mmlu_pro"}


def test_type_precision_and_params_filters(synthetic_web):
    rows = all_rows(synthetic_web, type="chat,merge", precision="bfloat16", params_min=3, params_max=14)
    assert rows and all(r["type"] in ("chat", "merge") and r["precision"] == "bfloat16" and 3 <= r["params"] < 14
                        for r in rows)


@pytest.mark.parametrize("preset, low, high", [("edge", 0, 3), ("consumer", 3, 7), ("mid", 7, 65), ("large", 65, 1e9)])
def test_size_presets(synthetic_web, preset, low, high):
    rows = all_rows(synthetic_web, preset=preset)
    assert rows and all(low <= r["params"] < high for r in rows)


def test_official_preset_and_hide_toggles(synthetic_web):
    assert all(r["official"] for r in all_rows(synthetic_web, preset="official"))
    kept = all_rows(synthetic_web, hide="merged,moe,flagged,unavailable")
    assert kept and not any(r["merged"] or r["moe"] or r["flagged"] or not r["available"] for r in kept)
    assert len(kept) < 300


def test_search_alternatives_fields_and_highlights(synthetic_web):
    rows = all_rows(synthetic_web, q="llama; gemma")
    assert rows and all("llama" in r["model"] or "gemma" in r["model"] for r in rows)
    first = rows[0]
    start, end = first["highlight"][0]
    assert first["model"][start:end].lower() in ("llama", "gemma")
    licensed = all_rows(synthetic_web, q="@license:apache-2.0 mistral")
    assert licensed and all(r["license"] == "apache-2.0" and "mistral" in r["model"] for r in licensed)
    assert all(r["type"] == "chat" for r in all_rows(synthetic_web, q="@type:chat"))
    assert all(r["architecture"].startswith("Llama") for r in all_rows(synthetic_web, q="@architecture:llama"))
    regex = all_rows(synthetic_web, q="^(qwen|google)/.*-[0-9]+\\.[0-9]b")
    assert regex and all(r["model"].lower().startswith(("qwen/", "google/")) and "." in r["model"] for r in regex)


def test_sorting_by_any_column_keeps_empty_cells_last(synthetic_web):
    rows = all_rows(synthetic_web, sort="params", order="asc")
    assert [r["params"] for r in rows] == sorted(r["params"] for r in rows)
    names = [r["model"].lower() for r in all_rows(synthetic_web, sort="model", order="asc")]
    assert names == sorted(names)
    bbh = [r["scores"]["bbh"] for r in all_rows(synthetic_web, sort="bbh", order="desc")]
    assert bbh == sorted(bbh, reverse=True)
    likes = all_rows(synthetic_web, sort="likes")  # unknown offline: every cell empty, order stays by rank
    assert [r["rank"] for r in likes] == sorted(r["rank"] for r in likes)


def test_raw_scores_and_static_versus_dynamic_rank(synthetic_web):
    normalized = synthetic_web.board(per_page=5)["rows"]
    raw = synthetic_web.board(per_page=5, scores="raw")["rows"]
    assert raw[0]["scores"]["gpqa"] != normalized[0]["scores"]["gpqa"] or raw[0]["id"] != normalized[0]["id"]
    assert all(r["scores"]["gpqa"] >= 25 for r in raw)  # raw x 100, above the 4-choice floor by construction
    static = synthetic_web.board(type="chat")["rows"]
    dynamic = synthetic_web.board(type="chat", rank="dynamic")["rows"]
    assert [r["rank"] for r in dynamic] == list(range(1, len(dynamic) + 1))
    assert [r["rank"] for r in static] != [r["rank"] for r in dynamic]


def test_pinned_rows_stay_on_top_through_filters_and_pages(synthetic_web):
    pins = [r["id"] for r in synthetic_web.board(sort="average", order="asc", per_page=2)["rows"]]
    page = synthetic_web.board(pins=",".join(map(str, pins)), type="chat", page=2)
    assert [r["id"] for r in page["pinned"]] == pins and all(r["pinned"] for r in page["pinned"])
    assert not {r["id"] for r in page["rows"]} & set(pins)


def test_paging_clamps_to_the_last_page(synthetic_web):
    page = synthetic_web.board(per_page=200, page=99)
    assert page["page"] == page["pages"] == 2 and len(page["rows"]) == 100


def test_csv_download_is_the_current_view(synthetic_web):
    response = synthetic_web.client.get("/api/boards/openllm-v2/export.csv",
                                        params={"type": "chat", "sort": "params", "cols": "license,params"})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["rank", "type", "model", "average (normalized)", "ifeval", "bbh", "math_hard", "gpqa", "musr",
                       "mmlu_pro", "params", "license", "data notice"]  # picker order, then the data notice
    assert len(rows) - 1 == synthetic_web.board(type="chat")["total"]
    assert {r[1] for r in rows[1:]} == {"chat"}


@pytest.mark.parametrize("params, field", [
    ({"color": "red"}, "color"), ({"type": "robot"}, "type"), ({"precision": "fp8"}, "precision"),
    ({"params_min": "lots"}, "params_min"), ({"params_max": "-1"}, "params_max"), ({"params_min": "nan"}, "params_min"),
    ({"sort": "password_hash"}, "sort"), ({"order": "sideways"}, "order"), ({"scores": "cooked"}, "scores"),
    ({"rank": "royal"}, "rank"), ({"page": "0"}, "page"), ({"per_page": "201"}, "per_page"), ({"page": "1.5"}, "page"),
    ({"pins": "1;DROP TABLE models"}, "pins"), ({"cols": "secret"}, "cols"), ({"preset": "huge"}, "preset"),
    ({"hide": "everything"}, "hide"),
])
def test_unknown_or_malformed_parameters_are_refused(synthetic_web, params, field):
    response = synthetic_web.client.get("/api/boards/openllm-v2", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


@pytest.mark.parametrize("q", ["(a+)+$", "(x|xx)*y", "[", r"(\w)\1", "a{5000}", "@password:x"])
def test_dangerous_or_invalid_searches_are_422_quickly(synthetic_web, q):
    response = synthetic_web.client.get("/api/boards/openllm-v2", params={"q": q})
    assert response.status_code == 422 and response.json()["error"]["code"] == "bad_search"


def test_unknown_boards_are_404_and_every_suite_has_a_board(synthetic_web):
    assert synthetic_web.client.get("/api/boards/openllm-v9").status_code == 404
    names = [b["name"] for b in synthetic_web.client.get("/api/boards").json()]
    assert names[0] == "openllm-v1" and set(names) == {"openllm-v1", "openllm-v2", "ko-h5"}
    for name in names:
        assert synthetic_web.client.get(f"/api/boards/{name}").status_code == 200
    assert synthetic_web.client.get("/api/variants/mmlu-variants").status_code == 200  # compared, not averaged


def test_a_slow_board_is_rebuilt_in_the_background_while_readers_keep_the_old_one(synthetic_web):
    import time

    from sqlalchemy import update

    from podium.eval.suites import SUITES
    from podium.platform.db import transaction
    from podium.platform.models import Result
    from podium.web.board.cache import SnapshotCache
    from workshop.synthetic import add_entries

    web_state = synthetic_web.app.state.web
    cache = SnapshotCache(web_state.read_factory, web_state.config.settings, recheck_seconds=0, sync_build_seconds=0)
    suite = SUITES["openllm-v2"]
    first = cache.get(suite)
    with transaction(synthetic_web.factory) as session:  # a result of a new suite version: a board no update makes
        entry, = add_entries(session, suite, 1, seed=99)
        session.execute(update(Result).where(Result.submission_id == entry).values(suite_version="next"))
    assert cache.get(suite) is first  # the change is seen, the rebuild runs elsewhere
    deadline = time.monotonic() + 30
    while cache.get(suite) is first and time.monotonic() < deadline:
        time.sleep(0.05)
    assert cache.get(suite).version == "next" and [r["id"] for r in cache.get(suite).rows] == [entry]
