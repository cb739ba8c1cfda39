"""The evaluation set as the scorer sees it: splits, and conversations turned into messages.

Only what a platform would send is read (text, times, declared ages, verification, account age,
connection, known relationship); the labels (``true_age``, ``risky``, ``signs``, ``lookalike``,
``earliest_alert``, ``categories``) are never passed on, so the scorer cannot see them. The same
conversion serves ``childsafe chat score``, which also accepts single-message records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from childsafe.grooming.metadata import AccountFacts, PairFacts
from childsafe.grooming.scoring_messages import ChatMessage

Conversation = Mapping[str, Any]
SPLITS = ("dev", "heldout", "all")


def select(conversations: Iterable[Conversation], split: str) -> list[Conversation]:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}")
    return [c for c in conversations if split == "all" or c.get("split") == split]


def _facts(account: Mapping[str, Any]) -> AccountFacts:
    # Only what a platform knows; ``true_age`` is ground truth and is never read.
    age = account.get("declared_age")
    days = account.get("account_age_days")
    return AccountFacts(
        declared_age=int(age) if age is not None else None,
        age_verified=bool(account.get("age_verified", False)),
        account_age_days=float(days) if days is not None else None,
    )


def message_id(conversation: Conversation, index: int) -> str:
    return f"{conversation['id']}#{index}"


def to_messages(conversations: Sequence[Conversation]) -> list[tuple[int, int, ChatMessage]]:
    """Every message as ``(conversation number, index, ChatMessage)``, merged in time order."""
    out: list[tuple[float, int, int, ChatMessage]] = []
    for number, conversation in enumerate(conversations):
        accounts = {a: _facts(f) for a, f in conversation["accounts"].items()}
        pair = PairFacts(
            connected=bool(conversation.get("connected", False)),
            known_relationship=conversation.get("known_relationship"),
            guardians_present=bool(conversation.get("guardians_present", False)),
        )
        for m in conversation["messages"]:
            msg = ChatMessage(
                id=message_id(conversation, int(m["i"])),
                time=float(m["t"]),
                sender=m["from"],
                recipient=m["to"],
                text=m["text"],
                sender_facts=accounts.get(m["from"], AccountFacts()),
                recipient_facts=accounts.get(m["to"], AccountFacts()),
                pair=pair,
            )
            out.append((msg.time, number, int(m["i"]), msg))
    out.sort(key=lambda x: (x[0], x[1], x[2]))
    return [(number, index, msg) for _, number, index, msg in out]


def _message_record(record: Mapping[str, Any], number: int) -> ChatMessage:
    try:
        return ChatMessage(
            id=str(record.get("id", f"line{number}")),
            time=float(record["t"]),
            sender=str(record["from"]),
            recipient=str(record["to"]),
            text=str(record["text"]),
            sender_facts=_facts(record.get("from_facts") or {}),
            recipient_facts=_facts(record.get("to_facts") or {}),
            pair=PairFacts(
                connected=bool(record.get("connected", False)),
                known_relationship=record.get("known_relationship"),
                guardians_present=bool(record.get("guardians_present", False)),
            ),
        )
    except KeyError as e:
        raise ValueError(f"record {number}: a message needs {e.args[0]!r}") from None
    except (TypeError, ValueError) as e:
        raise ValueError(f"record {number}: {e}") from None


def records_to_messages(records: Sequence[Mapping[str, Any]]) -> list[ChatMessage]:
    """Messages from JSONL records, in time order (stable for equal times).

    A record with ``messages`` is a conversation in the dataset's format (labels, if present,
    are ignored). Any other record is one message: ``id``, ``t``, ``from``, ``to``, ``text``,
    and optionally ``from_facts`` / ``to_facts`` (``declared_age``, ``age_verified``,
    ``account_age_days``), ``connected``, ``known_relationship``, ``guardians_present``.
    """
    out: list[ChatMessage] = []
    for number, record in enumerate(records, 1):
        if not isinstance(record, Mapping):
            raise ValueError(f"record {number}: expected a JSON object")
        if "messages" in record:
            conversation = {**record, "id": record.get("id", f"conversation{number}")}
            try:
                out.extend(m for _, _, m in to_messages([conversation]))
            except (KeyError, TypeError, ValueError, AttributeError) as e:
                raise ValueError(f"record {number}: not a valid conversation ({e!r})") from None
        else:
            out.append(_message_record(record, number))
    out.sort(key=lambda m: m.time)
    return out
