"""The conversation scorer: per-pair and per-sender risk, bands, explanations.

One :class:`Scorer` takes chat messages in time order (:meth:`Scorer.process`) and keeps, for
every pair that could be an adult talking to a minor, a small decaying state of the warning
signs seen (``state``). A pair's risk is

    evidence  E = sum over categories of  weight[c] * evidence[c]
                  + breadth_bonus * (number of categories with evidence >= breadth_min, minus 1)
    risk        = 1 - exp(-multiplier * E / scale)

where ``evidence[c]`` in [0, 1] is the noisy-or of that category's hits, each hit's strength
times the weight of its direction (the adult side's messages count fully; the minor side's own
"how old are you" barely counts; between two declared minors the per-category peer weights
apply), halved every ``half_life_days``. The breadth term gives credit for how many different
signs were seen, in whatever order: there are no fixed stages. ``multiplier`` is the product of
the metadata effects (``metadata``). A sender's risk is the noisy-or of the risks of their
riskiest pairs.

The per-message path is built to be cheap. The lexical detector runs on every message; two
declared adults stop there; two declared minors stop there unless a sign was found; adult-minor
pairs update a few counters and only recompute their risk when a sign was found (or, for decay,
at most once per ``reevaluate_seconds``). A later embedding stage plugs in through
:class:`SemanticStage` and is called only when one message could move the pair into a band at
or above ``semantic_min_band`` (see :meth:`Scorer.could_change_band`).

Pure: no I/O, no clock (time comes with the messages), no global state.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from childsafe.grooming.bands import Band, BandChange, BandThresholds
from childsafe.grooming.categories import Category, Hit
from childsafe.grooming.detectors import LexicalDetector
from childsafe.grooming.metadata import (
    AccountFacts,
    Factor,
    MetadataConfig,
    PairContext,
    PairFacts,
    PairKind,
    age_claim_mismatch,
    factors,
    multiplier,
    pair_kind,
)
from childsafe.grooming.normalize import Normalized
from childsafe.grooming.state import (
    CATEGORIES,
    INDEX,
    Contact,
    EvidenceRef,
    PairState,
    SenderState,
    combine_risks,
    opener_signature,
)

_DAY = 86_400.0
C = Category

#: How much one unit of evidence in each category says about grooming. The signs that a
#: child-protection organisation would act on alone (secrecy, isolation, meeting, photos,
#: lying about age) weigh most; asking someone's age weighs least.
DEFAULT_CATEGORY_WEIGHTS: Mapping[Category, float] = {
    C.AGE_PROBING: 0.35,
    C.FLATTERY: 0.5,
    C.EXCLUSIVITY: 0.55,
    C.SECRECY: 1.0,
    C.SUPERVISION_CHECK: 0.5,
    C.ISOLATION: 1.0,
    C.PLATFORM_MOVE: 0.6,
    C.GIFTS: 0.5,
    C.PHOTO_REQUEST: 1.0,
    C.MEETING_REQUEST: 1.0,
    C.PRESSURE: 0.55,
    C.AGE_DECEPTION: 0.9,
}
#: Between two declared minors: what is ordinary between teenagers (asking each other's age,
#: trading skins, meeting at the mall, adding each other elsewhere) counts for little; what is
#: not ordinary between them (secrecy, isolation, exclusivity, playing age down) counts more.
DEFAULT_PEER_WEIGHTS: Mapping[Category, float] = {
    C.AGE_PROBING: 0.1,
    C.FLATTERY: 0.5,
    C.EXCLUSIVITY: 0.6,
    C.SECRECY: 0.7,
    C.SUPERVISION_CHECK: 0.3,
    C.ISOLATION: 0.7,
    C.PLATFORM_MOVE: 0.2,
    C.GIFTS: 0.2,
    C.PHOTO_REQUEST: 0.5,
    C.MEETING_REQUEST: 0.25,
    C.PRESSURE: 0.5,
    C.AGE_DECEPTION: 1.0,
}
#: The minor side's own messages (to the adult side) count for very little: a child asking
#: "how old are you" back, or refusing, is not a warning sign about the child.
DEFAULT_REPLY_WEIGHTS: Mapping[Category, float] = {
    **{c: 0.1 for c in Category},
    C.AGE_PROBING: 0.02,
    C.AGE_DECEPTION: 0.0,
}


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
    message could move the pair's band, so its cost is paid on a small share of traffic.
    """

    def detect(
        self, message: ChatMessage, normalized: Normalized, lexical: Sequence[Hit]
    ) -> Sequence[Hit]: ...


@dataclass(frozen=True)
class ScorerConfig:
    """Everything that tunes the scorer. The defaults were tuned on the dev split only."""

    half_life_days: float = 7.0
    category_weights: Mapping[Category, float] = field(
        default_factory=lambda: dict(DEFAULT_CATEGORY_WEIGHTS)
    )
    peer_weights: Mapping[Category, float] = field(
        default_factory=lambda: dict(DEFAULT_PEER_WEIGHTS)
    )
    reply_weights: Mapping[Category, float] = field(
        default_factory=lambda: dict(DEFAULT_REPLY_WEIGHTS)
    )
    scale: float = 1.0
    breadth_bonus: float = 0.2
    breadth_min: float = 0.3
    #: Strength given to an age claim that contradicts the declared age (see metadata).
    claim_mismatch_strength: float = 0.9
    #: A platform move from the adult side this soon after first contact is a "fast move".
    fast_move_seconds: float = 2 * 3600.0
    #: First contacts within this time of each other count towards a sender's fan-out.
    fan_out_window_seconds: float = 72 * 3600.0
    #: Openers whose estimated word-set Jaccard similarity is at least this are "similar".
    opener_similarity: float = 0.5
    ring_capacity: int = 12
    keep_quotes: bool = True
    quote_chars: int = 60
    #: Smaller additions to a category's evidence are not kept in the explanation ring.
    min_contribution: float = 0.05
    contacts_capacity: int = 16
    sender_pairs_capacity: int = 32
    sender_top_pairs: int = 3
    reevaluate_seconds: float = 3600.0
    semantic_min_band: Band = Band.NUDGE_CHILD
    bands: BandThresholds = field(default_factory=BandThresholds)
    metadata: MetadataConfig = field(default_factory=MetadataConfig)

    def __post_init__(self) -> None:
        for name in ("category_weights", "peer_weights", "reply_weights"):
            table = getattr(self, name)
            missing = [c.value for c in Category if c not in table]
            if missing:
                raise ValueError(f"{name} lacks categories: {missing}")
            if any(not 0.0 <= float(v) <= 1.0 for v in table.values()):
                raise ValueError(f"{name} values must be in [0, 1]")
        if self.half_life_days <= 0 or self.scale <= 0:
            raise ValueError("half_life_days and scale must be positive")

    @property
    def half_life(self) -> float:
        return self.half_life_days * _DAY


# -- results ---------------------------------------------------------------------------------


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

    ``skipped`` is true when only the lexical stage ran (two declared adults, or two declared
    minors with no sign in the message and no state yet). ``semantic`` is true when the semantic
    stage was called.
    """

    message_id: str
    hits: tuple[Hit, ...]
    pairs: tuple[PairUpdate, ...]
    events: tuple[BandChange, ...]
    skipped: bool
    semantic: bool = False


@dataclass(frozen=True, slots=True)
class CategoryEvidence:
    """One category in an explanation: its decayed evidence and the messages behind it."""

    category: Category
    evidence: float
    weight: float
    hits: int
    messages: tuple[EvidenceRef, ...]


@dataclass(frozen=True, slots=True)
class FactorEffect:
    """One metadata effect and what the risk would be without it."""

    factor: Factor
    risk_without: float


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a pair has its risk: signs, breadth, metadata effects, and notes."""

    categories: tuple[CategoryEvidence, ...]
    breadth: int
    evidence: float
    content_risk: float
    multiplier: float
    factors: tuple[FactorEffect, ...]
    notes: tuple[str, ...]

    def lines(self, risk: float) -> list[str]:
        """A human-readable account, one line per sign, effect and note."""
        out: list[str] = []
        for ce in self.categories:
            refs = ", ".join(
                f"{r.message_id}" + (f' "{r.quote}"' if r.quote else f" {r.span}")
                for r in ce.messages
            )
            out.append(
                f"{ce.category.value}: evidence {ce.evidence:.2f} x weight {ce.weight:g}, "
                f"{ce.hits} hit(s): {refs or 'references rotated out'}"
            )
        out.append(
            f"{self.breadth} categories with evidence; content alone gives risk "
            f"{self.content_risk:.2f}; metadata multiplies the evidence by {self.multiplier:.2f}"
        )
        for fe in self.factors:
            verb = "raised" if fe.factor.raises else "lowered"
            out.append(
                f"{fe.factor.name} x{fe.factor.multiplier:g} ({fe.factor.detail}): {verb} the "
                f"risk by {abs(risk - fe.risk_without):.2f} (from {fe.risk_without:.2f})"
            )
        out.extend(self.notes)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "categories": [
                {
                    "category": ce.category.value,
                    "evidence": round(ce.evidence, 4),
                    "weight": ce.weight,
                    "hits": ce.hits,
                    "messages": [
                        {
                            "message_id": r.message_id,
                            "pattern_id": r.pattern_id,
                            "span": list(r.span),
                            "quote": r.quote,
                            "time": r.time,
                            "contribution": round(r.contribution, 4),
                        }
                        for r in ce.messages
                    ],
                }
                for ce in self.categories
            ],
            "breadth": self.breadth,
            "evidence": round(self.evidence, 4),
            "content_risk": round(self.content_risk, 4),
            "multiplier": round(self.multiplier, 4),
            "factors": [
                {
                    "name": fe.factor.name,
                    "multiplier": fe.factor.multiplier,
                    "detail": fe.factor.detail,
                    "effect": "raises" if fe.factor.raises else "lowers",
                    "risk_without": round(fe.risk_without, 4),
                }
                for fe in self.factors
            ],
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class PairReport:
    adult: str
    minor: str
    kind: PairKind
    risk: float
    band: Band
    messages_out: int
    messages_in: int
    first_time: float
    last_time: float
    explanation: Explanation

    def to_dict(self) -> dict[str, Any]:
        return {
            "adult": self.adult,
            "minor": self.minor,
            "kind": self.kind.value,
            "risk": round(self.risk, 4),
            "band": self.band.value,
            "messages_adult_to_minor": self.messages_out,
            "messages_minor_to_adult": self.messages_in,
            "first_time": self.first_time,
            "last_time": self.last_time,
            "explanation": self.explanation.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class SenderReport:
    sender: str
    risk: float
    band: Band
    minors: int
    fan_out: int
    similar_openers: int
    fast_moves: int
    top_pairs: tuple[tuple[str, float], ...]

    def lines(self) -> list[str]:
        out = [f"{len(self.top_pairs)} riskiest pair(s) combined (noisy-or)"]
        out.extend(f"pair with {minor}: risk {risk:.2f}" for minor, risk in self.top_pairs)
        out.append(
            f"{self.minors} minor(s) contacted; up to {self.fan_out} first contacts within the "
            f"fan-out window, up to {self.similar_openers} of them opened alike; "
            f"{self.fast_moves} fast move(s) to another channel"
        )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "sender": self.sender,
            "risk": round(self.risk, 4),
            "band": self.band.value,
            "minors": self.minors,
            "fan_out": self.fan_out,
            "similar_openers": self.similar_openers,
            "fast_moves": self.fast_moves,
            "top_pairs": [{"minor": m, "risk": round(r, 4)} for m, r in self.top_pairs],
        }


@dataclass(frozen=True, slots=True)
class MemoryStats:
    """Bytes held by the scorer's pair and sender states (see ``PairState.nbytes``)."""

    pairs: int
    pair_bytes: int
    max_pair_bytes: int
    senders: int
    sender_bytes: int

    @property
    def mean_pair_bytes(self) -> float:
        return self.pair_bytes / self.pairs if self.pairs else 0.0


@dataclass(frozen=True, slots=True)
class _Assessment:
    risk: float
    evidence: float
    breadth: int
    per_category: list[float]
    factors: tuple[Factor, ...]
    multiplier: float


# -- the scorer ------------------------------------------------------------------------------


class Scorer:
    """Scores chat messages into per-pair and per-sender risk. Feed messages in time order.

    Not thread-safe: one scorer per worker, with messages of one pair always routed to the same
    worker (shard by the pair's accounts).
    """

    def __init__(
        self,
        config: ScorerConfig | None = None,
        detector: LexicalDetector | None = None,
        semantic: SemanticStage | None = None,
    ) -> None:
        self.config = config or ScorerConfig()
        self.detector = detector or LexicalDetector()
        self._normalizer = self.detector.normalizer
        self._semantic = semantic
        self._pairs: dict[tuple[str, str], PairState] = {}
        self._senders: dict[str, SenderState] = {}
        self._clock = -math.inf
        cfg = self.config
        self._weights = [float(cfg.category_weights[c]) for c in CATEGORIES]
        self._peer = [float(cfg.peer_weights[c]) for c in CATEGORIES]
        self._reply = [float(cfg.reply_weights[c]) for c in CATEGORIES]

    # -- the per-message path ----------------------------------------------------------------

    def process(self, message: ChatMessage) -> MessageOutcome:
        """Score one message: run the lexical stage, update the pairs it touches."""
        now = message.time
        if now > self._clock:
            self._clock = now
        normalized = self._normalizer.normalize(message.text)
        hits = self.detector.detect_normalized(normalized)
        sender_role = message.sender_facts.role
        recipient_role = message.recipient_facts.role
        forward = pair_kind(sender_role, recipient_role)
        reverse = pair_kind(recipient_role, sender_role)
        if forward is None and reverse is None:
            return MessageOutcome(message.id, tuple(hits), (), (), skipped=True)
        events: list[BandChange] = []
        updates: list[PairUpdate] = []
        semantic = False
        if forward is not None:
            key = (message.sender, message.recipient)
            state = self._pairs.get(key)
            if state is None and (
                forward is not PairKind.PEER_MINORS or self._may_add(hits, message)
            ):
                initiated = None if forward is PairKind.PEER_MINORS else True
                state = PairState(
                    forward,
                    now,
                    message.sender_facts,
                    message.recipient_facts,
                    message.pair,
                    initiated,
                )
                self._pairs[key] = state
            if state is not None:
                state.kind = forward
                state.adult_facts = message.sender_facts
                state.minor_facts = message.recipient_facts
                state.facts = message.pair
                state.last_time = now
                if state.messages_out == 0 and forward is not PairKind.PEER_MINORS:
                    self._first_contact(message, normalized, state)
                state.messages_out += 1
                if self._semantic is not None and self.could_change_band(key, now):
                    extra = self._semantic.detect(message, normalized, hits)
                    semantic = True
                    known = {h.category for h in hits}
                    hits = [*hits, *(h for h in extra if h.category not in known)]
                changed = self._apply(state, message, hits, forward_side=True)
                if changed or (
                    state.has_evidence
                    and now - state.evaluated_at >= self.config.reevaluate_seconds
                ):
                    self._evaluate(key, state, now, message.id, events)
                updates.append(PairUpdate(key[0], key[1], state.kind, state.risk, state.band))
        if reverse is not None:
            key = (message.recipient, message.sender)
            state = self._pairs.get(key)
            if state is None and reverse is not PairKind.PEER_MINORS:
                state = PairState(
                    reverse,
                    now,
                    message.recipient_facts,
                    message.sender_facts,
                    message.pair,
                    False,
                )
                self._pairs[key] = state
            if state is not None:
                state.kind = reverse
                state.adult_facts = message.recipient_facts
                state.minor_facts = message.sender_facts
                state.facts = message.pair
                state.last_time = now
                state.messages_in += 1
                changed = self._apply(state, message, hits, forward_side=False)
                if changed or (
                    state.has_evidence
                    and now - state.evaluated_at >= self.config.reevaluate_seconds
                ):
                    self._evaluate(key, state, now, message.id, events)
                updates.append(PairUpdate(key[0], key[1], state.kind, state.risk, state.band))
        return MessageOutcome(
            message.id,
            tuple(hits),
            tuple(updates),
            tuple(events),
            skipped=not updates,
            semantic=semantic,
        )

    def _may_add(self, hits: Sequence[Hit], message: ChatMessage) -> bool:
        """Whether any hit could add evidence from the sender (an age claim that agrees with
        the declared age cannot): declared minors get a state only then."""
        for hit in hits:
            if hit.claimed_age is None or age_claim_mismatch(
                hit.claimed_age, message.sender_facts.declared_age, self.config.metadata
            ):
                return True
        return False

    def _first_contact(
        self, message: ChatMessage, normalized: Normalized, state: PairState
    ) -> None:
        cfg = self.config
        sender = self._senders.get(message.sender)
        if sender is None:
            sender = self._senders[message.sender] = SenderState()
        contact = Contact(message.recipient, message.time, opener_signature(normalized.words))
        sender.add_contact(
            contact,
            window=cfg.fan_out_window_seconds,
            similarity=cfg.opener_similarity,
            capacity=cfg.contacts_capacity,
        )

    def _apply(
        self, state: PairState, message: ChatMessage, hits: Sequence[Hit], *, forward_side: bool
    ) -> bool:
        """Add a message's hits to a pair's evidence; return whether anything was added."""
        if not hits:
            return False
        cfg = self.config
        # One message is one piece of evidence per category: the strongest hit counts.
        best: dict[int, tuple[float, Hit]] = {}
        for hit in hits:
            strength = hit.strength
            if hit.claimed_age is not None:
                if not forward_side:
                    continue
                # An age claim is evidence only when it contradicts the declared age.
                if state.claimed_age is None or hit.claimed_age < state.claimed_age:
                    state.claimed_age = hit.claimed_age
                if not age_claim_mismatch(
                    hit.claimed_age, message.sender_facts.declared_age, cfg.metadata
                ):
                    continue
                strength = cfg.claim_mismatch_strength
            index = INDEX[hit.category]
            if index not in best or strength > best[index][0]:
                best[index] = (strength, hit)
        changed = False
        for index, (strength, hit) in best.items():
            if forward_side:
                if state.kind is PairKind.PEER_MINORS:
                    if hit.category is Category.AGE_DECEPTION and state.suspected_adult_at is None:
                        state.suspected_adult_at = message.id
                    weight = 1.0 if state.suspected_adult_at is not None else self._peer[index]
                else:
                    weight = 1.0
            else:
                weight = self._reply[index]
            amount = weight * strength
            if amount <= 0.0:
                continue
            gained = state.add(index, amount, message.time, cfg.half_life)
            changed = True
            if (
                forward_side
                and hit.category is Category.PLATFORM_MOVE
                and state.kind is not PairKind.PEER_MINORS
                and not state.fast_move
                and message.time - state.first_time <= cfg.fast_move_seconds
            ):
                state.fast_move = True
                sender = self._senders.get(message.sender)
                if sender is not None:
                    sender.fast_moves += 1
            if amount >= cfg.min_contribution:
                quote = None
                if cfg.keep_quotes:
                    quote = message.text[hit.span[0] : hit.span[1]][: cfg.quote_chars]
                state.remember(
                    EvidenceRef(
                        message.id,
                        hit.category,
                        hit.pattern_id,
                        hit.span[0],
                        hit.span[1],
                        message.time,
                        gained,
                        quote,
                    ),
                    cfg.ring_capacity,
                )
        return changed

    # -- risk ----------------------------------------------------------------------------------

    def _assess(self, key: tuple[str, str], state: PairState, now: float) -> _Assessment:
        cfg = self.config
        per = state.evidence_at(now, cfg.half_life)
        content = 0.0
        breadth = 0
        for weight, value in zip(self._weights, per, strict=True):
            content += weight * value
            if value >= cfg.breadth_min:
                breadth += 1
        evidence = content + cfg.breadth_bonus * max(0, breadth - 1)
        found = factors(self._context(key, state), cfg.metadata)
        m = multiplier(found, cfg.metadata.floor)
        risk = 1.0 - math.exp(-m * evidence / cfg.scale)
        return _Assessment(risk, evidence, breadth, per, found, m)

    def _context(self, key: tuple[str, str], state: PairState) -> PairContext:
        if state.kind is not PairKind.PEER_MINORS:
            sender = self._senders.get(key[0])
            contact = sender.contact(key[1]) if sender is not None else None
            if contact is not None:
                state.fan_out = max(state.fan_out, contact.nearby)
                state.similar_openers = max(state.similar_openers, contact.similar)
        return PairContext(
            kind=state.kind,
            adult=state.adult_facts,
            minor=state.minor_facts,
            facts=state.facts,
            adult_initiated=state.adult_initiated,
            claimed_age=state.claimed_age,
            fast_move=state.fast_move,
            fan_out=state.fan_out,
            similar_openers=state.similar_openers,
        )

    def _evaluate(
        self,
        key: tuple[str, str],
        state: PairState,
        now: float,
        message_id: str,
        events: list[BandChange],
    ) -> None:
        cfg = self.config
        risk = self._assess(key, state, now).risk
        state.risk = risk
        state.evaluated_at = now
        band = cfg.bands.band_for(risk, state.band)
        if band is not state.band:
            events.append(
                BandChange("pair", key[0], key[1], state.band, band, risk, now, message_id)
            )
            state.band = band
        if state.kind is PairKind.PEER_MINORS:
            return
        sender = self._senders.get(key[0])
        if sender is None:
            sender = self._senders[key[0]] = SenderState()
        sender.set_pair_risk(key[1], risk, cfg.sender_pairs_capacity)
        sender_risk = combine_risks(r for _, r in sender.top_pairs(cfg.sender_top_pairs))
        sender.risk = sender_risk
        sender_band = cfg.bands.band_for(sender_risk, sender.band)
        if sender_band is not sender.band:
            events.append(
                BandChange("sender", key[0], None, sender.band, sender_band, sender_risk, now,
                           message_id)
            )  # fmt: skip
            sender.band = sender_band

    def could_change_band(self, key: tuple[str, str], now: float) -> bool:
        """Whether one more message from the adult side could lift the pair into a band at or
        above ``semantic_min_band`` that it is not in yet: the gate for the semantic stage.

        The bound assumes the message shows, at full strength, the single category that would
        add most (its weight times the evidence still missing, plus the breadth bonus if it
        would newly count), under the pair's current metadata multiplier.
        """
        state = self._pairs.get(key)
        if state is None:
            return False
        cfg = self.config
        target = max(cfg.semantic_min_band.rank, state.band.rank + 1)
        if target > Band.URGENT_REVIEW.rank:
            return False
        threshold = cfg.bands.threshold(list(Band)[target])
        a = self._assess(key, state, now)
        direction = self._peer if state.kind is PairKind.PEER_MINORS else None
        if state.suspected_adult_at is not None:
            direction = None
        best = 0.0
        for index, value in enumerate(a.per_category):
            amount = direction[index] if direction is not None else 1.0
            after = 1.0 - (1.0 - value) * (1.0 - amount)
            gain = self._weights[index] * (after - value)
            if value < cfg.breadth_min <= after:
                gain += cfg.breadth_bonus if a.breadth >= 1 else 0.0
            best = max(best, gain)
        upper = 1.0 - math.exp(-a.multiplier * (a.evidence + best) / cfg.scale)
        return upper >= threshold

    # -- reports -------------------------------------------------------------------------------

    @property
    def clock(self) -> float:
        """The latest message time seen (the "now" of reports)."""
        return self._clock

    def pairs(self) -> Iterator[tuple[str, str]]:
        """Keys (adult side, minor side) of every tracked pair."""
        return iter(list(self._pairs))

    def senders(self) -> Iterator[str]:
        return iter(list(self._senders))

    def pair_state(self, adult: str, minor: str) -> PairState | None:
        return self._pairs.get((adult, minor))

    def pair_report(self, adult: str, minor: str, now: float | None = None) -> PairReport | None:
        """The pair's risk and explanation at ``now`` (default: the latest message time)."""
        key = (adult, minor)
        state = self._pairs.get(key)
        if state is None:
            return None
        when = self._clock if now is None else now
        cfg = self.config
        a = self._assess(key, state, when)
        categories: list[CategoryEvidence] = []
        refs = state.refs or []
        counts = state.counts
        for index, value in enumerate(a.per_category):
            if value <= 0.0:
                continue
            category = CATEGORIES[index]
            categories.append(
                CategoryEvidence(
                    category,
                    value,
                    self._weights[index],
                    counts[index] if counts is not None else 0,
                    tuple(r for r in refs if r.category is category),
                )
            )
        categories.sort(key=lambda ce: -ce.evidence * ce.weight)
        effects: list[FactorEffect] = []
        for f in a.factors:
            rest = tuple(g for g in a.factors if g is not f)
            m = multiplier(rest, cfg.metadata.floor)
            effects.append(FactorEffect(f, 1.0 - math.exp(-m * a.evidence / cfg.scale)))
        notes: list[str] = []
        if state.kind is PairKind.PEER_MINORS:
            notes.append("both accounts declared minors: signs count at the peer weights")
            if state.suspected_adult_at is not None:
                notes.append(
                    f"the adult side played age down in message {state.suspected_adult_at}: "
                    "scored as a possible adult from then on"
                )
        downs = [f.multiplier for f in a.factors if f.multiplier < 1.0]
        if downs and math.prod(downs) < cfg.metadata.floor:
            notes.append(
                f"lowering effects capped at x{cfg.metadata.floor:g} (they never exempt a pair)"
            )
        explanation = Explanation(
            tuple(categories),
            a.breadth,
            a.evidence,
            1.0 - math.exp(-a.evidence / cfg.scale),
            a.multiplier,
            tuple(effects),
            tuple(notes),
        )
        band = cfg.bands.band_for(a.risk, state.band)
        return PairReport(
            adult,
            minor,
            state.kind,
            a.risk,
            band,
            state.messages_out,
            state.messages_in,
            state.first_time,
            state.last_time,
            explanation,
        )

    def sender_report(self, sender: str, now: float | None = None) -> SenderReport | None:
        state = self._senders.get(sender)
        if state is None:
            return None
        when = self._clock if now is None else now
        cfg = self.config
        fresh: list[tuple[str, float]] = []
        for minor in list(state.pair_risks):
            pair = self._pairs.get((sender, minor))
            if pair is not None:
                fresh.append((minor, self._assess((sender, minor), pair, when).risk))
        fresh.sort(key=lambda kv: (-kv[1], kv[0]))
        top = tuple(fresh[: cfg.sender_top_pairs])
        risk = combine_risks(r for _, r in top)
        nearby, similar = state.fan_out()
        return SenderReport(
            sender,
            risk,
            cfg.bands.band_for(risk, state.band),
            state.minors,
            nearby,
            similar,
            state.fast_moves,
            top,
        )

    def memory(self) -> MemoryStats:
        sizes = [s.nbytes() for s in self._pairs.values()]
        return MemoryStats(
            len(sizes),
            sum(sizes),
            max(sizes, default=0),
            len(self._senders),
            sum(s.nbytes() for s in self._senders.values()),
        )
