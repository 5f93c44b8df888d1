"""`podium verify RESULT_DIR`: re-run a seeded sample of a result's documents and compare them.

  plan      read the result, refuse when its model or data files changed, sample the documents
  rerun     evaluate again with the recorded settings, computing only the sampled documents
  compare   per-document agreement (log-likelihoods within a tolerance, identical generations and
            metric values) and the result file's own consistency (its scores from its details)

A run is exact only if every document's prompt is the original one. lm-eval draws each
document's few-shot examples from one seeded generator in document order, so evaluating a
subset of documents (lm-eval's own `samples=`) would give them other examples (and renumber
them). `rerun` therefore builds every document's requests in the original order, and only the
model calls of the unsampled documents are skipped.
"""

from podium.eval.verify.compare import Finding, Report
from podium.eval.verify.plan import VerifyOptions, VerifyRefused, make_plan
from podium.eval.verify.rerun import rerun

__all__ = ["Finding", "Report", "VerifyOptions", "VerifyRefused", "make_plan", "rerun"]
