"""Each task's data from its own source: the data folder, private operator files or the hub.

The mixed run: three tasks read the data folder, one reads private files that the data folder
lacks, and one is set to the hub, which is switched off here (HF_HUB_OFFLINE=1, conftest), so it
is reported unavailable with the reason while the others run. The result names each task's
source and never the private folder's path.
"""

from __future__ import annotations

import json
import shutil

import pytest

from podium.errors import DataMissingError, UsageError
from podium.eval.data.fixtures import write_fixture_data
from podium.eval.data.origins import hub_datasets, parse_sources, plan_origins
from podium.eval.runner import EvalRequest, run_evaluation
from podium.eval.suites import get_suite

V1 = get_suite("openllm-v1").tasks
V2 = get_suite("openllm-v2").tasks


def test_mixed_sources_run(demo_models, tmp_path, monkeypatch):
    data = write_fixture_data(tmp_path / "data")
    private = tmp_path / "operator-private"
    private.mkdir()
    shutil.move(data / "hellaswag", private / "hellaswag")  # only the private files have HellaSwag
    monkeypatch.setenv("PODIUM_DATA_SOURCES", f"arc_challenge=folder, hellaswag=private:{private}, gsm8k=hub")

    run_evaluation(EvalRequest(
        model="podium-demo/gpt2-tiny", output=tmp_path / "out", suite="openllm-v1", limit=2, data_dir=data,
        tasks=["arc_challenge", "hellaswag", "truthfulqa_mc2", "winogrande", "gsm8k"]))
    payload = json.loads((tmp_path / "out" / "results.json").read_text())

    block = payload["podium"]
    assert {k: t["status"] for k, t in block["tasks"].items()} == {
        "arc_challenge": "ok", "hellaswag": "ok", "truthfulqa_mc2": "ok", "winogrande": "ok", "gsm8k": "unavailable"}
    assert "HF_HUB_OFFLINE" in block["tasks"]["gsm8k"]["error"]
    assert block["missing_tasks"] == ["gsm8k"] and block["average_complete"] is False
    sources = block["data"]["tasks"]
    assert {k: (s["source"], s["location"]) for k, s in sources.items()} == {
        "arc_challenge": ("folder", "data folder"), "truthfulqa_mc2": ("folder", "data folder"),
        "winogrande": ("folder", "data folder"), "hellaswag": ("private", "private operator files"),
        "gsm8k": ("hub", "Hugging Face Hub")}
    assert sources["hellaswag"]["files"] and all(f.startswith("hellaswag/") for f in sources["hellaswag"]["files"])
    assert all(f.startswith("arc_challenge/") for f in sources["arc_challenge"]["files"])
    assert not any(f.startswith("hellaswag/") for f in block["data"]["files"])  # private files: their task only
    assert block["data"]["mode"] == "mixed"
    written = (tmp_path / "out" / "results.json").read_text()
    assert str(private) not in written and "operator-private" not in written


def test_default_source_is_the_folder_when_one_is_in_use(tmp_path):
    plan = plan_origins(V2, None, tmp_path, hub_offline=False)
    assert {o.kind for o in plan.values()} == {"folder"}
    assert {o.kind for o in plan_origins(V2, None, None, hub_offline=False).values()} == {"hub"}
    assert {o.kind for o in plan_origins(V2, "*=hub, bbh=folder", tmp_path, hub_offline=False).values()} == {"hub",
                                                                                                          "folder"}


def test_task_named_by_key_alias_or_lm_eval_name(tmp_path):
    for name in ("mmlu_pro", "leaderboard_mmlu_pro"):
        plan = plan_origins(V2, f"{name}=hub", tmp_path, hub_offline=False)
        assert plan["mmlu_pro"].kind == "hub" and plan["bbh"].kind == "folder"


def test_unavailable_sources_say_why(tmp_path):
    plan = plan_origins(V2, f"bbh=folder,ifeval=hub,musr=private:{tmp_path / 'absent'}", None, hub_offline=True)
    assert "no data folder is in use" in plan["bbh"].unavailable
    assert "HF_HUB_OFFLINE" in plan["ifeval"].unavailable
    assert "not on this server" in plan["musr"].unavailable and "absent" not in plan["musr"].unavailable
    assert plan["gpqa"].kind == "hub"


@pytest.mark.parametrize("text,says", [
    ("bbh", "is not 'task=source'"), ("bbh=", "is not 'task=source'"), ("bbh=ftp", "is not a data source"),
    ("bbh=private:", "is not a data source"), ("nonesuch=hub", "names no known task"),
])
def test_malformed_settings_are_usage_errors(text, says):
    with pytest.raises(UsageError, match=says):
        plan_origins(V1, text, None, hub_offline=False)


def test_parse_keeps_private_paths_whole():
    assert parse_sources(" ko_arc_challenge = private:/srv/ko data ,ifeval=hub") == {
        "ko_arc_challenge": "private:/srv/ko data", "ifeval": "hub"}


def test_hub_failure_becomes_data_missing():
    """With the hub unreachable (offline here) lm-eval's load fails; the task gets the library's reason."""
    import datasets

    loads: list = []
    with pytest.raises(DataMissingError, match="podium-test/no-such-dataset"), hub_datasets(loads):
        datasets.load_dataset("podium-test/no-such-dataset")
    assert loads == []

