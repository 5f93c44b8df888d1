"""The run record: it survives its JSON round trip, and a reader refuses another schema clearly."""

from __future__ import annotations

import json

import pytest

from podium.record import (
    SCHEMA,
    BaseCheck,
    Provenance,
    RecordError,
    RunError,
    RunRecord,
    SubtaskScore,
    TaskScore,
    tasks_from_json,
)
from support.records import provenance, record, score


def full_record() -> RunRecord:
    bbh = score("bbh", "BBH", 0.5, 20.0, stderr=0.01, n_samples=48, lower_bound=0.25, subtasks={
        "leaderboard_bbh_navigate": SubtaskScore(0.5, 0.0, 0.1, 24, 0.5),
        "leaderboard_bbh_snarks": SubtaskScore(0.5, 0.0, None, 24, 0.5)})
    missing = score("gpqa", "GPQA", None, None, n_samples=0, status="unavailable", error="no data",
                    error_kind="data_missing", private=True)
    check = BaseCheck(status="unchecked", declared_base="org/base", reason="the check failed", wall_seconds=1.5)
    return RunRecord(kind="lm-eval", suite="openllm-v2", suite_title="Open LLM Leaderboard v2", suite_version="abc",
                     tasks={"bbh": bbh, "gpqa": missing}, average=20.0, average_complete=False,
                     provenance=provenance(timings={"leaderboard_bbh": 3.2}, kind_detail={"note": [1, 2]},
                                           base_check=check),
                     details={"leaderboard_bbh_navigate": "details/leaderboard_bbh_navigate.parquet"})


def test_a_record_survives_its_json_round_trip():
    original = full_record()
    text = json.dumps(original.to_json())
    assert RunRecord.from_json(json.loads(text)) == original


def test_the_block_keeps_the_layout_users_read():
    block = full_record().to_json()
    assert block["schema"] == SCHEMA and block["missing_tasks"] == ["gpqa"]
    assert {"model", "run", "versions", "data", "tasks", "average", "average_complete", "details"} <= set(block)
    assert block["tasks"]["bbh"]["subtasks"]["leaderboard_bbh_navigate"]["n_samples"] == 24
    assert block["tasks"]["bbh"]["ci_low"] is None and block["run"]["gpu_name"] is None


def test_the_stored_parts_round_trip_on_their_own():
    original = full_record()
    assert (tasks_from_json(json.loads(json.dumps({k: t.to_json() for k, t in original.tasks.items()})))
            == original.tasks)
    assert Provenance.from_json(json.loads(json.dumps(original.provenance.to_json()))) == original.provenance
    error = RunError("data_missing", "Put arc on disk.")
    assert RunError.from_json(json.loads(json.dumps(error.to_json()))) == error


@pytest.mark.parametrize("schema, words", [(1, "written in schema 1"), (None, "has no schema version"),
                                           (SCHEMA + 1, f"written in schema {SCHEMA + 1}")])
def test_a_record_of_another_schema_is_refused_with_a_clear_error(schema, words):
    block = {**full_record().to_json(), "schema": schema}
    if schema is None:
        del block["schema"]
    for read in (RunRecord.from_json, Provenance.from_json, RunError.from_json):
        with pytest.raises(RecordError) as err:
            read(block)
        assert words in str(err.value) and f"reads run record schema {SCHEMA}" in str(err.value)
        assert err.value.kind == "record_schema"


def test_a_missing_or_unknown_field_is_refused_not_defaulted():
    block = full_record().to_json()
    del block["tasks"]["bbh"]["normalized"]
    with pytest.raises(RecordError, match="task score 'bbh'.*normalized"):
        RunRecord.from_json(block)
    block = full_record().to_json()
    block["run"]["threads"] = 4
    with pytest.raises(RecordError, match="run.*threads"):
        RunRecord.from_json(block)
    with pytest.raises(RecordError, match="not a JSON object"):
        TaskScore.from_json(["not", "a", "score"])


def test_a_base_check_joins_the_provenance():
    plain = record([score("arc", "ARC", 0.5, 50.0)], 50.0)
    check = BaseCheck(status="ok", declared_base="org/base", reason="derived", log10_p=-9.0)
    assert plain.with_base_check(None) is plain
    assert plain.with_base_check(check).provenance.base_check == check
    assert RunRecord.from_json(plain.with_base_check(check).to_json()).provenance.base_check.log10_p == -9.0
