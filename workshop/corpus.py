"""Local text for toy tokenizers and toy training, read from the benchmark data folder, with
built-in fallbacks so that every build runs offline and deterministically without one."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path


def corpus_lines(data_dir: Path | None, limit: int = 7473, broad: bool = False) -> list[str]:
    """Tokenizer text of the random-init toys: GSM8K train questions and answers (first `limit`
    rows); with `broad`, also ARC-Challenge train, WinoGrande train and MMLU dev, so that the
    engine benchmark's tokenizer splits general English text about as finely as a real
    16k-vocabulary tokenizer would."""
    lines: list[str] = []
    if data_dir is not None:
        d = Path(data_dir)
        p = d / "gsm8k" / "train.jsonl"
        if p.exists():
            with open(p, encoding="utf-8") as f:
                for i, line in enumerate(f):
                    if i >= limit:
                        break
                    row = json.loads(line)
                    lines += [row["question"], row["answer"]]
        if broad:
            lines += _broad_lines(d)
    if not lines:
        words = (
            "the a model answer question choice because which what is of to and in that it for on with "
            "how many more than less each she he they sold bought has had apples dollars minutes total"
        ).split()
        lines = [" ".join(words[(i * 7 + j * 3) % len(words)] for j in range(14)) + f" {i}." for i in range(3000)]
        lines += [f"Question: {a} + {b} = ?\nAnswer: {a + b}" for a in range(40) for b in range(20)]
    return lines


def _broad_lines(d: Path) -> list[str]:
    lines: list[str] = []
    arc = d / "arc_challenge" / "train_filtered_1056.jsonl"
    if arc.exists():
        for line in arc.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            lines += [row["question"], *row["choices"]["text"]]
    wino = d / "winogrande" / "train_l.jsonl"
    if wino.exists():
        for line in wino.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            lines.append(row["sentence"].replace("_", row["option1"]))
    for csv_path in sorted((d / "mmlu" / "dev").glob("*.csv")) if (d / "mmlu" / "dev").is_dir() else []:
        with open(csv_path, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                lines += [row["question"], *(row.get(f"choice{k}", "") for k in range(4))]
    return [x for x in lines if x]


def training_texts(kind: str, data: Path | None, limit: int | None = None) -> list[str]:
    """Training text of the trained toys. 'gsm8k': GSM8K train question + answer; 'mmlu': MMLU
    questions with their choices (a different distribution, used for fine-tuning)."""
    texts: list[str] = []
    if data is not None and kind == "gsm8k" and (data / "gsm8k/train.jsonl").exists():
        with open(data / "gsm8k/train.jsonl", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                texts.append(row["question"].strip() + "\n" + row["answer"].strip())
    elif data is not None and kind == "mmlu" and (data / "mmlu/test").is_dir():
        for p in sorted((data / "mmlu/test").glob("*.csv")):
            with open(p, encoding="utf-8", newline="") as f:
                for row in csv.DictReader(f):
                    texts.append(row["question"].strip() + " " + " ".join(row.get(f"choice{k}", "") for k in range(4)))
    if not texts:  # built-in fallback: deterministic pseudo-English with arithmetic
        rng = random.Random(0 if kind == "gsm8k" else 1)
        words = ("the a model answer question because which what is of to and in that it for on with has "
                 "apples books total each more less than how many she he they bought sold left").split()
        for i in range(6000):
            a, b = rng.randint(1, 99), rng.randint(1, 99)
            texts.append(" ".join(rng.choice(words) for _ in range(rng.randint(8, 20))) + f" {a} + {b} = {a + b}."
                         if kind == "gsm8k" else f"Question {i}: " + " ".join(rng.choice(words) for _ in range(15)))
    return texts[:limit] if limit else texts
