"""A pair's risk from its state: the evidence formula, the semantic gate's bound, explanations.

Functions of the state rather than methods of :class:`~childsafe.grooming.scoring.Scorer`, so
the formula in the scorer's module docstring is in one place and the per-message path stays
short. Everything is computed at a given time from the decayed evidence; the only writes are
the pair's fan-out counters, which the pair takes over from its sender's contact record (see
:func:`pair_context`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from childsafe.grooming.metadata import Factor, PairContext, PairKind, factors, multiplier
from childsafe.grooming.register import FamilyRegister
from childsafe.grooming.scoring_config import ScorerConfig
from childsafe.grooming.scoring_reports import (
    CategoryEvidence,
    Explanation,
    FactorEffect,
    PairReport,
)
from childsafe.grooming.state import CATEGORIES, PairState, SenderState, Suspicion


@dataclass(frozen=True, slots=True)
class Assessment:
    """One evaluation of a pair, with the parts that reports and the semantic gate reuse."""

    risk: float
    evidence: float
    breadth: int
    per_category: list[float]
    factors: tuple[Factor, ...]
    multiplier: float


def pair_context(
    key: tuple[str, str], state: PairState, senders: Mapping[str, SenderState]
) -> PairContext:
    """The metadata context of a pair. Fan-out is read from the adult side's contact record
    and kept on the pair as a running maximum, because the sender's ring of contacts is capped
    and may drop this contact later."""
    if state.kind is not PairKind.PEER_MINORS:
        sender = senders.get(key[0])
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
        kin_minor=state.kin_minor,
        kin_adult=state.kin_adult,
        kin_self=state.kin_self,
        kin_claim=state.kin_claim,
        register=(
            FamilyRegister.probability(state.register_sum, state.register_messages)
            if state.register_messages
            else None
        ),
        register_messages=state.register_messages,
    )


def assess(
    cfg: ScorerConfig,
    weights: Sequence[float],
    key: tuple[str, str],
    state: PairState,
    senders: Mapping[str, SenderState],
    now: float,
) -> Assessment:
    """The pair's risk at ``now`` (the formula in the scorer's module docstring)."""
    per = state.evidence_at(now, cfg.half_life)
    content = 0.0
    breadth = 0
    for weight, value in zip(weights, per, strict=True):
        content += weight * value
        if value >= cfg.breadth_min:
            breadth += 1
    evidence = content + cfg.breadth_bonus * max(0, breadth - 1)
    found = factors(pair_context(key, state, senders), cfg.metadata)
    m = multiplier(found, cfg.metadata.floor)
    risk = 1.0 - math.exp(-m * evidence / cfg.scale)
    return Assessment(risk, evidence, breadth, per, found, m)


def upper_risk(
    cfg: ScorerConfig,
    weights: Sequence[float],
    peer: Sequence[float],
    state: PairState,
    a: Assessment,
    strength: float = 1.0,
) -> float:
    """The highest risk one more message from the adult side could give the pair: the bound
    behind :meth:`Scorer.could_change_band`, whose docstring says what it assumes. An upper
    bound, so the semantic stage is never skipped for a message that could matter.
    ``strength`` is the strongest hit the stage can return (1.0 when it does not say)."""
    direction = peer if state.kind is PairKind.PEER_MINORS else None
    if state.suspected_adult_at is not None:
        direction = None
    best = 0.0
    for index, value in enumerate(a.per_category):
        amount = (direction[index] if direction is not None else 1.0) * strength
        after = 1.0 - (1.0 - value) * (1.0 - amount)
        gain = weights[index] * (after - value)
        if value < cfg.breadth_min <= after:
            gain += cfg.breadth_bonus if a.breadth >= 1 else 0.0
        best = max(best, gain)
    return 1.0 - math.exp(-a.multiplier * (a.evidence + best) / cfg.scale)


def pair_report(
    cfg: ScorerConfig,
    weights: Sequence[float],
    adult: str,
    minor: str,
    state: PairState,
    a: Assessment,
) -> PairReport:
    """The report for ``a``, with each metadata effect measured by leaving it out."""
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
                weights[index],
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
        why = state.suspected_why
        if why is Suspicion.NEW_ACCOUNT:
            notes.append(
                "a new account, not connected to the child, had shown "
                f"{cfg.suspect_new_account_signs} different signs by message "
                f"{state.suspected_adult_at}: scored as a possible adult from then on"
            )
        elif why is Suspicion.MODEL_SIGNS:
            notes.append(
                f"by message {state.suspected_adult_at} the sign model had read "
                f"{cfg.suspect_model_signs} different signs in this account's messages at "
                f"{cfg.suspect_model_above:g} or more: scored as a possible adult from then on"
            )
        elif why is Suspicion.AGE_DOWNPLAYED:
            notes.append(
                f"the adult side played age down in message {state.suspected_adult_at}: "
                "scored as a possible adult from then on"
            )
    if state.kin_claim and state.kind is not PairKind.PEER_MINORS:
        notes.append(
            'the adult side claimed a family-like role ("like an uncle", "call me dad"): '
            "family cues in the conversation do not lower the risk"
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
