"""Per-sample details: what the model saw, answered and scored, one parquet file per task.

Columns are flat and typed so the web sample browser can filter them without lm-eval:
the prompt, the choices (or the generation), the target, per-choice log-likelihoods and
the metric values of each document.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from lm_eval.utils import handle_non_serializable


def _json(value) -> str:
    return json.dumps(value, default=handle_non_serializable, ensure_ascii=False)


def sample_row(sample: dict) -> dict:
    """Flatten one lm-eval logged sample into a details row."""
    arguments = sample.get("arguments") or []
    resps = sample.get("resps") or []
    first_args = arguments[0] if arguments else ("", "")
    is_generation = len(first_args) > 1 and isinstance(first_args[1], dict)
    row = {
        "doc_id": int(sample["doc_id"]),
        "prompt": str(first_args[0]),
        "choices": [] if is_generation else [str(a[1]) for a in arguments],
        "target": str(sample.get("target")),
        "loglikelihoods": [] if is_generation else [float(r[0][0]) for r in resps],
        "is_greedy": [] if is_generation else [bool(r[0][1]) for r in resps],
        "generation": str(resps[0][0]) if is_generation and resps and resps[0] else None,
        "filtered": _json(sample.get("filtered_resps")),
        "metrics": _json({m: sample.get(m) for m in sample.get("metrics", [])}),
        "filter": sample.get("filter"),
        "doc": _json(sample.get("doc")),
        "doc_hash": sample.get("doc_hash"),
        "prompt_hash": sample.get("prompt_hash"),
    }
    return row


def write_details(samples: dict[str, list[dict]], folder: Path) -> dict[str, str]:
    """Write `folder/<task>.parquet` for every task; returns task -> relative file name.

    Files are written to a temporary name and renamed, so readers never see half a file.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for task, task_samples in samples.items():
        rows = [sample_row(s) for s in task_samples]
        table = pa.Table.from_pylist(rows) if rows else pa.table({"doc_id": pa.array([], pa.int64())})
        final = folder / f"{task}.parquet"
        tmp = final.with_suffix(".parquet.tmp")
        pq.write_table(table, tmp)
        os.replace(tmp, final)
        written[task] = final.name
    return written


def read_details(path: Path) -> list[dict]:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


OUTCOME_COLUMNS = ("doc_id", "filter", "metrics")


def read_outcomes(path: Path, with_doc: bool = False) -> list[dict]:
    """Only what scores a document (id, filter, metric values, and the document where its fields group
    questions): the prompts, a few kilobytes per row, are not read."""
    import pyarrow.parquet as pq

    present = set(pq.read_schema(path).names)
    wanted = [c for c in (*OUTCOME_COLUMNS, *(("doc",) if with_doc else ())) if c in present]
    return pq.read_table(path, columns=wanted).to_pylist()
