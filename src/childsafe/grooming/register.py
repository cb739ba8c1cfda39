"""The family register: a learned model of how family members write to a child.

The rules read warning signs one message at a time, and a parent's "is your dad home yet" or a
grandmother's "our little secret, it's for mum's birthday" reads like a stranger's. What tells
them apart is everything else the adult writes: dinner, lifts, the dog, auntie's visit. The
hand-written family sets showed that hand-made family cues (``kinship``) fit the writers they
were written from; a linear model over the words of the adult's messages, trained on the
synthetic dev split and five blind writers, lowered false alarms on families about as much on
a writer it had not been trained on as on the others (docs/grooming.md has the figures).

The model is logistic regression on each message's distinct normalised words (binary, L2
normalised over the words it knows), averaged over the adult side's messages of 3 words or
more. Because it is linear, a pair keeps two numbers, the sum of its messages' scores and
their count, and no text: the score of a message is ``w . x + b`` and the probability that the
pair is family is the logistic of their mean. ``scripts/train_family_register.py`` trains it
from the dev data only and writes ``family_register.json``; a test checks the shipped file
against a fresh training.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

SHIPPED_FILE = "family_register.json"
#: Messages shorter than this (in normalised words) say too little and are not scored.
MIN_WORDS = 3


@dataclass(frozen=True)
class FamilyRegister:
    """Word weights and a bias; :meth:`message_score` is the only per-message work."""

    weights: Mapping[str, float]
    bias: float
    about: Mapping[str, Any]

    def message_score(self, words: Sequence[str]) -> float | None:
        """``w . x + b`` for one message, or ``None`` when it is too short to count.

        ``words`` are the normaliser's words (lower case, spellings undone), as in training.
        """
        if len(words) < MIN_WORDS:
            return None
        known = 0
        total = 0.0
        weights = self.weights
        for word in set(words):
            weight = weights.get(word)
            if weight is not None:
                known += 1
                total += weight
        if not known:
            return self.bias
        return total / math.sqrt(known) + self.bias

    @staticmethod
    def probability(score_sum: float, messages: int) -> float:
        """The probability that a pair is family, from its messages' summed scores."""
        mean = score_sum / messages
        if mean >= 0:
            return 1.0 / (1.0 + math.exp(-mean))
        e = math.exp(mean)
        return e / (1.0 + e)

    def strongest(self, n: int = 10) -> tuple[list[str], list[str]]:
        """The ``n`` words that most suggest family and most suggest not (for the docs)."""
        ranked = sorted(self.weights, key=lambda w: self.weights[w])
        return ranked[::-1][:n], ranked[:n]

    def to_dict(self) -> dict[str, Any]:
        return {
            "about": dict(self.about),
            "bias": self.bias,
            "weights": dict(sorted(self.weights.items())),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FamilyRegister:
        try:
            weights = {str(k): float(v) for k, v in data["weights"].items()}
            bias = float(data["bias"])
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ValueError(f"not a family register: {e}") from None
        return cls(weights, bias, dict(data.get("about", {})))


@cache
def shipped_register() -> FamilyRegister:
    """The register shipped with the package (read once per process, on first use)."""
    text = resources.files(__package__).joinpath(SHIPPED_FILE).read_text(encoding="utf-8")
    return FamilyRegister.from_dict(json.loads(text))
