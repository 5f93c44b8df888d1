"""Error bars and paired comparisons on the web (issue 15.1 and 15.2): the entry page and API show each
score's interval, the compare page and API pair each entry with the first on the same questions and say
which differences are distinguishable from noise (or why a task cannot be paired), the export has them."""

from __future__ import annotations

from pathlib import Path

import pytest

from podium.eval.details import write_details
from podium.eval.provenance import BOOTSTRAP_SEED
from podium.eval.suites import SUITES
from podium.eval.uncertainty import with_uncertainty
from podium.platform.config import load_settings
from podium.platform.db import transaction
from podium.platform.export import to_frame
from podium.platform.leaderboard import leaderboard
from podium.platform.models import Result
from podium.record import tasks_to_json, uncertainty_to_json
from support.outcomes import right_wrong, task_of
from support.records import score
from support.web import make_web
from workshop.synthetic import add_entries

V2, KO = SUITES["openllm-v2"], SUITES["ko-h5"]
RIGHT_A = [1] * 45 + [0] * 15
PATTERNS = {  # entry -> (MMLU-Pro, GPQA) right/wrong per question
    "a": (RIGHT_A, [1] * 30 + [0] * 10),
    "b": ([1] * 15 + [0] * 45, [1] * 12 + [0] * 28),  # far below A on the same questions
    "c": ([0, 0] + RIGHT_A[2:], [0] + [1] * 29 + [0] * 10),  # A with a few answers flipped
    "d": (RIGHT_A[:30], [1] * 30 + [0] * 10),  # MMLU-Pro on the first 30 questions only (--limit 30)
}


def _store(result: Result, folder: Path, suite, samples: dict, private: tuple[str, ...] = ()) -> None:
    """A result as the evaluator leaves it: details of its public tasks, scores with their error bars."""
    specs = {t.key: t for t in suite.tasks}
    by_key = {t.key: {leaf: rows} for t in suite.tasks for leaf, rows in samples.items() if leaf == t.lm_eval_task}
    outcomes = {key: task_of(specs[key], leaves) for key, leaves in by_key.items()}
    scores = {key: score(key, specs[key].title, task.raw, task.normalized, lower_bound=specs[key].lower_bound,
                         n_samples=task.subtasks[0].n, private=key in private)
              for key, task in outcomes.items()}
    scored, average = with_uncertainty(scores, outcomes)
    write_details({leaf: rows for leaf, rows in samples.items()
                   if not any(specs[k].lm_eval_task == leaf for k in private)}, folder / "details")
    result.tasks, result.details_path = tasks_to_json(scored), str(folder)
    result.average = sum(s.normalized for s in scored.values()) / len(scored)
    result.average_complete, result.average_uncertainty = False, uncertainty_to_json(average)


@pytest.fixture
def paired(tmp_path, demo_models):
    web = make_web(tmp_path)
    with transaction(web.factory) as session:
        v2 = dict(zip(PATTERNS, add_entries(session, V2, len(PATTERNS), seed=21)))
        ko = add_entries(session, KO, 2, seed=22)
        for name, (mmlu, gpqa) in PATTERNS.items():
            result = session.query(Result).filter_by(submission_id=v2[name]).one()
            _store(result, tmp_path / name, V2, {
                "leaderboard_mmlu_pro": right_wrong("acc", mmlu),
                "leaderboard_gpqa": right_wrong("acc_norm", gpqa, doc=lambda i: {"Question": f"q{i}"})})
        for i, entry in enumerate(ko):
            result = session.query(Result).filter_by(submission_id=entry).one()
            _store(result, tmp_path / f"ko{i}", KO, {
                "ko_hellaswag": right_wrong("acc_norm", [1, 0] * 10),
                "ko_commongen_v2": right_wrong("acc_norm", [1, i] * 10)}, private=("ko_hellaswag",))
    return web, v2, ko


def _compare(web, ids: list[int]) -> dict:
    response = web.client.get("/api/compare", params={"ids": ",".join(map(str, ids))})
    assert response.status_code == 200, response.text
    return response.json()


def _row(found: dict, key: str) -> dict:
    return next(t for t in found["tasks"] if t["key"] == key)


def test_the_compare_api_pairs_each_entry_with_the_first(paired):
    web, v2, _ = paired
    found = _compare(web, [v2["a"], v2["b"], v2["c"]])
    assert found["paired"] == {"against": v2["a"], "seed": BOOTSTRAP_SEED, "resamples": 10_000, "alpha": 0.05}
    mmlu = _row(found, "mmlu_pro")
    first, far, near = mmlu["paired"]
    assert first is None
    assert far["paired"] and far["distinguishable"] and far["verdict"] == "distinguishable"
    assert far["test"] == "mcnemar mid-p" and far["p_value"] < 1e-6
    a, b = (v["normalized"] for v in mmlu["values"][:2])
    assert far["difference"] == pytest.approx(a - b) and far["ci_low"] < far["difference"] < far["ci_high"]
    assert far["raw_stderr"] > 0 and far["stderr"] > 0
    assert near["paired"] and not near["distinguishable"] and near["verdict"] == "within noise"
    assert near["p_value"] == pytest.approx(0.25)  # 2 discordant questions, both for A: mid-p = 2/4 - 1/4
    assert _row(found, "gpqa")["paired"][1]["distinguishable"]
    assert _row(found, "bbh")["paired"] == [None, None, None]  # neither scored it: nothing to say
    averages = [e["paired"] for e in found["entries"]]
    assert averages[0] is None and averages[1]["distinguishable"] and averages[1]["test"] == "paired bootstrap"
    assert not averages[2]["distinguishable"]
    assert all(e["average_uncertainty"]["stderr"] > 0 for e in found["entries"])


def test_results_on_different_questions_are_not_paired_and_say_why(paired):
    web, v2, _ = paired
    found = _compare(web, [v2["a"], v2["d"]])
    mmlu = _row(found, "mmlu_pro")["paired"][1]
    assert not mmlu["paired"] and "different documents" in mmlu["reason"] and "--limit" in mmlu["reason"]
    assert _row(found, "gpqa")["paired"][1]["paired"]  # the other task still pairs
    average = found["entries"][1]["paired"]
    assert average == {"paired": False, "reason": "cannot pair the average: MMLU-Pro (5-shot) could not be paired"}


def test_a_private_task_cannot_be_paired_and_the_comparison_says_so(paired):
    web, _, ko = paired
    found = _compare(web, ko)
    private = _row(found, "ko_hellaswag")["paired"][1]
    assert not private["paired"] and "private" in private["reason"]
    public = _row(found, "ko_commongen_v2")["paired"][1]
    assert public["paired"] and public["distinguishable"]  # B right on 10 questions where A is wrong
    assert found["entries"][1]["paired"] == {
        "paired": False, "reason": "cannot pair the average: Ko-HellaSwag (10-shot) could not be paired"}


def test_the_compare_page_marks_what_is_distinguishable_and_what_is_noise(paired):
    web, v2, ko = paired
    html = web.client.get("/compare", params={"ids": f"{v2['a']},{v2['b']},{v2['c']}"}).text
    assert '<span class="paired distinguishable">' in html and '<span class="paired noise">' in html
    assert "· distinguishable" in html and "· within noise" in html and 'id="paired-legend"' in html
    html = web.client.get("/compare", params={"ids": ",".join(map(str, ko))}).text
    assert '<span class="paired unpaired">' in html and "its test set is private" in html


def test_the_entry_page_and_api_show_each_interval(paired):
    web, v2, _ = paired
    entry = web.client.get(f"/api/entries/{v2['a']}").json()
    mmlu = next(t for t in entry["result"]["tasks"] if t["key"] == "mmlu_pro")
    assert mmlu["interval_method"] == "wilson" and mmlu["ci_low"] < mmlu["normalized"] < mmlu["ci_high"]
    assert mmlu["raw_ci_low"] < mmlu["raw"] < mmlu["raw_ci_high"] and mmlu["normalized_stderr"] > 0
    average = entry["result"]["average_uncertainty"]
    assert average["ci_low"] < entry["result"]["average"] < average["ci_high"] and average["seed"] == BOOTSTRAP_SEED
    html = web.client.get(f"/entries/{v2['a']}").text
    assert f"[{mmlu['ci_low']:.2f}, {mmlu['ci_high']:.2f}]" in html
    assert f"[{average['ci_low']:.2f}, {average['ci_high']:.2f}]" in html
    assert 'href="/about#error-bars"' in html
    about = web.client.get("/about").text
    assert 'id="error-bars"' in about and "McNemar" in about and "Wilson interval" in about


def test_the_export_has_each_score_s_error_bars_and_the_average_s(paired):
    web, v2, _ = paired
    with web.factory() as session:
        board = leaderboard(session, load_settings(None), V2.name)
    frame = to_frame(board).set_index("Entry")
    row = frame.loc[v2["a"]]
    title = "MMLU-Pro (5-shot)"
    assert row[f"{title} 95% low"] < row[title] < row[f"{title} 95% high"] and row[f"{title} SE"] > 0
    assert row["Average 95% low"] < row["Average ⬆️"] < row["Average 95% high"] and row["Average SE"] > 0
    assert frame["GPQA (0-shot) SE"].notna().all()
