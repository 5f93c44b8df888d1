"""Evaluation core: suites, offline data, scoring rules and the `podium eval` runner.

  spec       TaskSpec / SuiteSpec (a suite's columns, its kind, its version digest)
  suites     the suites, each declared once; `SUITES` registers every suite of every kind
  kinds/     kinds of suite: how a suite runs, which columns it yields, where they are shown
             (lm_eval: tasks through lm-eval; tracing: the `trace` suite, calls podium.tracing)
  runner     `podium eval`: resolve the model, let the suite's kind run, write the run record
  scoring    lm-eval's results -> the record's TaskScores (normalize: the arithmetic)
  details    per-sample parquet files, written and read in one place
  summary    the table `podium eval` prints
  contamination        the contamination signal's rules and thresholds (pure), and
  contamination_check  its runner hook (`--contamination`): sample a task's questions, ask the loaded model
  command    `EvalCommand`: the `podium eval` command line the worker runs and entry pages reproduce
  versions   a run's suite version: definition, resolved task configs and data hashes, digested
  verify/    `podium verify`: re-run a seeded sample of a result's documents, report agreement
  weights    adapter/delta overlays and quantization checks of `podium eval`
  provenance, progress, data/ (offline datasets), tasks/ (Podium's lm-eval tasks)
The run record itself (`podium.record`) lives on the ground floor so every reader can use it.
Models are resolved and checked by `podium.modelref`.
"""
