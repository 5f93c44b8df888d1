"""A suite version changes with a task's data files, prompt or metric, and with nothing else."""

from __future__ import annotations

import copy

from podium.eval.suites import OPENLLM_V1, OPENLLM_V2
from podium.eval.versions import suite_version

CONFIG = {"task": "arc_challenge", "doc_to_text": "Question: {{question}}\nAnswer:", "num_fewshot": 25,
          "metric_list": [{"metric": "acc_norm", "aggregation": "mean", "higher_is_better": True}],
          "process_results": "<function process_results at 0x7f3a2c1d0e50>",
          "metadata": {"version": 1.0, "config_source": "/site-packages/lm_eval/tasks/arc/arc_challenge.yaml"}}
FILES = {"arc_challenge/test.jsonl": "1" * 64, "arc_challenge/train.jsonl": "2" * 64}


def version(config=CONFIG, files=FILES, definition=OPENLLM_V1.version, release="0.4.13") -> str:
    return suite_version(definition, {"configs": {"arc_challenge": config}, "versions": {"arc_challenge": 1.0}},
                         files, release)


def changed(**edits) -> dict:
    config = copy.deepcopy(CONFIG)
    for key, value in edits.items():
        config[key] = value
    return config


def test_the_same_definition_data_and_configs_give_the_same_version_on_any_machine():
    elsewhere = changed(metadata={"version": 1.0, "config_source": "/other/venv/arc_challenge.yaml"},
                        process_results="<function process_results at 0x55d0c0ffee00>")
    assert version() == version(elsewhere) == version(files=dict(reversed(FILES.items())))
    assert len(version()) == 12


def test_a_changed_data_file_prompt_metric_or_definition_makes_a_new_version():
    variants = [
        version(files={**FILES, "arc_challenge/test.jsonl": "3" * 64}),  # a data file's content
        version(files={"arc_challenge/test.jsonl": "1" * 64}),  # a file no longer read
        version(changed(doc_to_text="Q: {{question}}\nA:")),  # the prompt
        version(changed(metric_list=[{"metric": "acc", "aggregation": "mean", "higher_is_better": True}])),
        version(changed(metadata={"version": 2.0})),  # lm-eval's own task version
        version(definition=OPENLLM_V2.version),  # the suite's columns
        version(release="0.4.14"),  # lm-eval's metric code
    ]
    assert len({version(), *variants}) == len(variants) + 1
