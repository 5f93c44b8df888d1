"""The platform's fixed vocabularies, import-free so the CLI can build its parser quickly."""

from podium.modelref.precision import PRECISIONS
from podium.modelref.precision import QUANTIZED as QUANTIZED_PRECISIONS
from podium.modelref.resolve import SOURCES as MODEL_SOURCES

# defined with the model rules, named here with the others
__all__ = ["PRECISIONS", "QUANTIZED_PRECISIONS", "MODEL_SOURCES"]

DEVICE_KINDS = ("cpu", "cuda")
EXECUTORS = ("local", "ray")  # what runs a job's attempts (podium.platform.executors)
ROLES = ("user", "operator")
WEIGHT_TYPES = ("Original", "Delta", "Adapter")
MODEL_TYPES = ("pretrained", "continuously pretrained", "fine-tuned", "chat", "merge", "multimodal")
JOB_STATES = ("pending", "running", "finished", "failed", "cancelled")
JOB_KINDS = ("eval", "rerun")
EXPORT_FORMATS = ("parquet", "csv", "json")

# Error classes caused by the machine rather than the model: retried up to 3 attempts.
INFRASTRUCTURE_ERRORS = ("worker_lost", "crashed", "out_of_memory", "disk_full")

PRIORITY_FORMULA = "priority = (maintainer's pick first, votes DESC, submitted_at ASC, job id ASC)"

# How each model type is shown (the open-llm-leaderboard's symbols and labels): the export's `T` and
# `Type` columns, the web board's icons and the model page.
MODEL_TYPE_LABELS = {
    "pretrained": ("🟢", "🟢 pretrained"),
    "continuously pretrained": ("🟩", "🟩 continuously pretrained"),
    "fine-tuned": ("🔶", "🔶 fine-tuned on domain-specific datasets"),
    "chat": ("💬", "💬 chat models (RLHF, DPO, IFT, ...)"),
    "merge": ("🤝", "🤝 base merges and moerges"),
    "multimodal": ("🌸", "🌸 multimodal"),
}
UNKNOWN_TYPE_LABEL = ("❓", "❓ unknown")  # a stored type outside MODEL_TYPES
