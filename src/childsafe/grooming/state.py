"""Bounded per-pair and per-sender memory.

A platform may track millions of pairs, so a pair's memory does not grow with the length of its
conversation: it is a few scalars, three fixed-length arrays (one slot per category: decayed
evidence, time of its last update, number of hits) allocated on the pair's first warning sign,
and a capped ring of references to the messages that contributed evidence, kept for
explanations. The ring holds at most ``capacity`` references; when it is full the oldest
reference of a category that has another one in the ring is dropped, so every category seen
keeps at least one quoted message as long as the capacity is at least the number of categories.

A sender's memory is a capped ring of recent first contacts with minors (time, MinHash signature
of the opening message, and how many nearby contacts opened alike) and a capped table of the
sender's riskiest pairs.

Nothing here stores message text beyond the matched span (``quote``, capped and optional).
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from hashlib import blake2b

from childsafe.grooming.bands import Band
from childsafe.grooming.categories import Category
from childsafe.grooming.metadata import AccountFacts, PairFacts, PairKind

CATEGORIES: tuple[Category, ...] = tuple(Category)
N_CATEGORIES = len(CATEGORIES)
INDEX: dict[Category, int] = {c: i for i, c in enumerate(CATEGORIES)}


class Suspicion(Enum):
    """Why a declared minor is scored as a possible adult (``PairState.suspected_why``)."""

    #: They played their age down ("age is just a number").
    AGE_DOWNPLAYED = "age_downplayed"
    #: A new account, not connected to the child, showed several different signs
    #: (``ScorerConfig.suspect_new_account_signs``).
    NEW_ACCOUNT = "new_account"
    #: The sign model read several different signs in their messages
    #: (``ScorerConfig.suspect_model_signs`` at ``suspect_model_above``).
    MODEL_SIGNS = "model_signs"


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    """One message that added evidence to a pair: where, what, and how much."""

    message_id: str
    category: Category
    pattern_id: str
    start: int
    end: int
    time: float
    contribution: float
    quote: str | None

    @property
    def span(self) -> tuple[int, int]:
        """Half-open character range of the matched words in the original message."""
        return self.start, self.end


class PairState:
    """What the scorer remembers about one (adult side, minor side) pair."""

    __slots__ = (
        "adult_facts",
        "adult_initiated",
        "adult_signs",
        "band",
        "claimed_age",
        "counts",
        "evaluated_at",
        "evidence",
        "facts",
        "fan_out",
        "fast_move",
        "first_time",
        "kin_adult",
        "kin_claim",
        "kin_minor",
        "kin_self",
        "kind",
        "last_time",
        "messages_in",
        "messages_out",
        "minor_facts",
        "model_signs",
        "refs",
        "register_messages",
        "register_sum",
        "risk",
        "similar_openers",
        "suspected_adult_at",
        "suspected_why",
        "updated",
    )

    def __init__(
        self,
        kind: PairKind,
        time: float,
        adult_facts: AccountFacts,
        minor_facts: AccountFacts,
        facts: PairFacts,
        adult_initiated: bool | None,
    ) -> None:
        self.kind = kind
        self.first_time = time
        self.last_time = time
        self.evaluated_at = time
        self.adult_facts = adult_facts
        self.minor_facts = minor_facts
        self.facts = facts
        self.adult_initiated = adult_initiated
        self.messages_out = 0  # adult side to minor side
        self.messages_in = 0  # minor side to adult side
        self.evidence: array[float] | None = None
        self.updated: array[float] | None = None
        self.counts: array[int] | None = None
        self.refs: list[EvidenceRef] | None = None
        self.claimed_age: int | None = None
        self.fast_move = False
        self.suspected_adult_at: str | None = None
        self.suspected_why: Suspicion | None = None
        # The categories the adult side has shown, one bit each (``CATEGORIES`` order), and,
        # between two declared minors, those the sign model read at ``suspect_model_above``.
        self.adult_signs = 0
        self.model_signs = 0
        self.fan_out = 0
        self.similar_openers = 0
        # Family cues in the conversation (``kinship``): messages of each side, whether the
        # adult side introduced themselves by a family term, and whether they claimed a
        # family-like role (which turns the effect off).
        self.kin_adult = 0
        self.kin_minor = 0
        self.kin_self = False
        self.kin_claim = False
        # The family register (``register``): the adult side's scored messages and the sum of
        # their scores; two numbers instead of any text.
        self.register_sum = 0.0
        self.register_messages = 0
        self.band = Band.NONE
        self.risk = 0.0

    def suspect(self, message_id: str, why: Suspicion) -> None:
        """Score the adult side, a declared minor, as a possible adult from ``message_id`` on."""
        self.suspected_adult_at = message_id
        self.suspected_why = why

    # -- evidence --------------------------------------------------------------------------

    @property
    def has_evidence(self) -> bool:
        return self.evidence is not None

    def add(self, index: int, amount: float, time: float, half_life: float) -> float:
        """Decay category ``index`` to ``time`` and combine ``amount`` (noisy-or); return the
        increase."""
        if self.evidence is None:
            self.evidence = array("d", bytes(8 * N_CATEGORIES))
            self.updated = array("d", bytes(8 * N_CATEGORIES))
            self.counts = array("H", bytes(2 * N_CATEGORIES))
        assert self.updated is not None and self.counts is not None
        before = decayed(self.evidence[index], self.updated[index], time, half_life)
        after = 1.0 - (1.0 - before) * (1.0 - amount)
        self.evidence[index] = after
        self.updated[index] = time
        if self.counts[index] < 65535:
            self.counts[index] += 1
        return after - before

    def evidence_at(self, time: float, half_life: float) -> list[float]:
        """Every category's evidence, decayed to ``time``."""
        if self.evidence is None or self.updated is None:
            return [0.0] * N_CATEGORIES
        return [
            decayed(e, u, time, half_life) for e, u in zip(self.evidence, self.updated, strict=True)
        ]

    def remember(self, ref: EvidenceRef, capacity: int) -> None:
        """Add ``ref`` to the ring, dropping an old one if the ring is full."""
        if capacity <= 0:
            return
        if self.refs is None:
            self.refs = []
        refs = self.refs
        if len(refs) >= capacity:
            seen: dict[Category, int] = {}
            for r in refs:
                seen[r.category] = seen.get(r.category, 0) + 1
            victim = next((i for i, r in enumerate(refs) if seen[r.category] > 1), 0)
            del refs[victim]
        refs.append(ref)

    def nbytes(self) -> int:
        """Bytes this pair holds: the object, its arrays, the ring, the references' strings
        and the fact objects (counted even when shared, so this is an upper bound)."""
        total = sys.getsizeof(self)
        for part in (self.evidence, self.updated, self.counts):
            if part is not None:
                total += sys.getsizeof(part)
        for facts in (self.adult_facts, self.minor_facts, self.facts):
            total += sys.getsizeof(facts)
        # first_time, last_time, evaluated_at, risk, register_sum
        total += sys.getsizeof(self.first_time) * 5
        if self.refs is not None:
            total += sys.getsizeof(self.refs)
            for ref in self.refs:
                total += _ref_bytes(ref)
        return total


def _ref_bytes(ref: EvidenceRef) -> int:
    size = sys.getsizeof(ref) + sys.getsizeof(ref.message_id)
    size += sys.getsizeof(ref.time) + sys.getsizeof(ref.contribution)
    size += sys.getsizeof(ref.start) + sys.getsizeof(ref.end)
    if ref.quote is not None:
        size += sys.getsizeof(ref.quote)
    return size  # category and pattern_id are shared constants


def decayed(value: float, since: float, now: float, half_life: float) -> float:
    """``value`` recorded at ``since``, halved every ``half_life`` seconds until ``now``."""
    if value == 0.0 or now <= since:
        return value
    return float(value * 0.5 ** ((now - since) / half_life))


# -- senders ---------------------------------------------------------------------------------

_MINHASH_SEEDS = 16
_PRIME = (1 << 61) - 1
#: Fixed (a, b) pairs for the universal hashes behind the MinHash signature. Derived from a
#: fixed string, so signatures are the same in every process and on every machine.
_HASH_PARAMS: tuple[tuple[int, int], ...] = tuple(
    (
        int.from_bytes(blake2b(f"a{i}".encode(), digest_size=8).digest(), "big") % _PRIME | 1,
        int.from_bytes(blake2b(f"b{i}".encode(), digest_size=8).digest(), "big") % _PRIME,
    )
    for i in range(_MINHASH_SEEDS)
)
#: Openers with fewer distinct words than this ("hi", "hey there") say nothing about
#: similarity: everyone opens that way.
MIN_OPENER_WORDS = 3


def opener_signature(words: Sequence[str]) -> bytes | None:
    """MinHash signature (16 x 32 bits) of a message's set of normalised words, or ``None``
    for openers too short to compare. Two signatures agree in a share of positions that
    estimates the Jaccard similarity of the two word sets."""
    distinct = {w for w in words if not w.isdigit()}
    if len(distinct) < MIN_OPENER_WORDS:
        return None
    hashed = [int.from_bytes(blake2b(w.encode(), digest_size=8).digest(), "big") for w in distinct]
    out = array("I")
    for a, b in _HASH_PARAMS:
        out.append(min((a * x + b) % _PRIME for x in hashed) & 0xFFFFFFFF)
    return out.tobytes()


def signature_similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the word sets behind two signatures."""
    left, right = memoryview(a).cast("I"), memoryview(b).cast("I")
    return sum(x == y for x, y in zip(left, right, strict=True)) / len(left)


class Contact:
    """A sender's first message to one minor."""

    __slots__ = ("minor", "nearby", "signature", "similar", "time")

    def __init__(self, minor: str, time: float, signature: bytes | None) -> None:
        self.minor = minor
        self.time = time
        self.signature = signature
        self.nearby = 1  # contacts within the window, this one included
        self.similar = 1  # of those, opened alike (this one included)


class SenderState:
    """What the scorer remembers about one account on the adult side of pairs."""

    __slots__ = ("band", "contacts", "fast_moves", "minors", "pair_risks", "risk")

    def __init__(self) -> None:
        self.contacts: list[Contact] = []
        self.pair_risks: dict[str, float] = {}
        self.minors = 0  # distinct minors ever contacted
        self.fast_moves = 0
        self.band = Band.NONE
        self.risk = 0.0

    def add_contact(
        self,
        contact: Contact,
        *,
        window: float,
        similarity: float,
        capacity: int,
    ) -> None:
        """Record a first contact, updating the fan-out counts of nearby contacts."""
        self.minors += 1
        for other in self.contacts:
            if abs(other.time - contact.time) > window:
                continue
            other.nearby += 1
            contact.nearby += 1
            if (
                contact.signature is not None
                and other.signature is not None
                and signature_similarity(contact.signature, other.signature) >= similarity
            ):
                other.similar += 1
                contact.similar += 1
        if len(self.contacts) >= capacity:
            del self.contacts[0]
        self.contacts.append(contact)

    def contact(self, minor: str) -> Contact | None:
        for c in self.contacts:
            if c.minor == minor:
                return c
        return None

    def fan_out(self) -> tuple[int, int]:
        """The largest (nearby contacts, similar openers) among remembered contacts."""
        nearby = max((c.nearby for c in self.contacts), default=0)
        similar = max((c.similar for c in self.contacts), default=0)
        return nearby, similar

    def set_pair_risk(self, minor: str, risk: float, capacity: int) -> None:
        risks = self.pair_risks
        risks[minor] = risk
        if len(risks) > capacity:
            lowest = min(risks, key=lambda m: risks[m])
            del risks[lowest]

    def top_pairs(self, n: int) -> list[tuple[str, float]]:
        return sorted(self.pair_risks.items(), key=lambda kv: (-kv[1], kv[0]))[:n]

    def nbytes(self) -> int:
        total = sys.getsizeof(self) + sys.getsizeof(self.contacts)
        total += sys.getsizeof(self.pair_risks)
        for c in self.contacts:
            total += sys.getsizeof(c) + sys.getsizeof(c.minor) + sys.getsizeof(c.time)
            if c.signature is not None:
                total += sys.getsizeof(c.signature)
        for minor, risk in self.pair_risks.items():
            total += sys.getsizeof(minor) + sys.getsizeof(risk)
        return total


def combine_risks(risks: Iterable[float]) -> float:
    """Noisy-or of independent risks: the chance that at least one is real."""
    keep = 1.0
    for r in risks:
        keep *= 1.0 - r
    return 1.0 - keep
