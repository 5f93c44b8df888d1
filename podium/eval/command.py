"""The `podium eval` command line for a model on the platform: what the worker runs and what
an entry page offers to reproduce, built in one place so the two never drift apart.

A hub model is pinned by `--revision` (local copies are identified by their content hash,
which the result records); a precision that is a dtype becomes `--dtype` (quantized weights
say how they are stored).
"""

from __future__ import annotations

from dataclasses import dataclass

from podium.modelref.precision import dtype_for


@dataclass(frozen=True)
class EvalCommand:
    model: str
    """How the command names the model: an id (mirror or hub) or a folder."""
    source: str
    suite: str
    revision: str | None = None
    precision: str | None = None
    chat_template: bool = False
    limit: float | None = None
    backend: str | None = None
    trace_base: str | None = None

    def args(self, output: str) -> list[str]:
        """The arguments after `podium eval`."""
        cmd = ["--model", self.model, "--suite", self.suite, "--output", str(output)]
        if self.source == "hub" and self.revision:
            cmd += ["--revision", self.revision]
        dtype = dtype_for(self.precision or "")
        if dtype:
            cmd += ["--dtype", dtype]
        if self.chat_template:
            cmd.append("--chat-template")
        if self.limit:
            cmd += ["--limit", str(self.limit)]
        if self.backend:
            cmd += ["--backend", self.backend]
        if self.trace_base:
            cmd += ["--trace-base", self.trace_base]
        return cmd
