#!/usr/bin/env bash
# GPU check (issue 12): podium vs lm-eval's hf on one GPU, GPT-2-small and ~1B Llama shapes, bfloat16,
# a v1 and a v2 subset; under 6 minutes on one GPU. `--smoke`: tiny shapes on the CPU.
# Extra flags go to benchmarks/gpu_check.py (--json FILE, --data DIR, --dtype, --scale).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python )}"
exec "$PYTHON" benchmarks/gpu_check.py "$@"
