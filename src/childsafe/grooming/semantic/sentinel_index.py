"""Reading a Roblox Sentinel index (github.com/Roblox/Sentinel) as operator exemplars.

Sentinel saves a ``SentinelLocalIndex`` (``sentinel.io.index_io.save_index``) as a directory of
three files, none of them a pickle:

- ``sentinel_local_index_config.json``: ``{"encoder_model_name_or_path": ...,
  "encoding_kwargs": "<a JSON string>", "model_card": {...}}``;
- ``embeddings.safetensors``: two 2-D tensors, ``positive_embeddings`` (the rare class: here,
  warning signs) and ``negative_embeddings`` (the common class: ordinary messages);
- ``corpus.json`` (newer versions; optional): ``{"positive_corpus": [texts] | null,
  "negative_corpus": [texts] | null}``, row-aligned with the embeddings.

safetensors holds only a JSON header and raw numbers, so reading it (with the ``safetensors``
library, no torch) runs no code. Pickled files (``.pkl``, ``.pt``,
``.bin`` or anything starting with a pickle opcode) are **refused**, never unpickled: a pickle
can run arbitrary code when loaded, and Sentinel does not write one.

The vectors are used as stored, so they must come from the same model the stage uses: the
config must name all-MiniLM-L6-v2 (``check_model=False`` skips that check, at the operator's
risk) and every row must have 384 numbers. Rows are L2-normalised on reading. Sentinel's
positives carry no category: pass ``category=`` for an index of one sign, or leave it None and
the stage assigns each positive the category of its nearest shipped positive exemplar.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from childsafe.grooming.categories import Category
from childsafe.grooming.semantic.embedder import DIMENSION, MODEL_NAME
from childsafe.grooming.semantic.exemplars import Exemplar, ExemplarError, Label

CONFIG_FILE = "sentinel_local_index_config.json"
EMBEDDINGS_FILE = "embeddings.safetensors"
CORPUS_FILE = "corpus.json"
POSITIVE_KEY = "positive_embeddings"
NEGATIVE_KEY = "negative_embeddings"
_PICKLE_SUFFIXES = (".pkl", ".pickle", ".pt", ".pth", ".bin", ".joblib")


class SentinelIndexError(ExemplarError):
    """A Sentinel index cannot be used; the message says which file and why."""


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a safetensors file as a float32 array, read by the ``safetensors``
    library (no code runs); pickles and torch archives are refused before it is asked."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SentinelIndexError(f"cannot read {path}: {e.strerror or e}") from None
    if data[:1] == b"\x80" or data.startswith(b"PK\x03\x04"):
        raise SentinelIndexError(
            f"{path} looks like a pickle or a torch.save archive: refused (unpickling runs "
            "code); save the index with Sentinel's save_index, which writes safetensors"
        )
    try:
        from safetensors import SafetensorError
        from safetensors.numpy import load
    except ImportError as e:  # the semantic extra brings it
        raise SentinelIndexError(f"reading {path} needs the safetensors package: {e}") from None
    try:
        tensors = load(data)
    except (SafetensorError, ValueError, TypeError) as e:
        raise SentinelIndexError(f"{path}: not a usable safetensors file ({e})") from None
    out: dict[str, np.ndarray] = {}
    for name, values in tensors.items():
        if values.dtype.kind != "f":
            raise SentinelIndexError(
                f"{path}: tensor {name!r} has unsupported dtype {values.dtype}"
            )
        out[name] = values.astype(np.float32)
    return out


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise SentinelIndexError(f"cannot read {path}: {e.strerror or e}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SentinelIndexError(f"{path}: not JSON ({e})") from None


def read_sentinel_index(
    path: str | Path,
    *,
    category: Category | str | None = None,
    check_model: bool = True,
    source: str = "sentinel",
) -> list[Exemplar]:
    """The positive and negative exemplars of a Sentinel index directory (see the module
    docstring for the format and the checks)."""
    root = Path(path)
    if root.is_file():
        if root.suffix.lower() in _PICKLE_SUFFIXES:
            raise SentinelIndexError(
                f"{root}: pickled indexes are refused (unpickling runs code); point at the "
                "directory Sentinel's save_index wrote (config JSON + embeddings.safetensors)"
            )
        raise SentinelIndexError(f"{root}: expected the index directory, not a file")
    if not root.is_dir():
        raise SentinelIndexError(f"{root}: no such directory")
    config = _json(root / CONFIG_FILE)
    model = config.get("encoder_model_name_or_path") if isinstance(config, dict) else None
    if not isinstance(model, str):
        raise SentinelIndexError(f"{root / CONFIG_FILE}: no encoder_model_name_or_path")
    if check_model and model.rstrip("/").split("/")[-1] != MODEL_NAME:
        raise SentinelIndexError(
            f"{root}: the index was built with {model!r}, not {MODEL_NAME}; its vectors do not "
            "compare with this stage's (rebuild it with all-MiniLM-L6-v2, or pass "
            "check_model=False if you know they are compatible)"
        )
    tensors = read_safetensors(root / EMBEDDINGS_FILE)
    corpus: dict[str, Any] = {}
    if (root / CORPUS_FILE).exists():
        loaded = _json(root / CORPUS_FILE)
        corpus = loaded if isinstance(loaded, dict) else {}
    cat = None if category is None else Category(category)
    out: list[Exemplar] = []
    for key, label, corpus_key in (
        (POSITIVE_KEY, "positive", "positive_corpus"),
        (NEGATIVE_KEY, "negative", "negative_corpus"),
    ):
        if key not in tensors:
            raise SentinelIndexError(f"{root / EMBEDDINGS_FILE}: no tensor {key!r}")
        matrix = tensors[key]
        if matrix.ndim != 2 or matrix.shape[1] != DIMENSION:
            raise SentinelIndexError(
                f"{root / EMBEDDINGS_FILE}: {key} has shape {tuple(matrix.shape)}; "
                f"{MODEL_NAME} vectors have {DIMENSION} numbers per row"
            )
        texts = corpus.get(corpus_key)
        if texts is not None and (not isinstance(texts, list) or len(texts) != matrix.shape[0]):
            raise SentinelIndexError(
                f"{root / CORPUS_FILE}: {corpus_key} does not line up with {key} "
                f"({matrix.shape[0]} rows)"
            )
        norms = np.linalg.norm(matrix, axis=1)
        if not np.all(np.isfinite(matrix)) or np.any(norms == 0):
            raise SentinelIndexError(f"{root / EMBEDDINGS_FILE}: {key} has zero or bad rows")
        unit = (matrix / norms[:, None]).astype(np.float32)
        lab: Label = "positive" if label == "positive" else "negative"
        for row in range(matrix.shape[0]):
            text = texts[row] if texts is not None else None
            out.append(
                Exemplar(
                    f"{source}.{label[:3]}{row}",
                    cat if lab == "positive" else None,
                    lab,
                    text if isinstance(text, str) else None,
                    source,
                    unit[row],
                )
            )
    return out


def write_sentinel_index(
    path: str | Path,
    positives: np.ndarray,
    negatives: np.ndarray,
    *,
    positive_texts: list[str] | None = None,
    negative_texts: list[str] | None = None,
    model: str = MODEL_NAME,
) -> None:
    """Write an index in Sentinel's layout (float32), e.g. to hand exemplars to a Sentinel
    deployment, and for tests. Mirrors ``sentinel.io.index_io.save_index``."""
    from safetensors.numpy import save_file

    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    config = {
        "encoder_model_name_or_path": model,
        "encoding_kwargs": json.dumps({"normalize_embeddings": True}),
        "model_card": {},
    }
    (root / CONFIG_FILE).write_text(json.dumps(config), encoding="utf-8")
    save_file(
        {
            POSITIVE_KEY: np.ascontiguousarray(positives, dtype=np.float32),
            NEGATIVE_KEY: np.ascontiguousarray(negatives, dtype=np.float32),
        },
        str(root / EMBEDDINGS_FILE),
    )
    corpus = {"positive_corpus": positive_texts, "negative_corpus": negative_texts}
    (root / CORPUS_FILE).write_text(json.dumps(corpus), encoding="utf-8")
