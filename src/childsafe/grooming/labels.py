"""Labelled conversations (the dataset format of ``datasets/chat/README.md``), checked before
they are evaluated or trained on.

An operator's own labelled chat is what grows the learned parts (``--data`` on the training
scripts) and what ``childsafe chat eval`` measures. A label that is read without complaint but
means something else changes both quietly: a misspelt category ("secretcy") is a category the
model never learns, a sign on a benign conversation is a benign adult taught as a groomer, and
an ``earliest_alert`` past the last message makes every detection look early. So each record is
checked for what the readers rely on and for labels that contradict each other, and every
problem is named with the record and the message it is in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from childsafe.grooming.categories import Category

#: The fields every labelled conversation has; the rest of the format is optional.
REQUIRED = ("id", "relationship", "risky", "split", "accounts", "messages")
LABEL_SPLITS = ("dev", "heldout")
MESSAGE_FIELDS = ("i", "t", "from", "to", "text")
CATEGORY_NAMES = frozenset(c.value for c in Category)
#: Problems reported for one record at most; the first is usually the cause of the rest.
MAX_PROBLEMS = 5


class LabelError(ValueError):
    """A labelled conversation that cannot be read as labelled; names its record (from 1)."""

    def __init__(self, record: int, problem: str) -> None:
        super().__init__(f"record {record}: {problem}")
        self.record = record
        self.problem = problem


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _categories(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return [f"{where} must be a list of category names"]
    unknown = sorted(set(value) - CATEGORY_NAMES)
    if unknown:
        known = ", ".join(sorted(CATEGORY_NAMES))
        return [f"{where} has unknown categor{'ies' if len(unknown) > 1 else 'y'} "
                f"{', '.join(map(repr, unknown))} (known: {known})"]  # fmt: skip
    return []


def _accounts(accounts: object) -> list[str]:
    if not isinstance(accounts, Mapping) or len(accounts) < 2:
        return ["accounts must be an object with an entry per account (two or more)"]
    out = []
    for name, facts in accounts.items():
        if not isinstance(facts, Mapping):
            out.append(f"account {name!r} must be an object")
            continue
        age = facts.get("declared_age")
        if age is not None and not _is_int(age):
            out.append(f"account {name!r}: declared_age must be a whole number or null")
        days = facts.get("account_age_days")
        if days is not None and not _is_number(days):
            out.append(f"account {name!r}: account_age_days must be a number or null")
    return out


def _message(m: object, index: int, accounts: Mapping[str, Any], before: object) -> list[str]:
    where = f"message {index}"
    if not isinstance(m, Mapping):
        return [f"{where} must be an object"]
    missing = [f for f in MESSAGE_FIELDS if f not in m]
    if missing:
        return [f"{where} lacks {', '.join(missing)}"]
    out = []
    if m["i"] != index or not _is_int(m["i"]):
        out.append(f"{where}: i is {m['i']!r}; messages are numbered 0, 1, 2, ... in order")
    if not _is_number(m["t"]):
        out.append(f"{where}: t must be a number (seconds)")
    elif _is_number(before) and m["t"] < before:
        out.append(f"{where}: t goes back in time ({m['t']} after {before})")
    for side in ("from", "to"):
        if m[side] not in accounts:
            out.append(f"{where}: {side} {m[side]!r} is not one of the conversation's accounts")
    if m["from"] == m["to"]:
        out.append(f"{where}: from and to are the same account")
    if not isinstance(m["text"], str):
        out.append(f"{where}: text must be a string")
    for labels in ("signs", "lookalike"):
        if labels in m:
            out += _categories(m[labels], f"{where}: {labels}")
    return out


def problems(record: object) -> list[str]:
    """What is wrong with one labelled conversation (empty when nothing is), at most
    ``MAX_PROBLEMS``, most basic first."""
    if not isinstance(record, Mapping):
        return ["expected a JSON object (one conversation per line)"]
    missing = [f for f in REQUIRED if f not in record]
    if missing:
        return [f"not a labelled conversation: lacks {', '.join(missing)} (needs "
                f"{', '.join(REQUIRED)})"]  # fmt: skip
    out: list[str] = []
    if not isinstance(record["id"], str) or not record["id"]:
        out.append("id must be a non-empty string")
    if not isinstance(record["relationship"], str) or not record["relationship"]:
        out.append("relationship must be a non-empty string")
    if not isinstance(record["risky"], bool):
        out.append("risky must be true or false")
    if record["split"] not in LABEL_SPLITS:
        out.append(f"split is {record['split']!r}; it must be one of {', '.join(LABEL_SPLITS)}")
    out += _accounts(record["accounts"])
    messages = record["messages"]
    if not isinstance(messages, list) or not messages:
        out.append("messages must be a non-empty list")
        return out[:MAX_PROBLEMS]
    accounts = record["accounts"] if isinstance(record["accounts"], Mapping) else {}
    before: object = None
    for index, m in enumerate(messages):
        out += _message(m, index, accounts, before)
        if isinstance(m, Mapping):
            before = m.get("t", before)
        if len(out) >= MAX_PROBLEMS:
            return out[:MAX_PROBLEMS]
    out += _alert_and_signs(record, messages)
    if "categories" in record:
        out += _categories(record["categories"], "categories")
    return out[:MAX_PROBLEMS]


def _alert_and_signs(record: Mapping[str, Any], messages: Sequence[Any]) -> list[str]:
    """The labels must agree: a risky conversation's alert is one of its messages; a benign
    conversation has neither an alert nor signs (its innocent uses are ``lookalike``)."""
    if not isinstance(record["risky"], bool):
        return []  # already named; which labels agree depends on it
    alert = record.get("earliest_alert")
    if record["risky"]:
        if alert is not None and not (_is_int(alert) and 0 <= alert < len(messages)):
            return [f"earliest_alert is {alert!r}; in a risky conversation it is the index of "
                    f"a message (0 to {len(messages) - 1})"]  # fmt: skip
        return []
    out = []
    if alert is not None:
        out.append("earliest_alert must be null in a benign conversation (risky is false)")
    signed = next(
        (i for i, m in enumerate(messages) if isinstance(m, Mapping) and m.get("signs")), None
    )
    if signed is not None:
        out.append(f"message {signed} has signs in a benign conversation (risky is false); "
                   "innocent uses of the words are labelled lookalike")  # fmt: skip
    return out


def check_labelled(records: Sequence[object]) -> None:
    """Raise :class:`LabelError` for the first record with a problem (records count from 1),
    naming all of that record's problems."""
    for number, record in enumerate(records, 1):
        found = problems(record)
        if found:
            raise LabelError(number, "; ".join(found))
