"""The runner's hook for `podium eval --contamination`: sample a task's questions, ask the model
already loaded for the run, and score the answers (`podium.eval.contamination`).

The questions are the task's own prompts (`doc_to_text`, the question without its answer),
read from lm-eval's task objects while the run's data is served, so they are exactly what
the evaluation asked. A group (MMLU, BBH) pools its subtasks' items before sampling.
Without a chat template: this measures what the model knows of the text itself.
"""

from __future__ import annotations

from podium.eval import contamination as rules
from podium.record import ContaminationSignal


def _text(task, doc) -> str:
    """The question as the model reads it; a partial-evaluation task (WinoGrande) names one of its
    choices instead, so its text is the correct choice followed by the shared continuation."""
    text = task.doc_to_text(doc)
    if isinstance(text, int):
        text = task.doc_to_choice(doc)[text] + task.config.target_delimiter + str(task.doc_to_target(doc))
    return str(text)


def _reference(task) -> tuple[str | None, list]:
    """A split of the same task other than the evaluated one: train, then few-shot (dev), then validation."""
    cfg = task.config
    evaluated = cfg.test_split if task.has_test_docs() else cfg.validation_split
    options = [(cfg.training_split, task.training_docs if task.has_training_docs() else None),
               (cfg.fewshot_split, task.fewshot_docs),
               (cfg.validation_split, task.validation_docs if task.has_validation_docs() else None)]
    for split, docs in options:
        if split and docs is not None and split != evaluated:
            return split, list(docs())
    return None, []


def questions(lm_eval_task: str, manager) -> tuple[list[str], list[str], str | None]:
    """Sampled test questions, sampled reference questions and the reference's split name(s)."""
    test, reference, splits = [], [], set()
    for task in manager.load([lm_eval_task])["tasks"].values():  # a group's leaf tasks
        test += [_text(task, doc) for doc in task.eval_docs]
        split, docs = _reference(task)
        if split:
            splits.add(split)
            reference += [_text(task, doc) for doc in docs]
    return _pick(test, rules.TEST_ITEMS), _pick(reference, rules.REFERENCE_ITEMS), "/".join(sorted(splits)) or None


def _pick(items: list[str], k: int) -> list[str]:
    return [items[i] for i in rules.sample(len(items), k)]


def measure(lm, test: list[str], reference: list[str], reference_split: str | None) -> ContaminationSignal:
    """Ask `lm` (an lm-eval model) for the likelihoods and greedy continuations, and score them."""
    from lm_eval.api.instance import Instance

    texts = test + reference
    rolling = [Instance("loglikelihood_rolling", {}, (t,), i) for i, t in enumerate(texts)]
    lls = [rules.per_byte(ll, t) for ll, t in zip(lm.loglikelihood_rolling(rolling, disable_tqdm=True), texts,
                                                   strict=True)]
    cut = [h for h in map(rules.halves, test) if h is not None]
    until = {"until": ["\n\n"], "max_gen_toks": rules.GEN_TOKENS, "do_sample": False, "temperature": 0.0}
    prompts = [Instance("generate_until", {}, (context, dict(until)), i) for i, (context, _) in enumerate(cut)]
    outs = lm.generate_until(prompts, disable_tqdm=True) if prompts else []
    matches = [rules.reproduces(out, rest) for out, (_, rest) in zip(outs, cut, strict=True)]
    return rules.score(lls[: len(test)], lls[len(test):], reference_split, matches)


def check(lm, lm_eval_task: str, manager) -> ContaminationSignal | None:
    """The task's signal (None when it has no test questions to sample)."""
    test, reference, split = questions(lm_eval_task, manager)
    return measure(lm, test, reference, split) if test else None
