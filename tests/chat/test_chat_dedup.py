"""Messages resent without an Idempotency-Key are recognised and not scored twice."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from childsafe.chat import ChatBatch, ChatService
from childsafe.chat.batch import batch_body
from childsafe.grooming.metadata import pair_kind
from childsafe.grooming.scoring import Scorer, ScorerConfig
from childsafe.grooming.scoring_messages import ChatMessage
from childsafe.store.models import ChatBandChange, ChatBatchKey, ChatSeenMessage
from childsafe.store.types import utcnow
from tests.chat.conftest import dev_messages, ingest
from tests.factories.chat import ADULT, CHILD, batch, conversation

Sessions = sessionmaker[Session]
FACTS = {"acct_a": ADULT, "acct_c": CHILD}


def _adults(m: ChatMessage) -> bool:
    """No pair the scorer could keep state for (two declared adults)."""
    s, r = m.sender_facts.role, m.recipient_facts.role
    return pair_kind(s, r) is None and pair_kind(r, s) is None


def band_changes(sessions: Sessions) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(ChatBandChange)) or 0)


def test_a_batch_resent_without_a_key_changes_nothing(session_factory: Sessions) -> None:
    service = ChatService(session_factory)
    body = batch(conversation(), FACTS)
    first = ingest(service, body)
    assert first.duplicates == [] and first.band_changes
    changes = band_changes(session_factory)
    again = ingest(service, body)
    assert again.duplicates == [m["id"] for m in body["messages"]]
    assert again.pairs == [] and again.senders == [] and again.band_changes == []
    view = service.pair("acct_a", "acct_c", at=2e6)
    assert view is not None and view.report.messages_out == 4  # not 8
    assert band_changes(session_factory) == changes
    assert again.to_dict()["duplicates"] == again.duplicates


def test_resends_in_any_pattern_give_what_one_scorer_gives(service: ChatService) -> None:
    """Batches that overlap at random (a retried tail, a replayed queue) score each message
    once: the same risks, bands and band changes as one scorer fed every message once."""
    messages = dev_messages(30)
    reference = Scorer(ScorerConfig(keep_quotes=False))
    expected = [e for m in messages for e in reference.process(m).events]
    rng = random.Random(7)
    i = skipped = 0
    while i < len(messages):
        start = max(0, i - rng.randint(0, 15))  # resend up to 15 messages already scored
        n = rng.randint(1, 30)
        result = ingest(service, batch_body(messages[start : i + n]))
        # Two declared adults' messages change nothing: they are not tracked, nor skipped.
        resent = [m.id for m in messages[start:i] if not _adults(m)]
        assert result.duplicates == resent
        skipped += len(resent)
        i += n
    assert skipped > 40
    now = reference.clock
    for adult, minor in reference.pairs():
        want = reference.pair_report(adult, minor, now)
        got = service.pair(adult, minor, at=now)
        assert want is not None and got is not None
        assert got.report.risk == pytest.approx(want.risk, abs=1e-12)
        assert got.report.band is want.band
    assert band_changes(service.sessions) == len(expected)


def test_the_same_id_in_another_conversation_or_from_another_sender_is_another_message(
    service: ChatService,
) -> None:
    ingest(service, batch(conversation(conversation_id="conv_1"), FACTS))
    other = ingest(service, batch(conversation(conversation_id="conv_2"), FACTS))
    assert other.duplicates == []
    facts = {"acct_b": ADULT, "acct_c": CHILD}
    third = ingest(service, batch(conversation("acct_b", conversation_id="conv_1"), facts))
    # acct_b's messages are new; the child's replies carry the ids, conversation and sender
    # of replies already scored, so they are those messages.
    assert third.duplicates == ["m1", "m3", "m5", "m7"]


def test_with_dedup_off_a_resend_counts_again(session_factory: Sessions) -> None:
    service = ChatService(session_factory, dedup_days=0)
    body = batch(conversation(), FACTS)
    ingest(service, body)
    assert ingest(service, body).duplicates == []
    view = service.pair("acct_a", "acct_c", at=2e6)
    assert view is not None and view.report.messages_out == 8
    with session_factory() as s:
        assert s.scalars(select(ChatSeenMessage)).all() == []


def test_a_failed_batch_claims_nothing_and_can_be_resent(session_factory: Sessions) -> None:
    class Boom:
        def detect(self, *args: object) -> list[object]:
            raise RuntimeError("semantic stage down")

    body = batch(conversation(), FACTS)
    failing = ChatService(session_factory, semantic=Boom())  # type: ignore[arg-type]
    with pytest.raises(RuntimeError):
        ingest(failing, body)
    with session_factory() as s:
        assert s.scalars(select(ChatSeenMessage)).all() == []
    assert ingest(ChatService(session_factory), body).duplicates == []


def test_digests_expire_and_hold_no_text(session_factory: Sessions) -> None:
    clock = [utcnow() - timedelta(days=3)]
    service = ChatService(session_factory, dedup_days=1, clock=lambda: clock[0])
    old = batch(conversation(), FACTS)
    ingest(service, old)
    clock[0] = utcnow()
    ingest(service, batch(conversation(prefix="n", start=2_000_000.0), FACTS))
    with session_factory() as s:
        rows = s.scalars(select(ChatSeenMessage)).all()
    assert len(rows) == 16 and all(len(r.digest) == 16 for r in rows)
    report = service.prune()
    assert report.seen_messages == 8
    # Forgotten: the old messages would now be scored again.
    assert ingest(service, old).duplicates == []


def test_keys_and_digests_expire_even_when_retention_is_off(session_factory: Sessions) -> None:
    clock = [utcnow() - timedelta(days=3)]
    service = ChatService(session_factory, retention_days=0, clock=lambda: clock[0])
    service.ingest(ChatBatch.model_validate(batch(conversation(), FACTS)), key="k1")
    clock[0] = utcnow()
    report = service.prune()
    assert (report.pairs, report.senders, report.seen_messages) == (0, 0, 8)
    assert service.pair("acct_a", "acct_c") is not None  # retention off: pairs kept
    with session_factory() as s:
        assert s.scalars(select(ChatBatchKey)).all() == []


def test_the_same_messages_sent_at_once_without_a_key_are_scored_once(
    threaded_service: ChatService,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    service = threaded_service

    body = ChatBatch.model_validate(batch(conversation(), FACTS))
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: service.ingest(body), range(4)))
    assert sorted(len(r.duplicates) for r in results) == [0, 8, 8, 8]
    view = service.pair("acct_a", "acct_c", at=2e6)
    assert view is not None and view.report.messages_out == 4
