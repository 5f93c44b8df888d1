"""A tiny synthetic data folder, so the offline pipeline runs where the real one is absent.

Every registered source writes its own made-up records in the real folder's layout and
formats; the result is a drop-in `--data-dir` for tests and demos, byte-identical on
every run. Its scores mean nothing.

The records are few but enough for every suite in `podium.eval.suites` to run to completion
with its own few-shot counts: each few-shot pool holds at least the shots drawn from it (one
more where lm-eval draws from the evaluated split's pool), and every subject or subtask of a
group (MMLU's 57, KMMLU's 45, BBH's 24, MATH's 7) is present. Records come from a few fixed
templates, without randomness; the folder is about 200 KB and written in well under a second.
"""

from __future__ import annotations

from pathlib import Path

from podium.eval.data.registry import registered_sources

_README = """\
# Synthetic benchmark data (test fixture)

Every record in this folder is made up. It was written by
`podium.eval.data.fixtures.write_fixture_data` in the layout of the real data folder
(see DATA.md), with just enough records per benchmark for every suite's few-shot counts
and subtasks, so that the offline pipeline can run end to end without the real data.
Scores computed on it mean nothing.

Benchmarks: {names}; and a made-up perplexity/passage.txt for the tracing suite.
"""

_PASSAGE = (
    "The lighthouse keeper wrote the weather in his log every morning: wind from the west, a grey sea,\n"
    "three fishing boats leaving the harbour before seven. Nothing in this fixture passage is real; it\n"
    "only stands in for the tracing board's fixed passage so that perplexity can be computed offline.\n"
)


def write_fixture_data(target: Path) -> Path:
    """Write every registered source's synthetic files (and a README) under `target`; return it."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    sources = sorted(registered_sources().values(), key=lambda s: s.hub_path)
    with_fixture = [s for s in sources if s.fixture is not None]
    for source in with_fixture:
        source.fixture(target)
    passage = target / "perplexity" / "passage.txt"  # the tracing suite's perplexity passage
    passage.parent.mkdir(parents=True, exist_ok=True)
    passage.write_text(_PASSAGE, encoding="utf-8")
    (target / "README.md").write_text(
        _README.format(names=", ".join(s.hub_path for s in with_fixture)), encoding="utf-8"
    )
    return target
