"""The dtypes a model runs in, and the precisions a submission may declare.

A precision is a dtype (the evaluator loads the weights in it) or a quantization scheme
(the weights say how they are stored; the evaluator passes no dtype). Import-free, so the
CLI can build its parser quickly.
"""

from __future__ import annotations

DTYPES = ("float32", "float16", "bfloat16")
QUANTIZED = ("8bit", "4bit", "gptq")
PRECISIONS = (*DTYPES, *QUANTIZED)


QUANTIZED_COMPUTE_DTYPE = "float16"
"""The compute dtype of quantized runs (bitsandbytes and GPTQ kernels)."""


def dtype_for(precision: str) -> str | None:
    """The `--dtype` an evaluation of a model submitted in `precision` runs with (None: the weights decide)."""
    return precision if precision in DTYPES else None
