"""The JSON API of a real `podium serve --demo` over HTTP, once its worker has evaluated the demo
models: real per-sample details, the sample browser's filters, comparisons, charts and pages."""

from __future__ import annotations

import hashlib
import json

import pytest

from podium.cli.serve_cmd import DEMO_MAX_GEN_TOKENS
from support.web import DEMO_MODELS, LIVE_SUITE, LIVE_TASK, live, live_started  # noqa: F401


@pytest.fixture(scope="module")
def demo_entries(live) -> dict[str, int]:
    """model -> entry id of the finished demo evaluations."""
    return {job["model"]: job["entry"] for job in live.demo_finished()}


def test_demo_models_land_on_the_landing_board(live, demo_entries):
    hidden = live.get(f"/api/boards/{LIVE_SUITE}", params={"q": "podium-demo"}).json()
    assert not any(r["model"] in DEMO_MODELS for r in hidden["rows"])  # incomplete averages: not ranked, hidden
    board = live.get(f"/api/boards/{LIVE_SUITE}", params={"q": "podium-demo", "incomplete": "show"}).json()
    assert {r["model"] for r in board["rows"]} >= set(DEMO_MODELS)
    row = next(r for r in board["rows"] if r["model"] in DEMO_MODELS)
    assert row["scores"][LIVE_TASK] is not None and row["complete"] is False  # one task of six was run
    assert row["rank"] is None and row["deviates"] and "not ranked" in row["notice"]  # a --limit 2 sample, too
    assert "podium-demo" in live.get("/", params={"q": "podium-demo", "incomplete": "show"}).text  # in the page


def test_the_landing_page_is_the_current_board_and_says_the_demo_runs_on_fixtures(live, demo_entries):
    """No data folder (PODIUM_DATA_DIR=none): the board and entry pages say so, not only the console."""
    landing = live.get("/").text
    assert "<h1>Open LLM Leaderboard v2" in landing
    for html in (landing, live.get(f"/entries/{demo_entries['podium-demo/llama-tiny']}").text):
        notice = html.split('id="data-notice"')[1].split("</section>")[0]
        assert "synthetic fixture records" in notice and "mean nothing" in notice
        assert f"capped at {DEMO_MAX_GEN_TOKENS} new tokens" in notice
    assert 'id="data-notice"' not in live.get("/about").text


def test_entry_scores_match_the_evaluation_and_carry_provenance(live, demo_entries):
    entry = live.get(f"/api/entries/{demo_entries['podium-demo/gpt2-tiny']}").json()
    scored = next(t for t in entry["result"]["tasks"] if t["key"] == LIVE_TASK)
    assert scored["n_samples"] == 2 and scored["stderr"] is not None and 0 <= scored["raw"] <= 1
    assert entry["provenance"]["versions"]["lm_eval"] == "0.4.13"
    data = entry["provenance"]["data"]
    manifest = live.get(data["files_download"])
    assert data["files_count"] == len(manifest.text.splitlines()) > 0
    assert data["files_sha256"] == hashlib.sha256(manifest.content).hexdigest()
    assert str(live.home) not in json.dumps(entry)  # an anonymous visitor sees labels, not the server's folders
    reproduce = entry["provenance"]["reproduce"]
    assert "--limit 2" in reproduce and f"--suite {LIVE_SUITE}" in reproduce
    assert f"--gen-kwargs max_gen_toks={DEMO_MAX_GEN_TOKENS}" in reproduce
    assert entry["provenance"]["run"]["gen_kwargs"] == {"max_gen_toks": DEMO_MAX_GEN_TOKENS}


def test_sample_browser_shows_prompts_choices_loglikelihoods_and_verdicts(live, demo_entries):
    entry = demo_entries["podium-demo/llama-tiny"]
    assert LIVE_TASK in live.get(f"/api/entries/{entry}/tasks").json()
    page = live.get(f"/api/entries/{entry}/samples/{LIVE_TASK}").json()
    assert page["total"] == 2
    sample = page["samples"][0]
    assert sample["prompt"].rstrip().endswith("Answer:")
    assert len(sample["choices"]) == len(sample["loglikelihoods"]) >= 3
    assert sample["prediction"] in sample["choices"] and sample["target"] in sample["choices"]
    assert sample["correct"] == (sample["prediction_index"] == sample["target_index"])
    wrong = live.get(f"/api/entries/{entry}/samples/{LIVE_TASK}", params={"wrong": "true"}).json()
    assert wrong["total"] == sum(1 for s in page["samples"] if s["correct"] is False)
    word = sample["prompt"].split()[-3]
    assert live.get(f"/api/entries/{entry}/samples/{LIVE_TASK}", params={"q": word}).json()["total"] >= 1
    assert live.get(f"/api/entries/{entry}/samples/{LIVE_TASK}", params={"q": "zzqx-nothing"}).json()["total"] == 0


def test_compare_per_task_and_per_sample(live, demo_entries):
    ids = f"{demo_entries['podium-demo/gpt2-tiny']},{demo_entries['podium-demo/llama-tiny']}"
    table = live.get("/api/compare", params={"ids": ids}).json()
    assert [e["model"] for e in table["entries"]] == ["podium-demo/gpt2-tiny", "podium-demo/llama-tiny"]
    assert next(t for t in table["tasks"] if t["key"] == LIVE_TASK)["values"][0]["normalized"] is not None
    every = live.get("/api/compare/samples", params={"ids": ids, "task": LIVE_TASK, "all": "true"}).json()
    assert every["shared"] == every["total"] == 2
    assert all(len(r["answers"]) == 2 for r in every["rows"])
    differing = live.get("/api/compare/samples", params={"ids": ids, "task": LIVE_TASK}).json()
    assert differing["total"] == sum(r["differ"] for r in every["rows"])


def test_pages_and_charts_render(live, demo_entries):
    entry = demo_entries["podium-demo/gpt2-tiny"]
    for path in ("/", "/board/openllm-v2", "/board/ko-h5", "/archive", "/queue", "/about", "/citation", "/trends",
                 "/tracing", f"/entries/{entry}", f"/compare?ids={entry},{entry + 1}", "/login", "/signup"):
        response = live.get(path)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html"), path
    svg = live.get(f"/charts/entries/{entry}.svg")
    assert svg.headers["content-type"] == "image/svg+xml" and b"board median" in svg.content
    assert live.get(f"/charts/trends/{LIVE_SUITE}.svg").content.startswith(b"<?xml")
    assert live.get("/nope").status_code == 404 and live.get("/submit", follow_redirects=False).status_code == 303


def test_demo_fills_the_tracing_board_and_checks_the_declared_base(live, demo_entries):
    """The demo's trace-suite jobs land on /tracing; gpt2-tiny-ft's declared base is confirmed."""
    live.demo_finished("trace")
    rows = {r["model"]: r for r in live.get("/api/tracing").json() if r["source"] == "store"}
    assert set(rows) == set(DEMO_MODELS)
    derived = rows["podium-demo/gpt2-tiny-ft"]
    assert derived["base"] == "podium-demo/gpt2-tiny" and derived["verdict"] == "derived"
    assert derived["test"] == "gpt2-fc-proj" and derived["perplexity"] > 1
    assert rows["podium-demo/llama-tiny"]["verdict"] == "not testable" and rows["podium-demo/llama-tiny"]["why"]
    assert rows["podium-demo/gpt2-tiny"]["verdict"] == "the base itself"
    live.demo_finished()  # the base check is made by the evaluation job on the landing suite
    [check] = live.get("/api/tracing/checks").json()
    assert (check["model"], check["status"]) == ("podium-demo/gpt2-tiny-ft", "ok")
    entry = live.get(f"/entries/{demo_entries['podium-demo/gpt2-tiny-ft']}").text
    assert 'id="base-check"' in entry and "podium-demo/gpt2-tiny" in entry
    assert "podium-demo/gpt2-tiny-ft" in live.get("/tracing").text
