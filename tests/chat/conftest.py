"""Dataset conversations as batches, for tests that compare the service with the scorer."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from childsafe.grooming.evaluate_data import select, to_messages
from childsafe.grooming.scoring_messages import ChatMessage

DATASET = Path(__file__).resolve().parents[2] / "datasets" / "chat" / "synthetic-v1.jsonl"


@cache
def dev_messages(limit: int) -> tuple[ChatMessage, ...]:
    """Messages of the first ``limit`` dev conversations, merged in time order."""
    with DATASET.open(encoding="utf-8") as f:
        conversations = select((json.loads(line) for line in f), "dev")[:limit]
    return tuple(m for _, _, m in to_messages(conversations))


def as_batch(messages: Sequence[ChatMessage]) -> dict[str, Any]:
    """What a platform would send for these scorer messages."""
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
        a, b = sorted((m.sender, m.recipient))
        relationships[(a, b)] = {
            "accounts": [a, b],
            "connected": m.pair.connected,
            "relationship": m.pair.known_relationship,
        }
        out.append(
            {
                "id": m.id,
                "sender": m.sender,
                "recipients": [m.recipient],
                "time": m.time,
                "text": m.text,
                "guardians_present": m.pair.guardians_present,
            }
        )
    return {"messages": out, "accounts": accounts, "relationships": list(relationships.values())}
