"""Pair and sender state survive a round trip through JSON, and keep no message text."""

from __future__ import annotations

import json

import pytest

from childsafe.grooming.codec import (
    StateFormatError,
    decode_pair,
    decode_sender,
    encode_pair,
    encode_sender,
)
from childsafe.grooming.scoring import Scorer, ScorerConfig
from childsafe.grooming.state import Suspicion
from tests.chat.conftest import dev_messages


@pytest.fixture(scope="module")
def scored() -> Scorer:
    scorer = Scorer(ScorerConfig(keep_quotes=True))
    for m in dev_messages(60):
        scorer.process(m)
    return scorer


def test_round_trip_gives_the_same_reports(scored: Scorer) -> None:
    pairs = {k: decode_pair(json.loads(json.dumps(encode_pair(scored.pair_state(*k)))))  # type: ignore[arg-type]
             for k in scored.pairs()}  # fmt: skip
    senders = {
        s: decode_sender(json.loads(json.dumps(encode_sender(scored.sender_state(s)))))  # type: ignore[arg-type]
        for s in scored.senders()
    }
    copy = Scorer(ScorerConfig(keep_quotes=True), pairs=pairs, senders=senders)
    now = scored.clock
    assert len(pairs) > 20 and any(p.has_evidence for p in pairs.values())
    for adult, minor in scored.pairs():
        a = scored.pair_report(adult, minor, now)
        b = copy.pair_report(adult, minor, now)
        assert a is not None and b is not None
        assert (b.risk, b.band, b.kind, b.messages_out) == (a.risk, a.band, a.kind, a.messages_out)
        assert [(c.category, c.evidence) for c in b.explanation.categories] == [
            (c.category, c.evidence) for c in a.explanation.categories
        ]
    for sender in scored.senders():
        assert copy.sender_report(sender, now) == scored.sender_report(sender, now)


def test_encoded_state_holds_no_quotes(scored: Scorer) -> None:
    quoted = [
        ref.quote
        for k in scored.pairs()
        for ref in (scored.pair_state(*k).refs or [])  # type: ignore[union-attr]
        if ref.quote
    ]
    assert quoted, "the fixture should have quotes to drop"
    text = json.dumps([encode_pair(scored.pair_state(*k)) for k in scored.pairs()])  # type: ignore[arg-type]
    assert not any(q in text for q in quoted if len(q) > 8)
    decoded = decode_pair(encode_pair(scored.pair_state(*next(iter(scored.pairs())))))  # type: ignore[arg-type]
    assert all(r.quote is None for r in decoded.refs or [])


def test_fields_missing_from_an_older_record_take_new_state_defaults(scored: Scorer) -> None:
    key = next(k for k in scored.pairs() if scored.pair_state(*k).fast_move is False)  # type: ignore[union-attr]
    data = encode_pair(scored.pair_state(*key))  # type: ignore[arg-type]
    del data["fast_move"], data["similar_openers"]
    state = decode_pair(data)
    assert state.fast_move is False and state.similar_openers == 0


@pytest.mark.parametrize(
    ("new_account", "why"), [(True, Suspicion.NEW_ACCOUNT), (False, Suspicion.AGE_DOWNPLAYED)]
)
def test_an_older_record_keeps_why_a_minor_was_suspected(
    scored: Scorer, new_account: bool, why: Suspicion
) -> None:
    # Records written before ``suspected_why`` said only whether it was a new account.
    data = encode_pair(scored.pair_state(*next(iter(scored.pairs()))))  # type: ignore[arg-type]
    del data["suspected_why"], data["model_signs"]
    data.update(suspected_adult_at="m7", suspected_new_account=new_account)
    state = decode_pair(data)
    assert (state.suspected_adult_at, state.suspected_why, state.model_signs) == ("m7", why, 0)
    data["suspected_adult_at"] = None
    assert decode_pair(data).suspected_why is None
    # A new record keeps the reason as written.
    state.suspected_why, state.model_signs = Suspicion.MODEL_SIGNS, 0b101
    again = decode_pair(json.loads(json.dumps(encode_pair(state))))
    assert (again.suspected_why, again.model_signs) == (Suspicion.MODEL_SIGNS, 0b101)


def test_unreadable_records_are_refused_by_name() -> None:
    with pytest.raises(StateFormatError, match="version"):
        decode_sender({"v": 99})
    with pytest.raises(StateFormatError, match="not a pair state"):
        decode_pair({"v": 1})
    with pytest.raises(StateFormatError, match="'band'"):
        decode_pair({"v": 1, "kind": "adult_minor", "first_time": 0.0, "band": "purple"})
