"""The engine benchmark's suites: which lm-eval tasks it measures, at which limits, on which model.

v1 runs on a GPT-2-small-shaped model (its prompts fit 1,024 positions). v2's prompts do not:
MuSR's prompts run to 1,546 tokens with its tokenizer and MATH Lvl 5 reserves 1,024 new tokens, so v2
uses a small Llama with 4,096 positions (Llama tokenizers prepend BOS, the other lm-eval path).
"""

from __future__ import annotations

from dataclasses import dataclass

from workshop.toys import ToySpec


@dataclass(frozen=True)
class Suite:
    tasks: tuple
    """(lm-eval task or group, few-shot or None for the task config's own, limit per (sub)task at scale 1, kind)"""
    spec: ToySpec
    model_dir: str
    model: str
    absent: tuple = ()
    """Tasks of the suite that cannot run offline, with why."""


SUITES = {
    "openllm-v1": Suite(
        tasks=(
            ("arc_challenge", 25, 12, "ll"),
            ("hellaswag", 10, 16, "ll"),
            ("mmlu", 5, 2, "ll"),
            ("truthfulqa_mc2", 0, 40, "ll"),
            ("winogrande", 5, 100, "ll"),
            ("gsm8k", 5, 24, "gen"),
        ),
        spec=ToySpec.gpt2_small(),
        model_dir="gpt2-small-16k",
        model="GPT-2 small shape (12 layers, 768 wide, 1024 positions), random init, 16k BPE",
    ),
    "openllm-v2": Suite(
        tasks=(
            ("leaderboard_bbh", None, 1, "ll"),  # 24 subtasks, 3-shot from the task config
            ("leaderboard_mmlu_pro", None, 10, "ll"),  # 5-shot, 10 choices
            ("leaderboard_musr", None, 5, "ll"),  # 3 subtasks, 0-shot, 5 docs each (the data folder has 5-10)
            ("leaderboard_math_hard", None, 1, "gen"),  # 7 subtasks, 4 fixed shots shared by every problem
            ("leaderboard_ifeval", None, 3, "gen"),
        ),
        spec=ToySpec("llama", layers=4, width=256, heads=4, context=4096, vocab=16384, broad_corpus=True),
        model_dir="llama-4x256-4k-16k",
        model="Llama shape (4 layers, 256 wide, 4 heads, 2 KV heads, 4096 positions), random init, 16k BPE",
        absent=("leaderboard_gpqa: gated by its authors, not in the data folder",),
    ),
    # Issue 14's whole-process workload: BBH at 2 documents per subtask, MMLU-Pro at 40 questions, MuSR at 3
    # stories per subtask, on the model the issue measured it with (`whole_process.py`).
    "openllm-v2-whole": Suite(
        tasks=(
            ("leaderboard_bbh", None, 2, "ll"),
            ("leaderboard_mmlu_pro", None, 40, "ll"),
            ("leaderboard_musr", None, 3, "ll"),
        ),
        spec=ToySpec("llama", layers=12, width=768, heads=12, context=4096, vocab=3072, broad_corpus=True),
        model_dir="llama-12x768-4k-3k",
        model="Llama shape (12 layers, 768 wide, 12 heads, 6 KV heads, 4096 positions), random init, 3k BPE",
    ),
}
