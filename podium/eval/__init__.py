"""Evaluation core: suites, offline data, scoring rules and the `podium eval` runner.

  suites    the suites and `get_suite`, the one suite check
  runner    `run_evaluation(EvalRequest)`: results.json and details/
  command   `EvalCommand`: the `podium eval` command line the worker runs and entry pages reproduce
Models are resolved and checked by `podium.modelref`.
"""
