"""From matches to a decision.

The rule is deliberately small and predictable, because reviewers and auditors must be able to
say why an upload was blocked: an allowlist match (a platform's own logo, a known false
positive) suppresses everything; otherwise the strictest bank action wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Action(StrEnum):
    BLOCK = "block"
    REVIEW = "review"
    ALLOW = "allow"


_STRICTNESS = {Action.ALLOW: 0, Action.REVIEW: 1, Action.BLOCK: 2}


def decide(matched_actions: Iterable[Action | str]) -> Action:
    """The decision for one item given the actions of every bank it matched.

    No matches at all is ``allow``. An allowlist match suppresses block and review matches.
    """
    actions = {Action(a) for a in matched_actions}
    if not actions or Action.ALLOW in actions:
        return Action.ALLOW
    return max(actions, key=_STRICTNESS.__getitem__)
