"""A synthetic, non-explicit evaluation set for grooming detection.

``generate(seed)`` builds the conversations; ``dumps`` turns them into the committed JSONL (one
conversation per line, ASCII-escaped so homoglyphs and zero-width characters are visible in
diffs). ``python -m childsafe.grooming.synth --seed 1 --out FILE`` writes it. Content rules:
SAFETY.md — only the published, non-explicit warning signs, invented names and apps.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from childsafe.grooming.synth.build import Conversation, earliest_alert, generate

__all__ = ["Conversation", "dumps", "earliest_alert", "generate"]


def dumps(conversations: Iterable[Conversation]) -> str:
    """JSONL text: one conversation per line, stable key order, ASCII only."""
    return "".join(
        json.dumps(c, ensure_ascii=True, separators=(",", ":")) + "\n" for c in conversations
    )
