"""The ONNX Runtime backend gives the vectors sentence-transformers gives (the stage's
thresholds were calibrated on the latter), and its export is written once, atomically."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from childsafe.grooming.semantic.embedder import MiniLMEmbedder
from childsafe.grooming.semantic.onnx_model import OnnxMiniLM

#: Written for this test (SAFETY.md): ordinary chat and non-explicit warning-sign paraphrases.
TEXTS = [
    "hey how was the tournament today",
    "nobody else needs to find out about our little talks",
    "lol",
    "do your mum and dad keep an eye on who you chat with",
    "we kept the party a secret from grandma and she loved it",
    "gg " * 200,  # longer than the model's 256-token limit: truncated alike
]


def test_onnx_and_torch_backends_agree(tmp_path: Path) -> None:
    onnx = OnnxMiniLM(folder=tmp_path)
    assert onnx.path.exists() and onnx.path.parent == tmp_path
    assert [p.name for p in tmp_path.iterdir()] == [onnx.path.name]  # no partial file left
    torch_vectors = MiniLMEmbedder(cache_size=0, backend="torch").encode(TEXTS)
    onnx_vectors = onnx.encode(TEXTS, batch_size=4)
    assert onnx_vectors.shape == torch_vectors.shape == (len(TEXTS), 384)
    assert np.abs(onnx_vectors - torch_vectors).max() < 1e-4
    one_by_one = np.vstack([onnx.encode([t]) for t in TEXTS])
    assert np.abs(one_by_one - onnx_vectors).max() < 1e-4  # padding does not leak in
    assert np.allclose(np.linalg.norm(onnx_vectors, axis=1), 1.0, atol=1e-5)
    again = OnnxMiniLM(folder=tmp_path)  # reuses the export
    assert again.path == onnx.path


def test_int8_model_is_derived_once_and_stays_close_to_the_float_model(tmp_path: Path) -> None:
    float_model = OnnxMiniLM(folder=tmp_path)
    int8 = OnnxMiniLM(folder=tmp_path, precision="int8")
    assert int8.path.name.endswith("-int8.onnx")
    # Derived from the float export, next to it, with no partial file left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [float_model.path.name, int8.path.name]
    )
    # int8 weights: the file shrinks (the token embeddings stay float, so not to a quarter).
    assert int8.path.stat().st_size < 0.75 * float_model.path.stat().st_size
    exact = float_model.encode(TEXTS)
    quantised = int8.encode(TEXTS)
    cosines = (exact * quantised).sum(axis=1)
    assert cosines.min() > 0.93, cosines
    assert cosines.mean() > 0.97, cosines
    assert not np.array_equal(exact, quantised)  # it is the int8 model that ran
    # A text's int8 vector does not depend on the texts encoded with it.
    one_by_one = np.vstack([int8.encode([t]) for t in TEXTS])
    assert np.array_equal(one_by_one, int8.encode(TEXTS, batch_size=4))
    again = OnnxMiniLM(folder=tmp_path, precision="int8")  # reuses the quantised file
    assert again.path == int8.path and again.path.stat().st_mtime == int8.path.stat().st_mtime


def test_bad_precisions_are_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="precision must be one of fp32, int8, not 'int4'"):
        MiniLMEmbedder(precision="int4")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="int8 needs the onnx backend"):
        MiniLMEmbedder(precision="int8", backend="torch")
