"""Built-in offline sources, one module per benchmark family. Importing registers them."""

from podium.eval.data.sources import (  # noqa: F401
    arc,
    bbh,
    gpqa,
    gsm8k,
    hellaswag,
    hendrycks_math,
    ifeval,
    kmmlu,
    korean,
    mmlu,
    mmlu_pro,
    musr,
    truthfulqa,
    winogrande,
)
