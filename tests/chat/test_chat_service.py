"""The chat service: batches scored against state in the store, on both database backends."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from childsafe.actions import WebhookService
from childsafe.chat import ChatBatch, ChatService
from childsafe.chat.batch import batch_body
from childsafe.grooming.bands import Band
from childsafe.grooming.scoring import Scorer, ScorerConfig
from childsafe.store.models import Case, ChatBandChange, ChatPair, ChatSender, OutboxMessage
from childsafe.store.types import utcnow
from tests.chat.conftest import dev_messages, ingest
from tests.factories.chat import ADULT, CHILD, GROOMING, batch, conversation, message

Sessions = sessionmaker[Session]


def test_batches_of_any_size_give_what_one_scorer_gives(service: ChatService) -> None:
    """State saved and loaded between batches must not change a single risk or band."""
    messages = dev_messages(40)
    reference = Scorer(ScorerConfig(keep_quotes=False))
    expected_changes = []
    for m in messages:
        expected_changes.extend(reference.process(m).events)
    rng = random.Random(4)
    i = 0
    while i < len(messages):
        n = rng.randint(1, 40)
        ingest(service, batch_body(messages[i : i + n]))
        i += n
    now = reference.clock
    pairs = list(reference.pairs())
    assert len(pairs) > 15
    for adult, minor in pairs:
        want = reference.pair_report(adult, minor, now)
        got = service.pair(adult, minor, at=now)
        assert want is not None and got is not None
        assert got.report.risk == pytest.approx(want.risk, abs=1e-12)
        assert got.report.band is want.band
    with service.sessions() as s:
        rows = s.scalars(select(ChatBandChange).order_by(ChatBandChange.id)).all()
    assert [(r.subject, r.adult, r.minor, r.new_band, r.message_id) for r in rows] == [
        (e.subject, e.account, e.other, e.new.value, e.message_id) for e in expected_changes
    ]
    assert any(r.new_band == "urgent_review" for r in rows)


def test_answer_lists_touched_pairs_senders_and_changes(service: ChatService) -> None:
    result = ingest(service, batch(conversation(), {"acct_a": ADULT, "acct_c": CHILD}))
    assert result.messages == 8
    assert [(p["adult"], p["minor"], p["kind"]) for p in result.pairs] == [
        ("acct_a", "acct_c", "adult_minor")
    ]
    assert result.pairs[0]["band"] == "urgent_review"
    assert result.senders[0]["account"] == "acct_a"
    bands = [(c.subject, c.new_band) for c in result.band_changes]
    assert ("pair", "urgent_review") in bands and bands[0] == ("pair", "watch")


def test_a_rise_to_the_case_band_opens_one_case_with_the_messages(service: ChatService) -> None:
    facts = {"acct_a": ADULT, "acct_c": CHILD}
    first = ingest(service, batch(conversation(texts=GROOMING[:2]), facts))
    case_ids = {c.case_id for c in first.band_changes if c.case_id is not None}
    assert len(case_ids) == 1
    later = conversation(texts=GROOMING[2:], start=2_000_000.0, prefix="n")
    second = ingest(service, batch(later, facts))
    assert {c.case_id for c in second.band_changes if c.case_id} == case_ids
    with service.sessions() as s:
        case = s.get(Case, case_ids.pop())
        assert case is not None
        assert (case.kind, case.status, case.user_id) == ("chat", "open", "acct_a")
        assert case.priority == 3  # raised to urgent_review by the second batch
        texts = [m["text"] for m in case.reason["messages"]]
        assert GROOMING[1] in texts and GROOMING[3] in texts
        assert case.reason["report"]["band"] == "urgent_review"
        # One pair, one sender with nothing beyond it: no separate sender case.
        assert s.scalar(select(text("count(*)")).select_from(Case)) == 1


def test_state_history_and_webhooks_hold_no_message_text(service: ChatService) -> None:
    WebhookService(service.sessions).create("mod", "https://hooks.example/chat")
    ingest(service, batch(conversation(), {"acct_a": ADULT, "acct_c": CHILD}))
    with service.sessions() as s:
        stored = [r.state for r in s.scalars(select(ChatPair))]
        stored += [r.state for r in s.scalars(select(ChatSender))]
        stored += [r.payload for r in s.scalars(select(OutboxMessage))]
        events = {r.event for r in s.scalars(select(OutboxMessage))}
    dumped = json.dumps(stored)
    for phrase in ("little secret", "lobby", "meet irl", "other app", "finish the level"):
        assert phrase not in dumped
    assert {"chat.band_changed", "case.opened"} <= events


def test_fan_out_opens_a_case_for_the_sender(service: ChatService) -> None:
    """One adult, four children, the same opener and one mild sign each: each pair stays
    low, but the sender is above all of them and gets a case of its own."""
    accounts: dict[str, dict[str, Any]] = {"acct_a": ADULT}
    messages = []
    for i in range(4):
        child = f"acct_c{i}"
        accounts[child] = CHILD
        t = 1_000_000.0 + 600 * i
        messages.append(message(f"o{i}", "acct_a", child, t, f"hey {child}! saw you in Blockcraft"))
        messages.append(message(f"p{i}", "acct_a", child, t + 60, "how old are you?"))
        messages.append(message(f"q{i}", "acct_a", child, t + 120, "is your mom home?"))
    result = ingest(service, batch(messages, accounts))
    pair_bands = {p["band"] for p in result.pairs}
    sender = result.senders[0]
    assert Band(sender["band"]).rank > max(Band(b).rank for b in pair_bands)
    sender_cases = [c for c in result.band_changes if c.subject == "sender" and c.case_id]
    assert sender_cases
    with service.sessions() as s:
        case = s.get(Case, sender_cases[0].case_id)
        assert case is not None and case.kind == "chat_sender"


def test_two_adults_and_two_children_without_signs_store_nothing(service: ChatService) -> None:
    accounts = {"x": ADULT, "y": {"declared_age": 30}, "k1": CHILD, "k2": {"declared_age": 14}}
    ingest(
        service,
        batch(
            [
                message("1", "x", "y", 1.0, "keep this our little secret ok?"),
                message("2", "k1", "k2", 2.0, "did you finish the level"),
            ],
            accounts,
        ),
    )
    with service.sessions() as s:
        assert s.scalars(select(ChatPair)).all() == []
        assert s.scalars(select(ChatSender)).all() == []


def test_a_group_message_scores_each_child(service: ChatService) -> None:
    accounts = {"acct_a": ADULT, "k1": CHILD, "k2": CHILD}
    result = ingest(
        service,
        batch(
            [message("g1", "acct_a", ["k1", "k2"], 5.0, "keep this our little secret ok?")],
            accounts,
        ),
    )
    assert [(p["adult"], p["minor"]) for p in result.pairs] == [("acct_a", "k1"), ("acct_a", "k2")]


def test_a_failing_batch_leaves_nothing(session_factory: Sessions) -> None:
    class Boom:
        def detect(self, *args: object) -> list[object]:
            raise RuntimeError("semantic stage down")

    service = ChatService(session_factory, semantic=Boom())  # type: ignore[arg-type]
    with pytest.raises(RuntimeError):
        ingest(service, batch(conversation(), {"acct_a": ADULT, "acct_c": CHILD}))
    with session_factory() as s:
        assert s.scalars(select(ChatPair)).all() == []
        assert s.scalars(select(ChatBandChange)).all() == []
        assert s.scalars(select(OutboxMessage)).all() == []


def test_prune_forgets_what_retention_says(session_factory: Sessions) -> None:
    clock = [utcnow() - timedelta(days=200)]
    service = ChatService(session_factory, retention_days=180, clock=lambda: clock[0])
    ingest(service, batch(conversation("old", "kid1"), {"old": ADULT, "kid1": CHILD}))
    clock[0] = utcnow()
    ingest(service, batch(conversation("new", "kid2"), {"new": ADULT, "kid2": CHILD}))
    report = service.prune()
    assert (report.pairs, report.senders) == (1, 1)
    assert report.band_changes > 0
    assert service.pair("old", "kid1") is None and service.sender("old") is None
    assert service.pair("new", "kid2") is not None
    assert service.prune().pairs == 0


def test_reports_decay_to_the_time_asked(service: ChatService) -> None:
    ingest(service, batch(conversation(), {"acct_a": ADULT, "acct_c": CHILD}))
    view = service.pair("acct_a", "acct_c", at=1_000_000.0 + 600)
    later = service.pair("acct_a", "acct_c", at=1_000_000.0 + 60 * 86400)
    assert view is not None and later is not None
    assert later.report.risk < view.report.risk
    assert [h.new_band for h in view.history][-1] == "urgent_review"
    sender = service.sender("acct_a", at=1_000_000.0 + 600)
    assert sender is not None and sender.report.top_pairs[0][0] == "acct_c"


def test_concurrent_batches_for_one_pair_lose_no_update(threaded_service: ChatService) -> None:
    """Several threads (as several workers would) send batches for the same pair at once."""
    from concurrent.futures import ThreadPoolExecutor

    service = threaded_service

    facts = {"acct_a": ADULT, "acct_c": CHILD}

    def send(i: int) -> None:
        msgs = [
            message(
                f"t{i}-{j}", "acct_a", "acct_c", 1000.0 + i * 10 + j, "did you finish the level"
            )
            for j in range(5)
        ]
        ingest(service, batch(msgs, facts))

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(send, range(12)))
    view = service.pair("acct_a", "acct_c", at=2000.0)
    assert view is not None and view.report.messages_out == 60


def test_band_thresholds_come_from_settings_and_bad_ones_are_named(
    session_factory: Sessions,
) -> None:
    from childsafe.chat.config import scorer_config

    strict = ChatService(session_factory, scorer_config({"watch": 0.1, "nudge_child": 0.2}))
    result = strict.ingest(
        ChatBatch.model_validate(
            batch([message("b1", "acct_a", "acct_c", 5.0, "how old are you?")],
                  {"acct_a": ADULT, "acct_c": CHILD})
        )
    )  # fmt: skip
    assert result.pairs[0]["band"] == "nudge_child"  # 0.33 would be `watch` by default
    with pytest.raises(ValueError, match="unknown \\['purple'\\]"):
        scorer_config({"purple": 0.3})
    with pytest.raises(ValueError, match="increase strictly"):
        scorer_config({"nudge_child": 0.9})


@pytest.mark.parametrize("keep", [0, 3])
def test_a_case_keeps_at_most_case_messages(session_factory: Sessions, keep: int) -> None:
    from childsafe.store.models import Case

    service = ChatService(session_factory, case_messages=keep)
    facts = {"acct_a": ADULT, "acct_c": CHILD}
    ingest(service, batch(conversation(texts=GROOMING[:2]), facts))
    ingest(service, batch(conversation(texts=GROOMING[2:], start=2e6, prefix="n"), facts))
    with session_factory() as s:
        (case,) = s.scalars(select(Case)).all()
        messages = case.reason["messages"]
    assert len(messages) == keep
    if keep:  # the newest ones
        assert [m["id"] for m in messages] == ["n1", "n2", "n3"]


def test_a_batch_resent_under_its_key_is_scored_once(session_factory: Sessions) -> None:
    service = ChatService(session_factory)
    body = ChatBatch.model_validate(batch(conversation(), {"acct_a": ADULT, "acct_c": CHILD}))
    first = service.ingest(body, key="batch-0001")
    again = service.ingest(body, key="batch-0001")
    assert not first.replayed and again.replayed
    assert again.to_dict() | {"replayed": False} == first.to_dict()
    view = service.pair("acct_a", "acct_c", at=2e6)
    assert view is not None and view.report.messages_out == 4  # not 8
    # Another key with the same messages: they are recognised as scored all the same.
    third = service.ingest(body, key="batch-0002")
    assert not third.replayed and len(third.duplicates) == 8
    view = service.pair("acct_a", "acct_c", at=2e6)
    assert view is not None and view.report.messages_out == 4


def test_the_same_batch_sent_twice_at_once_is_scored_once(threaded_service: ChatService) -> None:
    from concurrent.futures import ThreadPoolExecutor

    service = threaded_service

    body = ChatBatch.model_validate(batch(conversation(), {"acct_a": ADULT, "acct_c": CHILD}))
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: service.ingest(body, key="same"), range(4)))
    assert sorted(r.replayed for r in results) == [False, True, True, True]
    view = service.pair("acct_a", "acct_c", at=2e6)
    assert view is not None and view.report.messages_out == 4


def test_idempotency_keys_are_forgotten_after_a_day(session_factory: Sessions) -> None:
    from childsafe.store.models import ChatBatchKey

    clock = [utcnow() - timedelta(days=2)]
    service = ChatService(session_factory, clock=lambda: clock[0])
    body = ChatBatch.model_validate(batch(conversation(), {"acct_a": ADULT, "acct_c": CHILD}))
    service.ingest(body, key="old")
    clock[0] = utcnow()
    service.ingest(body, key="new")
    service.prune()
    with session_factory() as s:
        assert [k.key for k in s.scalars(select(ChatBatchKey))] == ["new"]
