"""The tracing kind and its `trace` suite: two columns per model, computed by `podium.tracing`.

Perplexity on the fixed passage, and the combined p-value of the robust neuron-matching test
against the board's base model (GPT-2 on the public board; `--trace-base`,
`PODIUM_TRACE_BASE` or the worker's `trace_base` setting choose another). A model the test
cannot compare with the base (another tokenizer or architecture family) still gets its
perplexity; its match column says why it has no p-value. Neither column enters an average;
the results are shown on the tracing board, which reads the trace record the run keeps whole
(`Provenance.kind_detail`, the same fields as `podium trace --json`).
"""

from __future__ import annotations

from pathlib import Path

from podium.eval.kinds import KindOutput, KindRun, SuiteKind
from podium.eval.spec import SuiteSpec, TaskSpec


def trace_base(explicit: str | None = None, configured: str | None = None) -> str:
    """The base of the match test: `--trace-base`, the platform's setting, PODIUM_TRACE_BASE, GPT-2."""
    from podium.settings import trace_base as resolve_base

    return resolve_base(explicit, configured)


def data_files(data: Path | None) -> dict[str, str]:
    """sha256 of the data files a trace reads (the passage and the tracing corpus)."""
    from podium.eval.data.registry import sha256_file
    from podium.tracing.inputs import CORPUS_FILES
    from podium.tracing.perplexity import PASSAGE_REL

    if data is None:
        return {}
    return {rel: sha256_file(data / rel) for rel in (PASSAGE_REL, *CORPUS_FILES) if (data / rel).is_file()}


def task_scores(suite: SuiteSpec, record: dict) -> dict:
    """The two columns of a trace record: perplexity (lower is better) and the match log10 p."""
    from podium.record import TaskScore

    spec = {t.key: t for t in suite.tasks}
    error = record.get("error") or {}

    def column(key: str, raw, n_samples: int, why: dict) -> TaskScore:
        ok = raw is not None
        return TaskScore(key=key, title=spec[key].title, metric=spec[key].metrics[0], raw=raw, normalized=None,
                         stderr=None, n_samples=n_samples, lower_bound=0.0, status="ok" if ok else "unavailable",
                         error=None if ok else why.get("message"), error_kind=None if ok else why.get("kind"),
                         in_average=False)

    return {
        "perplexity": column("perplexity", record.get("perplexity"),
                             (record.get("perplexity_detail") or {}).get("tokens_scored", 0), {}),
        "match": column("match", record.get("log10_p"), len(record.get("per_layer") or []), error),
    }


class TracingKind(SuiteKind):
    name = "trace"
    board_path = "/tracing"
    base_check_skip = "tracing suite: the match test is the result itself"

    def select(self, suite, names):
        return suite.tasks  # both columns, always: one trace computes them together

    def run(self, job: KindRun) -> KindOutput:
        from podium.engine.hardware import describe
        from podium.eval.progress import Progress
        from podium.tracing.api import leaderboard_record
        from podium.tracing.inputs import TRACE_CORPUS

        ref = job.ref
        progress = Progress(job.output / "progress.json", task_count=1)
        progress.update(task_index=0, task=job.suite.name)
        base = trace_base(job.request.trace_base)
        record = leaderboard_record(ref.load_path, base, data_dir=job.data, dtype=job.request.dtype,
                                    model_revision=ref.revision if ref.source == "hub" else None)
        progress.update(task_index=1)
        detail = {k: v for k, v in record.items() if k != "model"}  # the model is the record's own identity
        return KindOutput(tasks=task_scores(job.suite, record), data_files=data_files(job.data),
                          timings=dict(record.get("timings") or {}), kind_detail={**detail, "corpus": TRACE_CORPUS},
                          hardware=describe(None, job.run_device, job.request.batch_size) if job.run_device else None)

    def eval_args(self, settings) -> list[str]:
        return ["--trace-base", trace_base(configured=settings.trace_base)]

    def reproduce_args(self, provenance) -> list[str]:
        base = (provenance.kind_detail or {}).get("base")
        return ["--trace-base", base] if base else []

    def provenance_note(self, provenance) -> str | None:
        detail = provenance.kind_detail or {}
        return f"Traced against {detail.get('base')} ({detail.get('corpus')})." if detail.get("base") else None

    def public_detail(self, provenance):
        """The base, the corpus, versions and timings (the per-layer statistics and the input
        description, which names the server's data folder, stay in results.json)."""
        detail = provenance.kind_detail or {}
        return {k: detail.get(k) for k in ("base", "corpus", "test", "versions", "runtime_s", "timings", "peak_rss_mb")}

    def average_note(self, record) -> str | None:
        return f"tracing suite, no average; match test against {(record.provenance.kind_detail or {}).get('base')}"


TRACING = TracingKind()

TRACE = SuiteSpec(
    name="trace",
    title="Model tracing",
    kind=TRACING,
    about="Perplexity on the fixed passage and the p-value that the model derives from the board's base model "
    "(neuron matching, podium.tracing). Lower perplexity is better; a low p-value means derived from the base.",
    tasks=(
        TaskSpec("perplexity", "Perplexity (passage)", "podium-trace", None, ("perplexity",), in_average=False,
                 about="exp(mean NLL) over perplexity/passage.txt, strided windows; bits per byte alongside."),
        TaskSpec("match", "Match p-value vs base", "podium-trace", None, ("log10_p",), in_average=False,
                 about="Combined (Fisher) log10 p of the robust neuron-matching test against the configured base."),
    ),
)
