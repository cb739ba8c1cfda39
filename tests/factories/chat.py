"""Chat batches for tests: invented accounts, non-explicit warning-sign phrases (SAFETY.md)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

ADULT = {"declared_age": 41, "account_age_days": 2}
CHILD = {"declared_age": 13}

#: A stranger's messages showing four different warning signs, then ordinary chat.
GROOMING = (
    "hey! saw you in the lobby, how old are you?",
    "keep this our little secret ok?",
    "wanna meet irl sometime?",
    "add me on the other app, easier to talk",
)
SMALL_TALK = ("lol yeah", "did you finish the level", "gg", "ok see you")


def message(
    mid: str,
    sender: str,
    recipients: str | Sequence[str],
    t: float,
    text: str,
    **extra: Any,
) -> dict[str, Any]:
    to = [recipients] if isinstance(recipients, str) else list(recipients)
    return {"id": mid, "sender": sender, "recipients": to, "time": t, "text": text, **extra}


def batch(
    messages: Iterable[dict[str, Any]],
    accounts: dict[str, dict[str, Any]] | None = None,
    relationships: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    return {
        "messages": list(messages),
        "accounts": accounts or {},
        "relationships": list(relationships),
    }


def conversation(
    adult: str = "acct_a",
    child: str = "acct_c",
    texts: Sequence[str] = GROOMING,
    *,
    start: float = 1_000_000.0,
    step: float = 60.0,
    prefix: str = "m",
    conversation_id: str | None = "conv_1",
) -> list[dict[str, Any]]:
    """The adult's ``texts``, each answered by the child with small talk."""
    out: list[dict[str, Any]] = []
    t = start
    for i, text in enumerate(texts):
        out.append(
            message(f"{prefix}{2 * i}", adult, child, t, text, conversation_id=conversation_id)
        )
        t += step
        reply = SMALL_TALK[i % len(SMALL_TALK)]
        out.append(
            message(f"{prefix}{2 * i + 1}", child, adult, t, reply, conversation_id=conversation_id)
        )
        t += step
    return out
