"""The embedding stage inside the chat service: loaded in the background, batched, shared."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from childsafe.chat import ChatBatch, ChatService
from childsafe.chat.semantic import SharedStage, build
from childsafe.grooming.scoring import ScorerConfig
from tests.factories.chat import ADULT, CHILD, batch, message

#: Written for this test (SAFETY.md): paraphrases with no phrase the lexical rules know.
TEXTS = (
    "hey, how was the tournament today",
    "nobody else needs to find out about our little talks",
    "your family just holds you back, you're better off without them",
)


@pytest.fixture(scope="module")
def shared() -> SharedStage:
    from childsafe.grooming import LexicalDetector

    stage = build("auto", LexicalDetector())
    assert stage is not None, "the semantic extra is installed with .[test]"
    stage.load()
    assert stage.ready, stage.error
    assert stage.precision == "int8"  # the server's default model
    return stage


def _batch() -> dict[str, Any]:
    msgs = [message(f"s{i}", "acct_a", "acct_c", 1000.0 + 60 * i, t) for i, t in enumerate(TEXTS)]
    return batch(msgs, {"acct_a": ADULT, "acct_c": CHILD})


def test_paraphrases_raise_the_pair_only_with_the_stage(
    session_factory: sessionmaker[Session], shared: SharedStage
) -> None:
    # The stage alone: a sign model in front of it could find one of these signs itself.
    config = ScorerConfig(sign_model=None)
    plain = ChatService(session_factory, config)
    lexical = plain.ingest(ChatBatch.model_validate(_batch()))
    assert not lexical.semantic
    plain.prune(older_than_days=0)  # forget it all: same pair again, with the stage

    service = ChatService(session_factory, config, semantic=shared)
    result = service.ingest(ChatBatch.model_validate(_batch()))
    assert result.semantic and result.semantic_calls >= 2
    before = {p["minor"]: p["risk"] for p in lexical.pairs}
    after = {p["minor"]: p["risk"] for p in result.pairs}
    assert after["acct_c"] > before.get("acct_c", 0.0)
    view = service.pair("acct_a", "acct_c", at=1200.0)
    assert view is not None
    patterns = [m.pattern_id for c in view.report.explanation.categories for m in c.messages]
    assert any(p.startswith("semantic:") for p in patterns)


def test_an_unavailable_stage_is_refused_when_required(monkeypatch: pytest.MonkeyPatch) -> None:
    from childsafe.grooming import LexicalDetector

    monkeypatch.setattr("childsafe.grooming.semantic.embedder.semantic_available", lambda: False)
    assert build("auto", LexicalDetector()) is None
    with pytest.raises(RuntimeError, match="semantic extra"):
        build("on", LexicalDetector())
    assert build("off", LexicalDetector()) is None


def test_int8_without_onnx_is_refused_when_required(monkeypatch: pytest.MonkeyPatch) -> None:
    from childsafe.grooming import LexicalDetector

    monkeypatch.setattr("childsafe.grooming.semantic.embedder.onnx_available", lambda: False)
    with pytest.raises(RuntimeError, match="CHILDSAFE_CHAT_SEMANTIC_PRECISION=int8 needs"):
        build("on", LexicalDetector(), precision="int8")
    assert build("auto", LexicalDetector(), precision="int8") is None
    fp32 = build("on", LexicalDetector(), precision="fp32")
    assert fp32 is not None and fp32.precision == "fp32"


def test_operator_exemplars_are_loaded_and_bad_paths_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from childsafe.grooming import LexicalDetector

    good = tmp_path / "ours.jsonl"
    good.write_text(
        json.dumps(
            {"category": "secrecy", "text": "this stays in our club only", "label": "positive"}
        )
        + "\n"
    )
    stage = build("auto", LexicalDetector(), [good])
    assert stage is not None
    stage.load()
    assert stage.state == "ready" and stage.loaded_exemplars == 1
    with pytest.raises(RuntimeError, match="does not exist"):
        build("auto", LexicalDetector(), [tmp_path / "missing.jsonl"])
    other = tmp_path / "notes.txt"
    other.write_text("x")
    with pytest.raises(RuntimeError, match="neither a"):
        build("auto", LexicalDetector(), [other])
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n")
    failing = build("auto", LexicalDetector(), [broken])
    assert failing is not None
    failing.load()
    assert failing.state == "failed" and "broken.jsonl" in (failing.error or "")
