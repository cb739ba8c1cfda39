"""The ONNX Runtime backend gives the vectors sentence-transformers gives (the stage's
thresholds were calibrated on the latter), and its export is written once, atomically."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from childsafe.grooming.semantic import onnx_model
from childsafe.grooming.semantic.embedder import MiniLMEmbedder
from childsafe.grooming.semantic.onnx_model import OnnxMiniLM, model_file, prepare

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
    assert _files(tmp_path) == [onnx.path.name]  # no partial file left
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
    assert _files(tmp_path) == sorted([float_model.path.name, int8.path.name])
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


def _files(folder: Path) -> list[str]:
    """The folder's files but the lock file that serialises preparing them."""
    return sorted(p.name for p in folder.iterdir() if p.name != ".prepare.lock")


def test_workers_starting_at_once_prepare_the_model_one_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers of a fresh server used to quantise at once; ONNX Runtime's scratch file has
    a fixed name, so one of them failed and scored chat lexically only. Now one does the work
    and the other waits for it and finds the files there."""
    active, most, calls = 0, 0, []
    guard = threading.Lock()

    def slow_write(name: str) -> Callable[[Path, Path], None]:
        def write(_: Path, target: Path) -> None:
            nonlocal active, most
            with guard:
                active += 1
                most = max(most, active)
                calls.append(name)
            time.sleep(0.2)  # long enough for the other worker to arrive meanwhile
            target.write_bytes(b"model")
            with guard:
                active -= 1

        return write

    monkeypatch.setattr(onnx_model, "export", slow_write("export"))
    monkeypatch.setattr(onnx_model, "quantize", slow_write("quantize"))
    results: list[Path] = []
    workers = [
        threading.Thread(target=lambda: results.append(prepare(tmp_path, tmp_path, "9", "int8")))
        for _ in range(2)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert most == 1  # never two at once
    assert calls == ["export", "quantize"]  # the second worker found both files written
    assert results == [model_file(tmp_path, "9", "int8")] * 2
    # fp32 needs no quantised copy; once there, nothing is written again.
    assert prepare(tmp_path, tmp_path, "9", "fp32") == model_file(tmp_path, "9")
    assert calls == ["export", "quantize"]
