"""Run records for tests that store a result without running an evaluation."""

from __future__ import annotations

from podium.record import DataProvenance, ModelIdentity, Provenance, RunRecord, RunSettings, TaskScore


def score(key: str, title: str, raw: float | None, normalized: float | None, **extra) -> TaskScore:
    return TaskScore(key=key, title=title, metric="acc,none", raw=raw, normalized=normalized,
                     stderr=extra.pop("stderr", None), n_samples=extra.pop("n_samples", 10),
                     lower_bound=extra.pop("lower_bound", 0.0), **extra)


def provenance(model: str = "org/model", **extra) -> Provenance:
    return Provenance(
        model=ModelIdentity(id=model, path=f"/models/{model}", source="mirror", revision=None, content_hash="0" * 64,
                            architecture="GPT2LMHeadModel", model_type="gpt2", has_chat_template=False,
                            vocab_size=256, dtype="float32", chat_template=False),
        run=RunSettings(backend="podium", device="cpu", dtype="float32", batch_size=1, limit=None, gen_kwargs=None,
                        seeds={"random_seed": 0}, command_line="podium eval", started_at="2024-01-01T00:00:00+00:00",
                        finished_at="2024-01-01T00:01:00+00:00", wall_seconds=60.0),
        versions={"podium": "0.1.0"}, data=DataProvenance(mode="offline", dir=None, files={}, differences={}),
        **extra)


def record(tasks: list[TaskScore], average: float | None, complete: bool = True, *, suite: str = "openllm-v1",
           version: str = "test", **provenance_extra) -> RunRecord:
    return RunRecord(kind="lm-eval", suite=suite, suite_title=suite, suite_version=version,
                     tasks={t.key: t for t in tasks}, average=average, average_complete=complete,
                     provenance=provenance(**provenance_extra))
