"""Conversation-level figures and their bootstrap intervals, the same for every method.

Every method (the scorer and the baselines) reduces to one :class:`Outcome` per conversation
(flagged or not, and at which message), so the figures are computed by one piece of code and
compare like with like. The definitions are in the ``evaluate`` module docstring.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from childsafe.grooming.evaluate_data import Conversation


@dataclass(frozen=True, slots=True)
class Outcome:
    """One conversation's result under one method."""

    conversation: str
    relationship: str
    risky: bool
    detected_at: int | None
    earliest_alert: int | None

    @property
    def flagged(self) -> bool:
        return self.detected_at is not None

    @property
    def delay(self) -> int | None:
        if self.detected_at is None or self.earliest_alert is None or not self.risky:
            return None
        return self.detected_at - self.earliest_alert


def to_outcomes(
    conversations: Sequence[Conversation], detected: Mapping[int, int]
) -> list[Outcome]:
    """One outcome per conversation, in order; ``detected`` maps a conversation's number in
    ``conversations`` to its detection message, and what it leaves out was not flagged."""
    return [
        Outcome(
            str(c["id"]),
            str(c.get("relationship", "unknown")),
            bool(c.get("risky", False)),
            detected.get(number),
            c.get("earliest_alert"),
        )
        for number, c in enumerate(conversations)
    ]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) by linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _ratio(a: int, b: int) -> float:
    return a / b if b else math.nan


@dataclass(frozen=True)
class Metrics:
    """Conversation-level figures for one method on one set of conversations."""

    risky: int
    benign: int
    true_positives: int
    false_positives: int
    precision: float
    recall: float
    fpr: float
    detected: int
    median_delay: float
    p90_delay: float
    within_3: float
    #: relationship -> (conversations, flagged, risky?) ; rate = flagged / conversations
    by_relationship: dict[tuple[str, bool], tuple[int, int]] = field(default_factory=dict)

    def scalars(self) -> dict[str, float]:
        out = {
            "precision": self.precision,
            "recall": self.recall,
            "fpr": self.fpr,
            "median_delay": self.median_delay,
            "p90_delay": self.p90_delay,
            "within_3": self.within_3,
        }
        for (relationship, risky), (n, flagged) in self.by_relationship.items():
            out[_rate_key(relationship, risky)] = _ratio(flagged, n)
        return out


def _rate_key(relationship: str, risky: bool) -> str:
    return f"{'recall' if risky else 'fpr'}:{relationship}"


def compute_metrics(outcomes: Sequence[Outcome]) -> Metrics:
    risky = [o for o in outcomes if o.risky]
    benign = [o for o in outcomes if not o.risky]
    tp = sum(o.flagged for o in risky)
    fp = sum(o.flagged for o in benign)
    delays = [float(d) for o in risky if (d := o.delay) is not None]
    groups: dict[tuple[str, bool], list[int]] = {}
    for o in outcomes:
        g = groups.setdefault((o.relationship, o.risky), [0, 0])
        g[0] += 1
        g[1] += o.flagged
    return Metrics(
        risky=len(risky),
        benign=len(benign),
        true_positives=tp,
        false_positives=fp,
        precision=_ratio(tp, tp + fp),
        recall=_ratio(tp, len(risky)),
        fpr=_ratio(fp, len(benign)),
        detected=len(delays),
        median_delay=percentile(delays, 50),
        p90_delay=percentile(delays, 90),
        within_3=_ratio(sum(d <= 3 for d in delays), len(delays)),
        by_relationship={k: (v[0], v[1]) for k, v in sorted(groups.items())},
    )


def bootstrap(
    outcomes: Sequence[Outcome], n: int, seed: int, level: float = 0.95
) -> dict[str, tuple[float, float]]:
    """Percentile intervals of every scalar metric over ``n`` resamples of the conversations.

    A resample in which a figure is undefined (no flagged conversation for precision, no
    detected one for delays) is left out of that figure's interval.
    """
    if n <= 0 or not outcomes:
        return {}
    rng = random.Random(seed)
    samples: dict[str, list[float]] = {}
    keys = list(compute_metrics(outcomes).scalars())
    for _ in range(n):
        resample = [outcomes[rng.randrange(len(outcomes))] for _ in outcomes]
        values = compute_metrics(resample).scalars()
        for key in keys:
            value = values.get(key, math.nan)
            if not math.isnan(value):
                samples.setdefault(key, []).append(value)
    tail = (1.0 - level) / 2 * 100
    return {
        key: (percentile(vals, tail), percentile(vals, 100 - tail)) for key, vals in samples.items()
    }
