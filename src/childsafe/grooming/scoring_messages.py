"""What goes into :meth:`Scorer.process` and what comes out of it.

These types are shared by the scorer, the evaluation (which turns the dataset into
:class:`ChatMessage` objects) and whatever plugs a semantic stage in, so they live apart from the
scorer and import nothing of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from childsafe.grooming.bands import Band, BandChange
from childsafe.grooming.categories import Hit
from childsafe.grooming.metadata import AccountFacts, PairFacts, PairKind
from childsafe.grooming.normalize import Normalized


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message as the platform sends it, with what it knows about the two accounts.

    ``time`` is in seconds (any epoch, the same for every message). Group messages are sent
    once per recipient, with ``pair.guardians_present`` set when a guardian is in the group.
    """

    id: str
    time: float
    sender: str
    recipient: str
    text: str
    sender_facts: AccountFacts = field(default_factory=AccountFacts)
    recipient_facts: AccountFacts = field(default_factory=AccountFacts)
    pair: PairFacts = field(default_factory=PairFacts)


class SemanticStage(Protocol):
    """Where an embedding stage plugs in (not part of this package yet).

    It is called for a message from the adult side of a tracked pair, with the lexical hits
    already found, and returns *additional* hits for categories the lexical stage missed
    (paraphrases). The scorer calls it only when :meth:`Scorer.could_change_band` says one
    message could move the pair's band, so its cost is paid on a small share of traffic. A stage
    whose hits are never stronger than some value says so with a ``max_strength`` attribute:
    the gate then opens only where a hit that strong could move the band.
    """

    def detect(
        self, message: ChatMessage, normalized: Normalized, lexical: Sequence[Hit]
    ) -> Sequence[Hit]: ...


@dataclass(frozen=True, slots=True)
class PairUpdate:
    """A tracked pair touched by a message, after the message."""

    adult: str
    minor: str
    kind: PairKind
    risk: float
    band: Band


@dataclass(frozen=True, slots=True)
class MessageOutcome:
    """What processing one message did.

    ``skipped`` is true when no pair was updated: two declared adults, for whom no stage runs
    and ``hits`` is empty, or two declared minors with no sign in the message and no state yet
    (only the lexical stage ran). ``semantic`` is true when the semantic stage was called.
    """

    message_id: str
    hits: tuple[Hit, ...]
    pairs: tuple[PairUpdate, ...]
    events: tuple[BandChange, ...]
    skipped: bool
    semantic: bool = False
