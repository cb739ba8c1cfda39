"""The keyword baseline: what a simple filter would do with the same messages.

A conversation is flagged at the first message containing any word of a flat keyword list
(:data:`KEYWORDS`): plain lowercase words, no normalisation. It shows what the warning signs
cost in false positives when read as words rather than as signs, since benign chats use the
same words (secret, parents, pic, meet, gift, snap).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from childsafe.grooming.evaluate_data import Conversation
from childsafe.grooming.evaluate_metrics import Outcome, to_outcomes

#: The obvious words a keyword filter would start from (SAFETY.md: invented where needed).
_KEYWORD_LIST = (
    "secret secrets parents parent mom dad pic pics picture photo photos selfie snap meet "
    "gift gifts age old alone address phone number cam video delete private trust mature "
    "home app"
)
KEYWORDS: frozenset[str] = frozenset(_KEYWORD_LIST.split(" "))
_WORD = re.compile(r"[a-z0-9']+")


def run_keywords(
    conversations: Sequence[Conversation], keywords: frozenset[str] = KEYWORDS
) -> list[Outcome]:
    """Flag a conversation at its first message containing any keyword (plain lowercase words,
    no normalisation: what a simple filter does)."""
    detected: dict[int, int] = {}
    for number, c in enumerate(conversations):
        for m in c["messages"]:
            words = {w.replace("'", "") for w in _WORD.findall(m["text"].lower())}
            if words & keywords:
                detected[number] = int(m["i"])
                break
    return to_outcomes(conversations, detected)
