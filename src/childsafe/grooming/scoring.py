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

The per-message path is built to be cheap. Two declared adults are not read at all; the
lexical detector runs on every other message; two declared minors stop after it and the sign
model's reading (which looks for an adult posing as a teenager) unless a sign was found;
adult-minor pairs update a few counters and only recompute their risk when a sign was found
(or, for decay, at most once per ``reevaluate_seconds``). A later embedding stage plugs in
through :class:`SemanticStage` and is called only when one message could move the pair into a
band at or above ``semantic_min_band`` (see :meth:`Scorer.could_change_band`), or for a
declared minor scored as a possible adult.

Pure: no I/O, no clock (time comes with the messages), no global state.

This module is the per-message path. The formula and explanations are in ``scoring_pairs``,
fan-out and sender risk in ``scoring_senders``, the tuning in ``scoring_config``; the types
they return (``scoring_messages``, ``scoring_reports``) are re-exported here.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, MutableMapping, Sequence

from childsafe.grooming.bands import Band, BandChange
from childsafe.grooming.categories import Category, Hit
from childsafe.grooming.detectors import LexicalDetector
from childsafe.grooming.kinship import observe as observe_kinship
from childsafe.grooming.metadata import AccountFacts, PairKind, age_claim_mismatch, pair_kind
from childsafe.grooming.normalize import Normalized
from childsafe.grooming.scoring_config import (
    DEFAULT_CATEGORY_WEIGHTS,
    DEFAULT_PEER_WEIGHTS,
    DEFAULT_REPLY_WEIGHTS,
    ScorerConfig,
)
from childsafe.grooming.scoring_messages import (
    ChatMessage,
    MessageOutcome,
    PairUpdate,
    SemanticStage,
)
from childsafe.grooming.scoring_pairs import Assessment, assess, pair_report, upper_risk
from childsafe.grooming.scoring_reports import (
    CategoryEvidence,
    Explanation,
    FactorEffect,
    MemoryStats,
    PairReport,
    SenderReport,
)
from childsafe.grooming.scoring_senders import record_first_contact, sender_report, update_sender
from childsafe.grooming.signmodel import MIN_WORDS as SIGN_MIN_WORDS
from childsafe.grooming.signmodel import VOUCHED
from childsafe.grooming.state import (
    CATEGORIES,
    INDEX,
    EvidenceRef,
    PairState,
    SenderState,
    Suspicion,
)

# The scorer's types live in the ``scoring_*`` modules; they stay importable from here.
__all__ = [
    "DEFAULT_CATEGORY_WEIGHTS",
    "DEFAULT_PEER_WEIGHTS",
    "DEFAULT_REPLY_WEIGHTS",
    "CategoryEvidence",
    "ChatMessage",
    "Explanation",
    "FactorEffect",
    "MemoryStats",
    "MessageOutcome",
    "PairReport",
    "PairUpdate",
    "Scorer",
    "ScorerConfig",
    "SemanticStage",
    "SenderReport",
]


class Scorer:
    """Scores chat messages into per-pair and per-sender risk. Feed messages in time order.

    Not thread-safe: one scorer per worker, with messages of one pair always routed to the same
    worker (shard by the pair's accounts), or one scorer per batch over state maps that the
    caller loads and saves under a lock (``pairs``, ``senders``; what ``childsafe.chat`` does).
    """

    def __init__(
        self,
        config: ScorerConfig | None = None,
        detector: LexicalDetector | None = None,
        semantic: SemanticStage | None = None,
        *,
        pairs: MutableMapping[tuple[str, str], PairState] | None = None,
        senders: MutableMapping[str, SenderState] | None = None,
    ) -> None:
        self.config = config or ScorerConfig()
        self.detector = detector or LexicalDetector()
        self._normalizer = self.detector.normalizer
        self._semantic = semantic
        model = self.config.sign_model
        self._beyond_rules = semantic is not None or model is not None
        self._learned_strength = model.max_strength if model is not None else 0.0
        self._backing = model is not None and self.config.unbacked_below > 0.0
        self._vouching = model is not None and self.config.vouched_above > 0.0
        self._reading_minors = model is not None and self.config.suspect_model_signs > 0
        self._model_categories = (
            tuple(sorted(INDEX[c] for c in model.learned)) if model is not None else ()
        )
        # Injected maps let a service keep the state elsewhere (the store loads the pairs and
        # senders a batch touches, the scorer updates them, the store writes them back).
        self._pairs: MutableMapping[tuple[str, str], PairState] = {} if pairs is None else pairs
        self._senders: MutableMapping[str, SenderState] = {} if senders is None else senders
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
        sender_role = message.sender_facts.role
        recipient_role = message.recipient_facts.role
        forward = pair_kind(sender_role, recipient_role)
        reverse = pair_kind(recipient_role, sender_role)
        if forward is None and reverse is None:
            # Two declared adults: no pair to score, so not even the lexical stage runs. On
            # most platforms this is most of the traffic.
            return MessageOutcome(message.id, (), (), (), skipped=True)
        normalized = self._normalizer.normalize(message.text)
        found, vetoed = self.detector.detect_with_vetoes(normalized)
        hits: Sequence[Hit] = found
        events: list[BandChange] = []
        updates: list[PairUpdate] = []
        semantic = False
        if forward is not None:
            # The sender is the adult side. Two declared minors get a state only once a
            # message could add evidence.
            key = (message.sender, message.recipient)
            peer = forward is PairKind.PEER_MINORS
            state = self._pairs.get(key)
            probs: list[float] | None = None
            tracked = state is not None or not peer or self._may_add(hits, message)
            if not tracked and self._reading_minors:
                # A message the sign model reads as a sign opens the pair too: an adult posing
                # as a teenager may write several before any rule matches.
                probs = self._sign_probabilities(normalized)
                tracked = probs is not None and self._signs_read(probs) != 0
            if tracked:
                state = self._touch(
                    key,
                    state,
                    forward,
                    message,
                    adult=message.sender_facts,
                    minor=message.recipient_facts,
                    initiated=None if peer else True,
                )
                if state.messages_out == 0 and not peer:
                    record_first_contact(self.config, self._senders, message, normalized)
                state.messages_out += 1
                register = self.config.family_register
                if register is not None and not peer and state.facts.known_relationship is None:
                    score = register.message_score(normalized.words)
                    if score is not None:
                        state.register_sum += score
                        state.register_messages += 1
                if hits and (self._vouching if peer else self._backing):
                    hits, probs = self._back(hits, normalized, probs, peer=peer)
                if peer and self._reading_minors and state.suspected_adult_at is None:
                    probs = self._read_between_minors(state, message, normalized, probs)
                if (
                    self._beyond_rules
                    and self._may_find(normalized)
                    # A declared minor scored as a possible adult: every sign the learned
                    # stages read counts, not only one that could change the band at once.
                    and (
                        (peer and state.suspected_adult_at is not None)
                        or self.could_change_band(key, now)
                    )
                ):
                    hits, semantic = self._learned_and_semantic(
                        message, normalized, hits, probs, vetoed
                    )
                updates.append(self._settle(key, state, message, hits, events, forward_side=True))
        if reverse is not None:
            # The sender is the minor side: a reply.
            key = (message.recipient, message.sender)
            state = self._pairs.get(key)
            if state is not None or reverse is not PairKind.PEER_MINORS:
                state = self._touch(
                    key,
                    state,
                    reverse,
                    message,
                    adult=message.recipient_facts,
                    minor=message.sender_facts,
                    initiated=False,
                )
                state.messages_in += 1
                updates.append(self._settle(key, state, message, hits, events, forward_side=False))
        return MessageOutcome(
            message.id,
            tuple(hits),
            tuple(updates),
            tuple(events),
            skipped=not updates,
            semantic=semantic,
        )

    def _may_find(self, normalized: Normalized) -> bool:
        """Whether the sign model or the embedding stage could return anything for this message,
        before the gate's bound is computed (the larger cost): a message too short for the sign
        model gets nothing from it, and then none from a stage behind the floor either."""
        if self.config.sign_model is None or len(normalized.words) >= SIGN_MIN_WORDS:
            return True
        stage = self._semantic
        return stage is not None and (
            self.config.semantic_floor <= 0.0 or bool(getattr(stage, "operator_positives", False))
        )

    def _back(
        self,
        hits: Sequence[Hit],
        normalized: Normalized,
        probs: list[float] | None,
        *,
        peer: bool,
    ) -> tuple[Sequence[Hit], list[float] | None]:
        """The rules' hits as the sign model reads them, and its probabilities for reuse
        (``probs``, when the caller has them already): between an adult side and a minor,
        those it does not back are discounted (``ScorerConfig.unbacked_below``); between two
        declared minors, those it vouches for are marked to count at more than the peer
        weight (``ScorerConfig.vouched_above``)."""
        model = self.config.sign_model
        assert model is not None  # _backing or _vouching says so
        if probs is None:
            probs = self._sign_probabilities(normalized)
        if probs is None:
            return hits, None
        cfg = self.config
        if peer:
            return model.vouch(hits, probs, cfg.vouched_above), probs
        return model.back(hits, probs, cfg.unbacked_below, cfg.unbacked_factor), probs

    def _read_between_minors(
        self,
        state: PairState,
        message: ChatMessage,
        normalized: Normalized,
        probs: list[float] | None,
    ) -> list[float] | None:
        """Between two declared minors, note the categories the sign model reads at
        ``suspect_model_above`` in the adult side's message, and score them as a possible adult
        once there are ``suspect_model_signs`` of them; returns the probabilities for reuse.

        Why not through the gate: between minors the gate looks one message ahead at the peer
        weights, so it stays shut for signs that matter only together, and the model was never
        asked about most of a posing adult's messages."""
        if probs is None:
            probs = self._sign_probabilities(normalized)
            if probs is None:
                return None
        state.model_signs |= self._signs_read(probs)
        if state.model_signs.bit_count() >= self.config.suspect_model_signs:
            state.suspect(message.id, Suspicion.MODEL_SIGNS)
        return probs

    def _sign_probabilities(self, normalized: Normalized) -> list[float] | None:
        model = self.config.sign_model
        assert model is not None  # every caller checks that the model is on
        return model.probabilities(normalized.words)

    def _signs_read(self, probs: Sequence[float]) -> int:
        """The categories the sign model reads at ``suspect_model_above``, one bit each."""
        above = self.config.suspect_model_above
        bits = 0
        for index in self._model_categories:
            if probs[index] >= above:
                bits |= 1 << index
        return bits

    def _learned_and_semantic(
        self,
        message: ChatMessage,
        normalized: Normalized,
        hits: Sequence[Hit],
        probs: list[float] | None = None,
        vetoed: frozenset[Category] = frozenset(),
    ) -> tuple[Sequence[Hit], bool]:
        """The sign model's hits, then the embedding stage's, where the gate is open.

        The stage is skipped when the sign model found a sign (the stage, like its own
        ``skip_if_lexical``, would at most add a second paraphrased one) or gives every category
        less than ``semantic_floor`` (unless the stage holds operators' own positives, which
        the model never saw); returns the hits and whether the stage was called."""
        # A category whose rule matched but was vetoed by an innocent context in the message
        # ("keep it quiet? it's a surprise") is not found again by the learned stages.
        known = {h.category for h in hits} | vetoed
        model = self.config.sign_model
        learned: list[Hit] = []
        top = 1.0
        if model is not None:
            learned, top = model.detect(message.text, normalized.words, known, probs)
            hits = [*hits, *learned]
            known.update(h.category for h in learned)
        stage = self._semantic
        if stage is None:
            return hits, False
        if model is not None and (
            learned  # the model found a sign: the stage would at most add a paraphrase
            or (
                top < self.config.semantic_floor and not getattr(stage, "operator_positives", False)
            )
        ):
            return hits, False
        extra = stage.detect(message, normalized, hits)
        return [*hits, *(h for h in extra if h.category not in known)], True

    def _touch(
        self,
        key: tuple[str, str],
        state: PairState | None,
        kind: PairKind,
        message: ChatMessage,
        *,
        adult: AccountFacts,
        minor: AccountFacts,
        initiated: bool | None,
    ) -> PairState:
        """The pair's state, created if new, with the facts of this message: declared ages and
        the pair's facts can change between messages, and the latest ones apply."""
        if state is None:
            state = PairState(kind, message.time, adult, minor, message.pair, initiated)
            self._pairs[key] = state
        state.kind = kind
        state.adult_facts = adult
        state.minor_facts = minor
        state.facts = message.pair
        state.last_time = message.time
        return state

    def _settle(
        self,
        key: tuple[str, str],
        state: PairState,
        message: ChatMessage,
        hits: Sequence[Hit],
        events: list[BandChange],
        *,
        forward_side: bool,
    ) -> PairUpdate:
        """Add the message's evidence and re-evaluate the pair if it changed or if its risk is
        older than ``reevaluate_seconds`` (so decay shows without a recompute per message)."""
        now = message.time
        cue = observe_kinship(state, message.text, hits, self._normalizer, adult_side=forward_side)
        changed = self._apply(state, message, hits, forward_side=forward_side)
        if (
            changed
            or (cue and state.has_evidence)
            or (state.has_evidence and now - state.evaluated_at >= self.config.reevaluate_seconds)
        ):
            self._evaluate(key, state, now, message.id, events)
        return PairUpdate(key[0], key[1], state.kind, state.risk, state.band)

    def _may_add(self, hits: Sequence[Hit], message: ChatMessage) -> bool:
        """Whether any hit could add evidence from the sender (an age claim that agrees with
        the declared age cannot): declared minors get a state only then."""
        for hit in hits:
            if hit.claimed_age is None or age_claim_mismatch(
                hit.claimed_age, message.sender_facts.declared_age, self.config.metadata
            ):
                return True
        return False

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
        if forward_side:
            for index in best:
                state.adult_signs |= 1 << index
            if state.kind is PairKind.PEER_MINORS and state.suspected_adult_at is None:
                self._suspect_new_account(state, message)
        for index, (strength, hit) in best.items():
            if forward_side:
                if state.kind is PairKind.PEER_MINORS:
                    if hit.category is Category.AGE_DECEPTION and state.suspected_adult_at is None:
                        state.suspect(message.id, Suspicion.AGE_DOWNPLAYED)
                    weight = 1.0 if state.suspected_adult_at is not None else self._peer[index]
                    if hit.pattern_id.startswith(VOUCHED):
                        weight = max(weight, cfg.vouched_weight)
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
                # A rule's own match, which the sign model backs: not a paraphrase the learned
                # stages read ("your username will be shown on stream"), nor a discounted one.
                and hit.as_written
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

    def _suspect_new_account(self, state: PairState, message: ChatMessage) -> None:
        """Score a declared minor as a possible adult once a new account with no connection to
        the child has shown ``suspect_new_account_signs`` different signs (see the config)."""
        cfg = self.config
        days = message.sender_facts.account_age_days
        if (
            cfg.suspect_new_account_signs > 0
            and days is not None
            and days < cfg.suspect_new_account_days
            and not message.pair.connected
            and state.adult_signs.bit_count() >= cfg.suspect_new_account_signs
        ):
            state.suspect(message.id, Suspicion.NEW_ACCOUNT)

    # -- risk ----------------------------------------------------------------------------------

    def _assess(self, key: tuple[str, str], state: PairState, now: float) -> Assessment:
        return assess(self.config, self._weights, key, state, self._senders, now)

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
        event = update_sender(cfg, self._senders, key, risk, now, message_id)
        if event is not None:
            events.append(event)

    def could_change_band(self, key: tuple[str, str], now: float) -> bool:
        """Whether one more message from the adult side could lift the pair into a band at or
        above ``semantic_min_band`` that it is not in yet: the gate for the semantic stage.

        The bound assumes the message shows, at the strongest the stage can return (its
        ``max_strength``, else full strength), the single category that would add most (its
        weight times the evidence still missing, plus the breadth bonus if it would newly
        count), under the pair's current metadata multiplier.
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
        strength = max(
            float(getattr(self._semantic, "max_strength", 1.0)) if self._semantic else 0.0,
            self._learned_strength,
        )
        return upper_risk(cfg, self._weights, self._peer, state, a, strength) >= threshold

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

    def sender_state(self, account: str) -> SenderState | None:
        return self._senders.get(account)

    def pair_report(self, adult: str, minor: str, now: float | None = None) -> PairReport | None:
        """The pair's risk and explanation at ``now`` (default: the latest message time)."""
        key = (adult, minor)
        state = self._pairs.get(key)
        if state is None:
            return None
        when = self._clock if now is None else now
        a = self._assess(key, state, when)
        return pair_report(self.config, self._weights, adult, minor, state, a)

    def sender_report(self, sender: str, now: float | None = None) -> SenderReport | None:
        when = self._clock if now is None else now
        return sender_report(self.config, self._weights, sender, self._pairs, self._senders, when)

    def memory(self) -> MemoryStats:
        sizes = [s.nbytes() for s in self._pairs.values()]
        return MemoryStats(
            len(sizes),
            sum(sizes),
            max(sizes, default=0),
            len(self._senders),
            sum(s.nbytes() for s in self._senders.values()),
        )
