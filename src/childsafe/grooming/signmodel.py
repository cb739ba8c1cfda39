"""The sign model: warning signs learned from labelled messages, in words the rules do not know.

The lexical rules find the wordings they were written from; on conversations written by people
who never saw them they find about half the signs (docs/grooming.md). The embedding stage finds
paraphrases near its exemplars, at about 2.5 ms of model per message. This model is the third
way: one logistic regression per category over each message's distinct normalised words and
adjacent word pairs (binary, L2 normalised over the features it knows), trained on every
labelled sign message of the dev data: the synthetic dev split and the hand-written writers'
risky adults, against everything else the adults wrote, family look-alikes included. Leaving
one writer out at a time, it found more of that writer's risky adults than the embedding stage
did, at a few microseconds a message (docs/grooming.md, "the sign model").

It plugs in where the embedding stage does: the scorer runs it only when one more message could
move the pair's band (``Scorer.could_change_band``), before the embedding stage, and a category
it finds is a hit of ``strength`` (moderate, like the embedding stage's: a learned guess). Its
highest probability also tells the scorer whether the embedding stage is worth calling
(``ScorerConfig.semantic_floor``). And it backs the rules: a rule's match in a message it gives
that category little probability counts for less (:meth:`SignModel.back`,
``ScorerConfig.unbacked_below``), since a rule reads a few words and the model all of them.

``scripts/train_sign_model.py`` trains it from the dev data only and writes ``sign_model.json``
beside this module; a test checks the shipped file against a fresh training.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from itertools import pairwise
from typing import Any

from childsafe.grooming.categories import Category, Hit

SHIPPED_FILE = "sign_model.json"
#: Messages shorter than this (in normalised words) are not read ("ok", "u there").
MIN_WORDS = 3
CATEGORIES: tuple[Category, ...] = tuple(Category)
_INDEX = {c: i for i, c in enumerate(CATEGORIES)}
#: The prefix of a rule's pattern id when the model did not back its match.
UNBACKED = "unbacked:"
#: The prefix of a rule's pattern id when the model vouches for its match between minors.
VOUCHED = "vouched:"


def features(words: Sequence[str]) -> set[str]:
    """A message's features: its distinct words and adjacent word pairs, as in training."""
    out = set(words)
    out.update(f"{a} {b}" for a, b in pairwise(words))
    return out


def _logistic(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@dataclass(frozen=True)
class SignModel:
    """Per feature, its nonzero weights as ``(category index, weight)``; per category, a bias.

    ``threshold`` is the probability at which a category becomes a hit, ``strength`` the hit's
    strength (the scorer's gate assumes no hit of this model is stronger).
    """

    weights: Mapping[str, tuple[tuple[int, float], ...]]
    bias: tuple[float, ...]
    about: Mapping[str, Any] = field(default_factory=dict)
    threshold: float = 0.8
    strength: float = 0.5

    def __post_init__(self) -> None:
        if len(self.bias) != len(CATEGORIES):
            raise ValueError(f"a sign model needs {len(CATEGORIES)} biases, has {len(self.bias)}")
        if not 0.0 < self.threshold < 1.0:
            raise ValueError("threshold must be between 0 and 1")
        if not 0.0 < self.strength <= 1.0:
            raise ValueError("strength must be in (0, 1]")

    @property
    def max_strength(self) -> float:
        return self.strength

    @cached_property
    def learned(self) -> frozenset[Category]:
        """The categories the model has weights for (``age_deception`` is left to the rules)."""
        return frozenset(CATEGORIES[i] for pairs in self.weights.values() for i, _ in pairs)

    @cached_property
    def _rows(self) -> dict[str, tuple[float, ...]]:
        """Per feature, its weight for every category (0 where it has none), built on first
        use. Summing these rows column by column costs about a third less than adding the
        sparse pairs one by one in Python: the features a message shares with the model are
        its common words, which carry weights for most categories (docs/grooming.md, "a
        second reading by cause", what it costs)."""
        zero = (0.0,) * len(CATEGORIES)
        rows: dict[str, tuple[float, ...]] = {}
        for feature, pairs in self.weights.items():
            row = list(zero)
            for index, weight in pairs:
                row[index] += weight
            rows[feature] = tuple(row)
        return rows

    def probabilities(self, words: Sequence[str]) -> list[float] | None:
        """Per category (in ``Category`` order), the probability that the message shows it;
        ``None`` for a message too short to read."""
        if len(words) < MIN_WORDS:
            return None
        rows = [row for row in map(self._rows.get, features(words)) if row is not None]
        if not rows:
            return [_logistic(b) for b in self.bias]
        scale = 1.0 / math.sqrt(len(rows))
        return [
            _logistic(sum(column) * scale + b)
            for column, b in zip(zip(*rows, strict=True), self.bias, strict=True)
        ]

    def detect(
        self,
        text: str,
        words: Sequence[str],
        known: frozenset[Category] | set[Category],
        probs: Sequence[float] | None = None,
    ) -> tuple[list[Hit], float]:
        """Hits for the categories at or above the threshold that are not in ``known``, and the
        highest probability of any category (0 for a message too short to read). ``probs``
        are the message's :meth:`probabilities` when the caller has them already."""
        if probs is None:
            probs = self.probabilities(words)
        if probs is None:
            return [], 0.0
        hits = [
            Hit(category, self.strength, (0, len(text)), f"learned:{category.value}")
            for category, p in zip(CATEGORIES, probs, strict=True)
            if p >= self.threshold and category not in known
        ]
        return hits, max(probs)

    def back(
        self, hits: Sequence[Hit], probs: Sequence[float], below: float, factor: float
    ) -> list[Hit]:
        """``hits`` with each one of a learned category that the model gives less than
        ``below`` counted at ``factor`` of its strength, as ``unbacked:<rule>``.

        A rule matches a few words; the model weighs every word of the message against how
        signs and look-alikes were written, so a match it does not back is more often a
        look-alike. Age claims are left alone (the rules check them against the declared age).
        """
        learned = self.learned
        out: list[Hit] = []
        for hit in hits:
            index = _INDEX[hit.category]
            if hit.claimed_age is None and hit.category in learned and probs[index] < below:
                hit = Hit(
                    hit.category,
                    hit.strength * factor,
                    hit.span,
                    sys.intern(f"{UNBACKED}{hit.pattern_id}"),
                )
            out.append(hit)
        return out

    def vouch(self, hits: Sequence[Hit], probs: Sequence[float], above: float) -> list[Hit]:
        """``hits`` with each one of a learned category that the model gives at least
        ``above`` renamed ``vouched:<rule>``: between two declared minors the scorer counts
        those at more than the peer weight, since the model learned teenagers' own
        look-alikes as negatives. Age claims are left alone, as in :meth:`back`."""
        learned = self.learned
        out: list[Hit] = []
        for hit in hits:
            index = _INDEX[hit.category]
            if hit.claimed_age is None and hit.category in learned and probs[index] >= above:
                pattern = sys.intern(f"{VOUCHED}{hit.pattern_id}")
                hit = Hit(hit.category, hit.strength, hit.span, pattern)
            out.append(hit)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The file form: per category its bias and its features' weights (readable: what the
        model takes for secrecy is under ``weights.secrecy``)."""
        per: dict[str, dict[str, float]] = {c.value: {} for c in CATEGORIES}
        for feature, pairs in sorted(self.weights.items()):
            for index, weight in pairs:
                per[CATEGORIES[index].value][feature] = weight
        return {
            "about": dict(self.about),
            "threshold": self.threshold,
            "strength": self.strength,
            "bias": {c.value: b for c, b in zip(CATEGORIES, self.bias, strict=True)},
            "weights": per,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SignModel:
        try:
            bias = tuple(float(data["bias"][c.value]) for c in CATEGORIES)
            per_feature: dict[str, list[tuple[int, float]]] = {}
            for index, category in enumerate(CATEGORIES):
                for feature, weight in data["weights"].get(category.value, {}).items():
                    per_feature.setdefault(str(feature), []).append((index, float(weight)))
            return cls(
                {f: tuple(pairs) for f, pairs in per_feature.items()},
                bias,
                dict(data.get("about", {})),
                float(data.get("threshold", 0.8)),
                float(data.get("strength", 0.5)),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ValueError(f"not a sign model: {type(e).__name__}: {e}") from None


@cache
def shipped_sign_model() -> SignModel:
    """The model shipped with the package (read once per process, on first use)."""
    text = resources.files(__package__).joinpath(SHIPPED_FILE).read_text(encoding="utf-8")
    return SignModel.from_dict(json.loads(text))
