"""Conversation-level evaluation of the scorer against two baselines, with bootstrap intervals.

Input is the synthetic set's format (``datasets/chat/README.md``): one dict per conversation.
The scorer sees only what a platform would send (text, times, declared ages, verification,
account age, connection, known relationship); it never reads ``true_age``, ``risky``,
``signs``, ``lookalike``, ``earliest_alert`` or ``categories``. The messages of every
conversation in the split are merged in time order and fed to one scorer, so a sender's
fan-out across conversations is visible as it would be on a platform.

Definitions (``docs/grooming.md`` repeats them):

- A conversation is *flagged* when a pair of its two accounts (either direction) reaches the
  alert band (default ``nudge_child``: the first band that does something for the child). Its
  *detection message* is the index ``i`` of the message at which that first happened.
- Precision = flagged risky / flagged; recall = flagged risky / risky; false-positive rate =
  flagged benign / benign, overall and per relationship type.
- Messages to detection = detection message minus ``earliest_alert``, over detected risky
  conversations (negative when the alert came earlier than the reference). Median and p90 use
  linear interpolation between closest ranks (numpy's default).
- Bootstrap: resample conversations with replacement, recompute every figure, report the
  2.5th and 97.5th percentiles; seeded, so a seed gives the same intervals every run.

Baselines, run on the same messages: ``keywords``, the first message containing any word of a
flat keyword list (``evaluate_keywords``), and ``sentinel-shape``, Roblox Sentinel's scoring
shape over character n-gram TF-IDF vectors rather than its embedding model, thresholds tuned on
dev (``evaluate_sentinel``). Loading is in ``evaluate_data``, the figures in
``evaluate_metrics``; their public names are re-exported here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from childsafe.grooming.bands import Band
from childsafe.grooming.evaluate_data import (
    SPLITS,
    Conversation,
    message_id,
    records_to_messages,
    select,
    to_messages,
)
from childsafe.grooming.evaluate_keywords import KEYWORDS, run_keywords
from childsafe.grooming.evaluate_metrics import (
    Metrics,
    Outcome,
    bootstrap,
    compute_metrics,
    percentile,
    to_outcomes,
)
from childsafe.grooming.evaluate_sentinel import (
    MAX_FPR,
    SENTINEL_NEGATIVES,
    CharTfidf,
    SentinelShape,
    run_sentinel,
    sentinel_exemplars,
    sentinel_running_scores,
    tune_threshold,
)
from childsafe.grooming.scoring import Scorer, ScorerConfig

__all__ = [
    "KEYWORDS",
    "MAX_FPR",
    "SENTINEL_NEGATIVES",
    "SPLITS",
    "CharTfidf",
    "Conversation",
    "EvaluationReport",
    "MethodResult",
    "Metrics",
    "Outcome",
    "Progress",
    "SentinelShape",
    "bootstrap",
    "compute_metrics",
    "evaluate",
    "message_id",
    "percentile",
    "records_to_messages",
    "run_keywords",
    "run_scorer",
    "run_sentinel",
    "select",
    "sentinel_exemplars",
    "sentinel_running_scores",
    "to_messages",
    "tune_threshold",
]

Progress = Callable[[int, int], None]


def run_scorer(
    conversations: Sequence[Conversation],
    config: ScorerConfig | None = None,
    *,
    alert: Band = Band.NUDGE_CHILD,
    scorer: Scorer | None = None,
    progress: Progress | None = None,
) -> tuple[list[Outcome], Scorer]:
    """Feed every message to one scorer; a conversation is detected when a pair of its two
    accounts first reaches ``alert``."""
    scorer = scorer or Scorer(config)
    detected: dict[int, int] = {}
    messages = to_messages(conversations)
    total = len(messages)
    for done, (number, index, msg) in enumerate(messages, 1):
        outcome = scorer.process(msg)
        # The pairs a message touches are pairs of its conversation's two accounts.
        if number not in detected and any(u.band.at_least(alert) for u in outcome.pairs):
            detected[number] = index
        if progress is not None and (done % 500 == 0 or done == total):
            progress(done, total)
    return to_outcomes(conversations, detected), scorer


@dataclass(frozen=True)
class MethodResult:
    name: str
    description: str
    metrics: Metrics
    intervals: dict[str, tuple[float, float]]
    outcomes: list[Outcome]
    threshold: float | None = None


@dataclass(frozen=True)
class EvaluationReport:
    split: str
    conversations: int
    messages: int
    alert: Band
    bootstrap: int
    seed: int
    methods: list[MethodResult]
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "split": self.split,
            "conversations": self.conversations,
            "messages": self.messages,
            "alert_band": self.alert.value,
            "bootstrap": self.bootstrap,
            "seed": self.seed,
            "methods": [
                {
                    "name": m.name,
                    "description": m.description,
                    "threshold": m.threshold,
                    "risky": m.metrics.risky,
                    "benign": m.metrics.benign,
                    "true_positives": m.metrics.true_positives,
                    "false_positives": m.metrics.false_positives,
                    "detected": m.metrics.detected,
                    "metrics": {k: _num(v) for k, v in m.metrics.scalars().items()},
                    "intervals": {k: [_num(lo), _num(hi)] for k, (lo, hi) in m.intervals.items()},
                    "by_relationship": [
                        {
                            "relationship": rel,
                            "risky": risky,
                            "conversations": n,
                            "flagged": flagged,
                        }
                        for (rel, risky), (n, flagged) in m.metrics.by_relationship.items()
                    ],
                }
                for m in self.methods
            ],
            "notes": self.notes,
        }


def _num(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)


def evaluate(
    conversations: Sequence[Conversation],
    *,
    split: str = "heldout",
    config: ScorerConfig | None = None,
    alert: Band = Band.NUDGE_CHILD,
    bootstrap_n: int = 1000,
    seed: int = 0,
    progress: Progress | None = None,
) -> EvaluationReport:
    """Score ``split`` with childsafe and both baselines; intervals by bootstrap."""
    chosen = select(conversations, split)
    notes: list[str] = []
    methods: list[MethodResult] = []

    outcomes, _ = run_scorer(chosen, config, alert=alert, progress=progress)
    methods.append(
        MethodResult(
            "childsafe",
            f"lexical signs + pair state + metadata; alert at band {alert.value} or above",
            compute_metrics(outcomes),
            bootstrap(outcomes, bootstrap_n, seed),
            outcomes,
        )
    )
    keyword_outcomes = run_keywords(chosen)
    methods.append(
        MethodResult(
            "keywords",
            f"any of {len(KEYWORDS)} plain keywords (secret, parents, pic, meet, ...) alerts",
            compute_metrics(keyword_outcomes),
            bootstrap(keyword_outcomes, bootstrap_n, seed),
            keyword_outcomes,
        )
    )
    dev = select(conversations, "dev")
    for negatives, label in (("lookalike", "look-alikes"), ("common", "all non-sign messages")):
        name = f"sentinel-shape/{negatives}"
        harmful, benign = sentinel_exemplars(conversations, negatives)
        if not (harmful and benign and dev):
            notes.append(
                f"{name} skipped: it needs a dev split with sign and look-alike labels for "
                "its exemplars"
            )
            continue
        model = SentinelShape(harmful, benign)
        # Tune on dev, scoring dev against exemplars other than the message itself.
        threshold = tune_threshold(dev, sentinel_running_scores(model, dev, exclude_exact=True))
        sentinel_outcomes = run_sentinel(chosen, model, threshold, exclude_exact=split != "heldout")
        methods.append(
            MethodResult(
                name,
                f"{SentinelShape.description}; benign exemplars: dev {label}",
                compute_metrics(sentinel_outcomes),
                bootstrap(sentinel_outcomes, bootstrap_n, seed),
                sentinel_outcomes,
                threshold,
            )
        )
        notes.append(
            f"{name}: {len(model.harmful)} harmful and {len(model.benign)} benign unique dev "
            f"exemplars ({label}); threshold {threshold:.4f}, the lowest with dev FPR <= "
            f"{MAX_FPR:.0%}"
        )
    if split != "heldout":
        notes.append(
            f"split {split!r} includes conversations the defaults were tuned on: report "
            "held-out figures"
        )
    return EvaluationReport(
        split=split,
        conversations=len(chosen),
        messages=sum(len(c["messages"]) for c in chosen),
        alert=alert,
        bootstrap=bootstrap_n,
        seed=seed,
        methods=methods,
        notes=notes,
    )
