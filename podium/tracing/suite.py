"""The `trace` suite: what `podium eval --suite trace` computes for the store and the tracing board.

Two columns per model: its perplexity on the fixed passage, and the combined p-value of the
robust neuron-matching test against the board's base model (GPT-2 on the public board;
`--trace-base`, `PODIUM_TRACE_BASE` or the worker's `trace_base` setting choose another).
A model the test cannot compare with the base (another tokenizer or architecture family)
still gets its perplexity; its match column says why it has no p-value.
"""

from __future__ import annotations

from pathlib import Path

from podium.eval.data.registry import sha256_file
from podium.eval.suites import SuiteSpec
from podium.settings import trace_base
from podium.tracing.inputs import TRACE_CORPUS

CORPUS_FILES = ("gsm8k/test.jsonl", "arc_challenge/test.jsonl")
PASSAGE_FILE = "perplexity/passage.txt"


def data_files(data: Path | None) -> dict[str, str]:
    """sha256 of the data files a trace reads (the passage and the tracing corpus)."""
    if data is None:
        return {}
    return {rel: sha256_file(data / rel) for rel in (PASSAGE_FILE, *CORPUS_FILES) if (data / rel).is_file()}


def task_scores(suite: SuiteSpec, record: dict) -> dict[str, dict]:
    """A `leaderboard_record` as the store's task entries (same keys as lm-eval task scores,
    plus what the tracing board shows). Neither column enters an average."""
    spec = {t.key: t for t in suite.tasks}
    detail = record.get("perplexity_detail") or {}
    error = record.get("error") or {}

    def entry(key: str, metric: str, raw, **extra) -> dict:
        ok = raw is not None
        return {"key": key, "title": spec[key].title, "metric": metric, "raw": raw, "normalized": None,
                "stderr": None, "n_samples": extra.pop("n_samples", 0), "lower_bound": 0.0,
                "status": "ok" if ok else "unavailable", "error": None if ok else extra.pop("why", None),
                "error_kind": None if ok else extra.pop("why_kind", None), "private": False, "in_average": False,
                "subtasks": {}, **extra}

    return {
        "perplexity": entry("perplexity", "perplexity", record.get("perplexity"),
                            n_samples=detail.get("tokens_scored", 0), bits_per_byte=record.get("bits_per_byte"),
                            higher_is_better=False, protocol=detail.get("protocol")),
        "match": entry("match", "log10_p", record.get("log10_p"), n_samples=len(record.get("per_layer") or []),
                       p_value=record.get("p_value"), test=record.get("test"), base=record.get("base"),
                       why=error.get("message"), why_kind=error.get("kind"), higher_is_better=False,
                       per_layer=record.get("per_layer"), tokens=record.get("n_tokens"), inputs=record.get("inputs")),
    }


def evaluate_trace_suite(suite: SuiteSpec, model_path: str, *, base: str | None, data: Path | None,
                         dtype: str, revision: str | None = None) -> tuple[dict, dict]:
    """(task entries, extra provenance) for one model; raises PodiumError for a base or model
    that cannot be loaded or a missing passage (the job then fails with that message)."""
    from podium.tracing.api import leaderboard_record

    chosen = trace_base(base)
    record = leaderboard_record(model_path, chosen, data_dir=data, dtype=dtype, model_revision=revision)
    extra = {"trace": {"base": chosen, "versions": record.get("versions"), "runtime_s": record.get("runtime_s"),
                       "timings": record.get("timings"), "peak_rss_mb": record.get("peak_rss_mb"),
                       "corpus": TRACE_CORPUS}}
    return task_scores(suite, record), extra
