"""What a platform sends to ``POST /v1/chat/messages``, checked, and turned into scorer input.

A batch carries the messages and, once, what the platform knows about the accounts in them
(declared age, whether it is verified, account age) and about pairs of accounts (connected,
a recorded relationship such as family or teacher). Facts are sent with every batch because
they change (an age gets verified, two accounts connect) and the latest ones apply.

A message to several recipients (a group) becomes one scorer message per recipient, with the
same message id, because risk is per pair; ``guardians_present`` marks a group in which a
guardian of the child takes part. Times are seconds since the epoch or ISO 8601 text with a
time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from operator import itemgetter
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from childsafe.grooming.metadata import AccountFacts, PairFacts
from childsafe.grooming.scoring_messages import ChatMessage

#: Limits on one batch: large enough for a busy second of a mid-sized platform, small enough
#: that one request holds its locks briefly.
MAX_MESSAGES = 1000
MAX_RECIPIENTS = 64
MAX_TEXT_CHARS = 4000
ID_MAX = 256


def _no_nul(value: str) -> str:
    """PostgreSQL cannot store U+0000 in text or JSON, and the texts of a case are stored: a
    batch holding one is refused by name instead of failing when its case is written."""
    if "\x00" in value:
        raise ValueError("contains a NUL character (U+0000), which cannot be stored")
    return value


NoNul = AfterValidator(_no_nul)
AccountId = Annotated[str, Field(min_length=1, max_length=ID_MAX, examples=["acct_1234"]), NoNul]


class AccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    declared_age: int | None = Field(default=None, ge=0, le=130, examples=[34])
    age_verified: bool = False
    account_age_days: float | None = Field(default=None, ge=0, examples=[3])

    def facts(self) -> AccountFacts:
        return AccountFacts(self.declared_age, self.age_verified, self.account_age_days)


class RelationshipIn(BaseModel):
    """What the platform records about two accounts (in either direction)."""

    model_config = ConfigDict(extra="forbid")

    accounts: tuple[AccountId, AccountId]
    connected: bool = False
    relationship: str | None = Field(
        default=None,
        max_length=32,
        description="recorded relationship: 'family', 'teacher', or another label",
        examples=["family"],
    )


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: AccountId = Field(description="the platform's message id", examples=["msg_1"])
    conversation_id: Annotated[str, NoNul] | None = Field(
        default=None, max_length=ID_MAX, examples=["conv_9"]
    )
    sender: AccountId
    recipients: list[AccountId] = Field(min_length=1, max_length=MAX_RECIPIENTS)
    time: float | datetime = Field(
        description="seconds since the epoch, or ISO 8601 with a time zone",
        examples=["2026-11-22T14:00:00Z"],
    )
    text: Annotated[str, NoNul] = Field(max_length=MAX_TEXT_CHARS)
    guardians_present: bool = Field(
        default=False, description="sent in a group in which a guardian of the child takes part"
    )

    @field_validator("time")
    @classmethod
    def _aware(cls, v: float | datetime) -> float | datetime:
        if isinstance(v, datetime) and v.tzinfo is None:
            raise ValueError("time needs a time zone, e.g. 2026-11-22T14:00:00Z")
        return v

    @model_validator(mode="after")
    def _not_self(self) -> MessageIn:
        if self.sender in self.recipients:
            raise ValueError(f"sender {self.sender!r} is also a recipient")
        return self

    @property
    def seconds(self) -> float:
        return self.time.timestamp() if isinstance(self.time, datetime) else float(self.time)


class ChatBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    messages: list[MessageIn] = Field(min_length=1, max_length=MAX_MESSAGES)
    accounts: dict[AccountId, AccountIn] = Field(
        default_factory=dict, description="what the platform knows about each account"
    )
    relationships: list[RelationshipIn] = Field(default_factory=list, max_length=MAX_MESSAGES)

    @model_validator(mode="after")
    def _unique_ids(self) -> ChatBatch:
        seen: set[str] = set()
        for i, m in enumerate(self.messages):
            if m.id in seen:
                raise ValueError(f"messages[{i}].id {m.id!r} appears twice in the batch")
            seen.add(m.id)
        return self


def pair_key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def to_scorer_messages(batch: ChatBatch) -> list[tuple[MessageIn, ChatMessage]]:
    """One scorer message per (message, recipient), in time order (stable for equal times)."""
    facts = {account: a.facts() for account, a in batch.accounts.items()}
    pairs: dict[tuple[str, str], RelationshipIn] = {}
    for r in batch.relationships:
        pairs[pair_key(*r.accounts)] = r
    unknown = AccountFacts()
    # One PairFacts per distinct fact set (a batch has few), and each message's time read once.
    shared: dict[tuple[bool, str | None, bool], PairFacts] = {}
    timed = sorted(((m.seconds, m) for m in batch.messages), key=itemgetter(0))  # stable
    out: list[tuple[MessageIn, ChatMessage]] = []
    for when, m in timed:
        for recipient in m.recipients:
            rel = pairs.get(pair_key(m.sender, recipient))
            facts_key = (
                rel.connected if rel else False,
                rel.relationship if rel else None,
                m.guardians_present,
            )
            pair = shared.get(facts_key)
            if pair is None:
                pair = shared[facts_key] = PairFacts(
                    connected=facts_key[0],
                    known_relationship=facts_key[1],
                    guardians_present=facts_key[2],
                )
            out.append(
                (
                    m,
                    ChatMessage(
                        m.id,
                        when,
                        m.sender,
                        recipient,
                        m.text,
                        facts.get(m.sender, unknown),
                        facts.get(recipient, unknown),
                        pair,
                    ),
                )
            )
    return out


def batch_body(messages: Sequence[ChatMessage]) -> dict[str, Any]:
    """The ``POST /v1/chat/messages`` body for scorer messages (the inverse of
    :func:`to_scorer_messages` for one recipient per message): to replay a JSONL file of
    conversations into the service, and for tests and benchmarks. Relationships are sent only
    for pairs the messages say something about."""
    accounts: dict[str, dict[str, Any]] = {}
    relationships: dict[tuple[str, str], dict[str, Any]] = {}
    out = []
    for m in messages:
        for account, f in ((m.sender, m.sender_facts), (m.recipient, m.recipient_facts)):
            accounts[account] = {
                "declared_age": f.declared_age,
                "age_verified": f.age_verified,
                "account_age_days": f.account_age_days,
            }
        if m.pair.connected or m.pair.known_relationship:
            a, b = pair_key(m.sender, m.recipient)
            relationships[(a, b)] = {
                "accounts": [a, b],
                "connected": m.pair.connected,
                "relationship": m.pair.known_relationship,
            }
        out.append(
            {"id": m.id, "sender": m.sender, "recipients": [m.recipient], "time": m.time,
             "text": m.text, "guardians_present": m.pair.guardians_present}
        )  # fmt: skip
    return {"messages": out, "accounts": accounts, "relationships": list(relationships.values())}


def example() -> dict[str, Any]:
    """A small valid batch, for the OpenAPI page and ``--help`` texts (invented accounts)."""
    return {
        "accounts": {
            "acct_adult": {"declared_age": 34, "account_age_days": 3},
            "acct_child": {"declared_age": 13},
        },
        "relationships": [],
        "messages": [
            {
                "id": "msg_1",
                "conversation_id": "conv_1",
                "sender": "acct_adult",
                "recipients": ["acct_child"],
                "time": "2026-11-22T14:00:00Z",
                "text": "hey! saw you in the lobby, how old are you?",
            }
        ],
    }
