"""What a model reference means, decided once for the CLI, the platform, the web and tracing.

  grammar     the repo id `org/name` and revision rules (huggingface_hub's, org required)
  precision   the dtypes a model runs in and the precisions a submission may declare
  resolve     where a reference points: a local folder (`path`), the local model mirror
              (`mirror`) or the Hugging Face Hub (`hub`), with the content hash of local files
  checks      config and tokenizer load without remote code; what they say about the model

Ground floor: imports nothing of Podium but `errors` and `settings`, so every layer can use it.
"""

from podium.modelref.grammar import is_repo_id, is_revision
from podium.modelref.precision import DTYPES, PRECISIONS, dtype_for
from podium.modelref.resolve import SOURCES, ModelRef, content_hash, resolve

__all__ = ["DTYPES", "PRECISIONS", "SOURCES", "ModelRef", "content_hash", "dtype_for", "is_repo_id", "is_revision",
           "resolve"]
