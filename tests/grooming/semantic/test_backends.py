"""The ONNX Runtime backend gives the vectors sentence-transformers gives (the stage's
thresholds were calibrated on the latter), and its export is written once, atomically."""

from __future__ import annotations

from pathlib import Path

import numpy as np

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
