"""The leaderboard suites, each declared once.

A suite is a list of `TaskSpec`s (`podium.eval.spec`): which lm-eval task (or group) runs,
with how many few-shot examples, which metric the leaderboard reads, how subtasks aggregate
and the random-baseline lower bound used to normalize. Everything the runner, the store and
the web board show about a suite comes from here. `SUITES` is the one registration of every
suite, the lm-eval suites declared below and those other kinds of suite declare in their
own module (`podium.eval.kinds`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from podium.errors import UsageError
from podium.eval.kinds.tracing import TRACE
from podium.eval.spec import SuiteSpec, TaskSpec


def _bounds(prefix: str, choices: dict[str, int]) -> Mapping[str, float]:
    return MappingProxyType({prefix + name: 1.0 / n for name, n in choices.items()})


# Number of answer choices per BBH subtask (the v2 leaderboard's normalization table).
BBH_CHOICES = {
    **dict.fromkeys(
        ["sports_understanding", "navigate", "snarks", "web_of_lies", "hyperbaton",
         "causal_judgement", "formal_fallacies", "boolean_expressions"], 2),
    **dict.fromkeys(
        ["tracking_shuffled_objects_three_objects", "disambiguation_qa", "logical_deduction_three_objects"], 3),
    "temporal_sequences": 4,
    **dict.fromkeys(
        ["logical_deduction_five_objects", "penguins_in_a_table", "tracking_shuffled_objects_five_objects"], 5),
    **dict.fromkeys(
        ["date_understanding", "movie_recommendation", "salient_translation_error_detection", "ruin_names"], 6),
    **dict.fromkeys(["logical_deduction_seven_objects", "tracking_shuffled_objects_seven_objects"], 7),
    "geometric_shapes": 11,
    "reasoning_about_colored_objects": 18,
    "object_counting": 19,
}
MUSR_CHOICES = {"murder_mysteries": 2, "object_placements": 5, "team_allocation": 3}


OPENLLM_V1 = SuiteSpec(
    name="openllm-v1",
    title="Open LLM Leaderboard v1",
    archived=True,
    about="The 2023-2024 Open LLM Leaderboard: six tasks, scores are raw accuracy x 100, average is the plain mean.",
    tasks=(
        TaskSpec("arc_challenge", "ARC (25-shot)", "arc_challenge", 25, ("acc_norm,none",), aliases=("arc",),
                 about="Grade-school science questions, challenge set; length-normalized choice likelihood."),
        TaskSpec("hellaswag", "HellaSwag (10-shot)", "hellaswag", 10, ("acc_norm,none",),
                 about="Commonsense sentence completion; length-normalized choice likelihood."),
        TaskSpec("mmlu", "MMLU (5-shot)", "mmlu", 5, ("acc,none",), aggregate="subtask_mean",
                 about="57 subjects; the leaderboard's score is the unweighted mean over subjects."),
        TaskSpec("truthfulqa_mc2", "TruthfulQA (0-shot, mc2)", "truthfulqa_mc2", 0, ("acc,none",),
                 aliases=("truthfulqa",), about="Probability mass on true answers (mc2)."),
        TaskSpec("winogrande", "Winogrande (5-shot)", "winogrande", 5, ("acc,none",),
                 about="Pronoun resolution by partial-sentence likelihood."),
        TaskSpec("gsm8k", "GSM8K (5-shot)", "gsm8k", 5, ("exact_match,strict-match",),
                 about="Grade-school math, greedy generation, strict '#### N' answer extraction."),
    ),
)

OPENLLM_V2 = SuiteSpec(
    name="openllm-v2",
    title="Open LLM Leaderboard v2",
    about="Six harder tasks; each score is rescaled so random guessing is 0 and perfect is 100.",
    tasks=(
        TaskSpec("ifeval", "IFEval", "leaderboard_ifeval", None,
                 ("prompt_level_strict_acc,none", "inst_level_strict_acc,none"), aliases=("leaderboard_ifeval",),
                 about="Verifiable instruction following: mean of prompt-level and instruction-level strict accuracy."),
        TaskSpec("bbh", "BBH (3-shot)", "leaderboard_bbh", None, ("acc_norm,none",), aggregate="subtask_mean",
                 subtask_lower_bounds=_bounds("leaderboard_bbh_", BBH_CHOICES), aliases=("leaderboard_bbh",),
                 about="24 BIG-Bench-Hard subtasks, each normalized by its own number of choices, then averaged."),
        TaskSpec("math_hard", "MATH Lvl 5 (4-shot)", "leaderboard_math_hard", None, ("exact_match,none",),
                 aliases=("math", "leaderboard_math_hard"),
                 about="Competition math, level 5 only, greedy generation with answer checking."),
        TaskSpec("gpqa", "GPQA (0-shot)", "leaderboard_gpqa", None, ("acc_norm,none",), lower_bound=0.25,
                 aliases=("leaderboard_gpqa",), visibility="gated", shared_context="Question",
                 about="Graduate-level science questions, 4 choices. Gated: its authors ask that the questions "
                       "never be published, so only operators see its samples."),
        TaskSpec("musr", "MuSR (0-shot)", "leaderboard_musr", None, ("acc_norm,none",), aggregate="subtask_mean",
                 subtask_lower_bounds=_bounds("leaderboard_musr_", MUSR_CHOICES), aliases=("leaderboard_musr",),
                 shared_context="narrative",
                 about="Multistep soft reasoning over long narratives, three domains."),
        TaskSpec("mmlu_pro", "MMLU-Pro (5-shot)", "leaderboard_mmlu_pro", None, ("acc,none",), lower_bound=0.1,
                 aliases=("leaderboard_mmlu_pro",), about="Harder MMLU with 10 choices."),
    ),
)

KO_H5 = SuiteSpec(
    name="ko-h5",
    title="Open Ko-LLM Leaderboard (Ko-H5)",
    about="Korean tasks; Ko-ARC, Ko-HellaSwag, Ko-MMLU and Ko-TruthfulQA are private test sets "
          "supplied by the operator.",
    tasks=(
        TaskSpec("ko_arc_challenge", "Ko-ARC (25-shot)", "ko_arc_challenge", 25, ("acc_norm,none",),
                 visibility="private"),
        TaskSpec("ko_hellaswag", "Ko-HellaSwag (10-shot)", "ko_hellaswag", 10, ("acc_norm,none",),
                 visibility="private"),
        TaskSpec("ko_mmlu", "Ko-MMLU (5-shot)", "ko_mmlu", 5, ("acc,none",), aggregate="subtask_mean",
                 visibility="private"),
        TaskSpec("ko_truthfulqa_mc2", "Ko-TruthfulQA (0-shot, mc2)", "ko_truthfulqa_mc2", 0, ("acc,none",),
                 visibility="private"),
        TaskSpec("ko_commongen_v2", "Ko-CommonGen v2", "ko_commongen_v2", None, ("acc_norm,none",)),
        TaskSpec("kmmlu", "KMMLU (5-shot, optional)", "kmmlu", 5, ("acc,none",), in_average=False,
                 about="Optional: shown beside the board, not part of the Ko-H5 average."),
    ),
)

MMLU_VARIANTS = SuiteSpec(
    name="mmlu-variants",
    title="MMLU implementations compared",
    about="The same MMLU data scored three ways; the differences are the implementations', not the models'. "
          "Each implementation ranks the models on its own; no average mixes them.",
    tasks=(
        TaskSpec("mmlu_original", "Original (letter likelihood)", "mmlu", 5, ("acc,none",), aggregate="subtask_mean",
                 in_average=False, about="Hendrycks et al.'s prompt; the likelihood of the answer letters A-D."),
        TaskSpec("mmlu_helm", "HELM (greedy letter)", "mmlu_helm", 5, ("exact_match,letter",),
                 aggregate="subtask_mean", in_average=False,
                 about="HELM's prompt; greedy generation, the first standalone letter must be the answer."),
        TaskSpec("mmlu_harness2023", "Harness Jan-2023 (full answer)", "mmlu_harness2023", 5, ("acc,none",),
                 aggregate="subtask_mean", in_average=False,
                 about="lm-eval of January 2023; the likelihood of each full answer text."),
        TaskSpec("mmlu_harness2023_norm", "Harness Jan-2023 (length-normalized)", "mmlu_harness2023", 5,
                 ("acc_norm,none",), aggregate="subtask_mean", in_average=False,
                 about="The same run as the Jan-2023 harness, its length-normalized accuracy; shown, not ranked."),
    ),
    compared=("mmlu_original", "mmlu_helm", "mmlu_harness2023"),
)

SUITES: dict[str, SuiteSpec] = {s.name: s for s in (OPENLLM_V2, OPENLLM_V1, KO_H5, MMLU_VARIANTS, TRACE)}
DEFAULT_SUITE = OPENLLM_V2.name


def get_suite(name: str) -> SuiteSpec:
    try:
        return SUITES[name]
    except KeyError:
        raise UsageError(f"Unknown suite '{name[:60]}': there is no suite of that name.",
                         hint=f"Choose among: {', '.join(SUITES)}.") from None
