"""The warning-sign categories and what a detector reports.

Category names are stored with scores, sent in webhooks and exchanged between platforms, so they
are spelled out here once, as explicit strings, and never derived from class or attribute names.
Adding a category is a compatible change; renaming or removing one is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    """The published, non-explicit warning signs of grooming that childsafe looks for."""

    AGE_PROBING = "age_probing"
    """Asking a child's age, school year or grade."""
    FLATTERY = "flattery"
    """Compliments that set the child apart: "mature for your age", "you seem older"."""
    EXCLUSIVITY = "exclusivity"
    """A special, exclusive bond: "only I understand you", "you can only trust me"."""
    SECRECY = "secrecy"
    """Asking the child to keep the contact or its content secret."""
    SUPERVISION_CHECK = "supervision_check"
    """Checking whether parents or other adults are around or watching."""
    ISOLATION = "isolation"
    """Driving a wedge between the child and family or friends."""
    PLATFORM_MOVE = "platform_move"
    """Moving to another app or a private channel, or exchanging phone numbers or contacts."""
    GIFTS = "gifts"
    """Offering gifts, money or in-game currency."""
    PHOTO_REQUEST = "photo_request"
    """Asking for ordinary photos of the child or for a video call."""
    MEETING_REQUEST = "meeting_request"
    """Asking to meet in person."""
    PRESSURE = "pressure"
    """Pressing after a refusal: guilt, insistence, threats."""
    AGE_DECEPTION = "age_deception"
    """Lying about one's age. The lexical stage reports age claims (with ``claimed_age``) and
    phrases that play age down; whether a claim is a lie is decided against account metadata."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One warning sign found in one message.

    ``span`` is a half-open character range in the *original* message text, so an explanation
    can quote exactly what was said even when it was written "s3cr3t" or "s e c r e t".
    ``pattern_id`` names the rule that fired (stable, ``category.rule``) so reviewers and
    evaluations can tell rules apart. ``claimed_age`` is set only on age claims. A hit that a
    later stage found or reweighed names that stage first (``learned:``, ``semantic:``,
    ``unbacked:``, ``vouched:``).
    """

    category: Category
    strength: float
    span: tuple[int, int]
    pattern_id: str
    claimed_age: int | None = None

    @property
    def as_written(self) -> bool:
        """Whether this is a rule's own match, as the lexical stage reported it (no stage
        found it in other words or changed its weight)."""
        return ":" not in self.pattern_id
