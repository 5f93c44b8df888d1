"""A comparison board for the `mmlu-variants` tests: six models whose order changes with the
implementation, as in Hugging Face's 2023 MMLU post (the numbers are made up in its spirit).

Entries are inserted by `workshop.synthetic.add_entries` and then given these names and scores.
"""

from __future__ import annotations

from podium.eval.suites import SUITES
from podium.platform.db import transaction
from podium.platform.models import Model, Result, Submission
from podium.record import tasks_to_json
from support.records import score
from workshop.synthetic import add_entries

SUITE = SUITES["mmlu-variants"]
KEYS = ("mmlu_original", "mmlu_helm", "mmlu_harness2023", "mmlu_harness2023_norm")
SCORES = {  # accuracy (0-100) per column of KEYS; None: that implementation has not run
    "meta-llama/llama-65b": (63.7, 63.0, 48.8, 45.1),
    "tiiuae/falcon-40b": (57.1, 58.9, 52.7, 50.0),
    "meta-llama/llama-30b": (58.3, 57.5, 45.7, 44.0),
    "tiiuae/falcon-7b": (26.9, 26.5, 31.2, 29.8),
    "meta-llama/llama-7b": (35.1, 35.7, 30.3, 28.9),
    "EleutherAI/gpt-neox-20b": (26.2, None, 27.4, 26.0),
}
RANKS = {  # what each implementation alone makes of SCORES: original, HELM, harness
    "meta-llama/llama-65b": (1, 1, 2),
    "tiiuae/falcon-40b": (3, 2, 1),
    "meta-llama/llama-30b": (2, 3, 3),
    "tiiuae/falcon-7b": (5, 5, 4),
    "meta-llama/llama-7b": (4, 4, 5),
    "EleutherAI/gpt-neox-20b": (6, None, 6),
}


def add_variants_board(factory) -> dict[str, int]:
    """The six models on the mmlu-variants board; returns repo id -> entry id."""
    titles = {t.key: t.title for t in SUITE.tasks}
    with transaction(factory) as session:
        entries = dict(zip(SCORES, add_entries(session, SUITE, len(SCORES), seed=7)))
        for repo, entry in entries.items():
            sub = session.get(Submission, entry)
            model = session.get(Model, sub.model_id)
            model.repo_id, model.org = repo, repo.split("/")[0]
            result = session.query(Result).filter_by(submission_id=entry).one()
            result.tasks = tasks_to_json({key: score(key, titles[key], value / 100, value, in_average=False)
                                          for key, value in zip(KEYS, SCORES[repo]) if value is not None})
    return entries
