"""Explanations and reports: why a pair or a sender has its risk, for people and for JSON.

Frozen snapshots built on request (:meth:`Scorer.pair_report`, :meth:`Scorer.sender_report`),
never kept by the scorer, so their size does not count against the bounded per-pair memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from childsafe.grooming.bands import Band
from childsafe.grooming.categories import Category
from childsafe.grooming.metadata import Factor, PairKind
from childsafe.grooming.state import EvidenceRef


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
