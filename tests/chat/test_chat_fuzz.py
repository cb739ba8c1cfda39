"""Whatever a platform sends, a batch is either refused with a named problem or scored: never a
crash, and never a half-written state (hypothesis-generated batches, both backends)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from childsafe.chat import ChatBatch, ChatService

ACCOUNTS = ["a1", "a2", "k1", "k2", "u1", "x/y", "ünï"]
ages = st.one_of(st.none(), st.integers(-5, 140))
facts = st.fixed_dictionaries(
    {},
    optional={
        "declared_age": ages,
        "age_verified": st.booleans(),
        "account_age_days": st.one_of(st.none(), st.floats(-1, 10_000, allow_nan=False)),
    },
)
messages = st.fixed_dictionaries(
    {
        "id": st.text(min_size=0, max_size=8),
        "sender": st.sampled_from(ACCOUNTS),
        "recipients": st.lists(st.sampled_from(ACCOUNTS), min_size=0, max_size=3),
        "time": st.one_of(
            st.floats(0, 2e9, allow_nan=False),
            st.sampled_from(["2026-11-22T14:00:00Z", "2026-11-22T14:00:00", "yesterday"]),
        ),
        "text": st.text(max_size=80)
        | st.sampled_from(["how old are you?", "keep this our little secret ok?", "ok mom"]),
    },
    optional={"conversation_id": st.text(max_size=5), "guardians_present": st.booleans()},
)
# Batches a platform would plausibly send (mostly valid), beside the wild ones above.
plausible_messages = st.fixed_dictionaries(
    {
        "id": st.uuids().map(str),
        "sender": st.sampled_from(ACCOUNTS),
        "recipients": st.lists(st.sampled_from(ACCOUNTS), min_size=1, max_size=3, unique=True),
        "time": st.floats(1e9, 2e9, allow_nan=False),
        "text": st.text(max_size=200)
        | st.sampled_from(
            ["how old are you?", "keep this our little secret ok?", "ok mom", "wanna meet irl?"]
        ),
    }
).filter(lambda m: m["sender"] not in m["recipients"])
plausible = st.fixed_dictionaries(
    {
        "messages": st.lists(plausible_messages, min_size=1, max_size=8),
        "accounts": st.dictionaries(
            st.sampled_from(ACCOUNTS),
            st.fixed_dictionaries({"declared_age": st.one_of(st.none(), st.integers(5, 90))}),
            max_size=7,
        ),
    }
)
wild = st.fixed_dictionaries(
    {"messages": st.lists(messages, min_size=0, max_size=6)},
    optional={
        "accounts": st.dictionaries(st.sampled_from(ACCOUNTS), facts, max_size=4),
        "relationships": st.lists(
            st.fixed_dictionaries(
                {"accounts": st.lists(st.sampled_from(ACCOUNTS), min_size=2, max_size=2)},
                optional={"relationship": st.sampled_from(["family", "teacher", "x" * 40])},
            ),
            max_size=2,
        ),
    },
)


def test_any_batch_is_refused_by_name_or_scored(session_factory: sessionmaker[Session]) -> None:
    # One service for every example: state carries over between them, as on a platform.
    service = ChatService(session_factory)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(body=st.one_of(plausible, wild))
    def check(body: dict[str, Any]) -> None:
        try:
            batch = ChatBatch.model_validate(body)
        except ValidationError as e:
            assert all(err["loc"] or err["msg"] for err in e.errors())  # a named problem
            return
        result = service.ingest(batch)
        assert result.messages == len(body["messages"])
        for pair in result.pairs:
            assert 0.0 <= pair["risk"] <= 1.0

    check()
