"""Reviewers' verdicts and operators' examples: stored, audited, and reaching the stage."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from childsafe.chat import ChatBatch, ChatService
from childsafe.chat.feedback import (
    ExemplarFeed,
    FeedbackError,
    record_example,
    record_verdict,
    remove_exemplar,
)
from childsafe.chat.semantic import SharedStage
from childsafe.grooming import LexicalDetector
from childsafe.store.models import AuditEvent, ChatExemplar
from tests.factories.chat import ADULT, CHILD, batch, message

Sessions = sessionmaker[Session]
#: Written for this test (SAFETY.md): a paraphrase of secrecy the lexical rules do not know.
PARAPHRASE = "nobody else needs to find out about our little talks"


def _case(service: ChatService) -> tuple[int, str]:
    """A stranger's batch that opens a case; returns (case id, id of the paraphrase)."""
    msgs = [
        message("v1", "acct_a", "acct_c", 1000.0, "keep this our little secret ok?"),
        message("v2", "acct_a", "acct_c", 1060.0, PARAPHRASE),
        message("v3", "acct_a", "acct_c", 1120.0, "wanna meet irl?"),
    ]
    result = service.ingest(
        ChatBatch.model_validate(batch(msgs, {"acct_a": ADULT, "acct_c": CHILD}))
    )
    case_id = next(c.case_id for c in result.band_changes if c.case_id is not None)
    return case_id, "v2"


def test_a_verdict_takes_the_text_from_the_case_and_is_audited(
    session_factory: Sessions,
) -> None:
    case_id, mid = _case(ChatService(session_factory))
    row = record_verdict(
        session_factory, case_id=case_id, message_id=mid, category="secrecy", confirmed=True,
        actor="key:abc",
    )  # fmt: skip
    assert (row.source, row.label, row.category, row.text) == (
        "verdict", "positive", "secrecy", PARAPHRASE,
    )  # fmt: skip
    assert "text" not in row.to_dict()
    with session_factory() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "chat.verdict")).one()
        assert (event.actor, event.subject_id) == ("key:abc", str(case_id))
        assert PARAPHRASE not in str(event.details)


@pytest.mark.parametrize(
    ("fields", "needle", "not_found"),
    [
        ({"case_id": 999_999}, "no chat case", True),
        ({"message_id": "nope"}, "holds no message 'nope'", True),
        ({"category": None}, "needs its category", False),
        ({"category": "purple"}, "unknown 'purple'", False),
    ],
)
def test_bad_verdicts_name_the_problem(
    session_factory: Sessions, fields: dict[str, Any], needle: str, not_found: bool
) -> None:
    case_id, mid = _case(ChatService(session_factory))
    args: dict[str, Any] = {"case_id": case_id, "message_id": mid, "category": "secrecy"}
    args.update(fields)
    with pytest.raises(FeedbackError, match=needle) as e:
        record_verdict(session_factory, confirmed=True, actor="t", **args)
    assert e.value.not_found is not_found
    with session_factory() as s:
        assert s.scalars(select(ChatExemplar)).all() == []


def test_operator_examples_are_checked(session_factory: Sessions) -> None:
    with pytest.raises(FeedbackError, match="label"):
        record_example(session_factory, text="x y z", category=None, label="maybe", actor="t")
    with pytest.raises(FeedbackError, match="needs its category"):
        record_example(session_factory, text="x y z", category=None, label="positive", actor="t")
    row = record_example(
        session_factory, text="our club rules stay here", category=None, label="negative",
        actor="t",
    )  # fmt: skip
    assert row.source == "operator" and row.label == "negative"


def test_a_false_alarm_verdict_silences_the_wording_on_every_worker(
    session_factory: Sessions,
) -> None:
    """Two workers' stages; a verdict recorded once reaches both at their next sync."""
    detector = LexicalDetector()
    workers = [SharedStage(detector, feed=ExemplarFeed(session_factory, 0.0)) for _ in range(2)]
    for w in workers:
        w.load()
        assert w.ready, w.error
    stage = workers[0]._stage
    assert stage is not None and stage.detect_text(PARAPHRASE), "the stage finds the paraphrase"
    case_id, mid = _case(ChatService(session_factory))
    record_verdict(
        session_factory, case_id=case_id, message_id=mid, category=None, confirmed=False,
        actor="t",
    )  # fmt: skip
    for w in workers:
        assert w.sync() == 1
        assert w._stage is not None and w._stage.detect_text(PARAPHRASE) == []
        assert w.sync() == 0


def test_removing_a_verdict_erases_its_text_and_every_worker_forgets_it(
    session_factory: Sessions,
) -> None:
    detector = LexicalDetector()
    worker = SharedStage(detector, feed=ExemplarFeed(session_factory, 0.0))
    worker.load()
    case_id, mid = _case(ChatService(session_factory))
    row = record_verdict(
        session_factory, case_id=case_id, message_id=mid, category=None, confirmed=False,
        actor="t",
    )  # fmt: skip
    assert worker.sync() == 1
    assert worker._stage is not None and worker._stage.detect_text(PARAPHRASE) == []

    removed = remove_exemplar(session_factory, row.id, actor="key:abc")
    assert removed.text == ""
    with session_factory() as s:
        stored = s.get(ChatExemplar, row.id)
        assert stored is not None and stored.text == "" and stored.deleted_at is not None
        actions = [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
        assert actions[-1] == "chat.exemplar_removed"
    worker.sync()  # sees the removal: rebuilt without the verdict
    assert worker._stage.detect_text(PARAPHRASE), "the paraphrase fires again"
    with pytest.raises(FeedbackError, match="no chat exemplar") as e:
        remove_exemplar(session_factory, row.id, actor="t")
    assert e.value.not_found


def test_a_rebuild_that_fails_keeps_the_stage_and_is_retried(
    session_factory: Sessions, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    ours = tmp_path / "ours.jsonl"
    ours.write_text('{"category": null, "text": "our club rules stay here", "label": "negative"}\n')
    worker = SharedStage(LexicalDetector(), [ours], feed=ExemplarFeed(session_factory, 0.0))
    worker.load()
    before = worker._stage
    row = record_example(
        session_factory, text="this stays in our club only", category="secrecy",
        label="positive", actor="t",
    )  # fmt: skip
    remove_exemplar(session_factory, row.id, actor="t")
    ours.write_text("{broken\n")  # the operator's file breaks after start
    assert worker.sync() == 0 and worker._stage is before  # the server keeps scoring
    ours.write_text('{"category": null, "text": "our club rules stay here", "label": "negative"}\n')
    worker.sync()
    assert worker._stage is not before  # retried and rebuilt
