"""The board shows one suite version at a time (the current by default); older ones stay reachable."""

from __future__ import annotations

from sqlalchemy import update

from podium.eval.suites import SUITES
from podium.platform.db import transaction
from podium.platform.models import Result
from support.web import web  # noqa: F401
from workshop.synthetic import add_entries

OLD, NEW = "a1b2c3d4e5f6", "0f9e8d7c6b5a"


def two_versions(web) -> list[int]:
    """Three openllm-v1 entries: the first two computed under OLD, the newest under NEW."""
    with transaction(web.factory) as session:
        entries = add_entries(session, SUITES["openllm-v1"], 3, seed=4)
        session.execute(update(Result).where(Result.submission_id.in_(entries[:2])).values(suite_version=OLD))
        session.execute(update(Result).where(Result.submission_id == entries[2]).values(suite_version=NEW))
    return entries


def test_the_board_shows_the_current_version_and_offers_the_older(web):
    entries = two_versions(web)
    current = web.board("openllm-v1")
    assert current["version"] == NEW and [r["id"] for r in current["rows"]] == [entries[2]]
    assert [(v["version"], v["entries"], v["current"]) for v in current["versions"]] == [
        (NEW, 1, True), (OLD, 2, False)]
    older = web.board("openllm-v1", version=OLD)
    assert older["version"] == OLD and sorted(r["id"] for r in older["rows"]) == entries[:2]
    assert web.board("openllm-v1", version=NEW)["rows"] == current["rows"]
    csv = web.client.get("/api/boards/openllm-v1/export.csv", params={"version": OLD}).text
    assert len(csv.strip().splitlines()) == 3  # the header and the two older entries


def test_an_unknown_or_malformed_version_is_refused_by_name(web):
    two_versions(web)
    for bad, says in (("ffffffffffff", "has no results of version"), ("../x", "suite version name")):
        response = web.client.get("/api/boards/openllm-v1", params={"version": bad})
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["field"] == "version" and says in error["message"]


def test_the_entry_page_names_its_suite_version(web):
    entries = two_versions(web)
    old_page, new_page = (web.client.get(f"/entries/{i}").text for i in (entries[0], entries[2]))
    assert f'href="/board/openllm-v1?version={OLD}"' in old_page and "an older version" in old_page
    assert f"<code>{NEW}</code></a>\n      (current)" in new_page
    assert web.client.get(f"/api/entries/{entries[0]}").json()["result"]["suite_version"] == OLD
