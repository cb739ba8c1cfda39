"""Helpers for the scorer tests: one lexical detector per session, and a message builder.

Texts use only the published, non-explicit warning signs (SAFETY.md); account ids are invented.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from childsafe.grooming import LexicalDetector
from childsafe.grooming.metadata import AccountFacts, PairFacts
from childsafe.grooming.scoring import ChatMessage, Scorer, ScorerConfig, SemanticStage

ADULT = AccountFacts(declared_age=41, age_verified=False, account_age_days=400)
MINOR = AccountFacts(declared_age=13, account_age_days=300)
TEEN = AccountFacts(declared_age=14, account_age_days=300)
OTHER_ADULT = AccountFacts(declared_age=35, account_age_days=900)


@pytest.fixture(scope="session")
def detector() -> LexicalDetector:
    return LexicalDetector()


@pytest.fixture
def make_scorer(detector: LexicalDetector) -> Callable[..., Scorer]:
    def make(config: ScorerConfig | None = None, semantic: SemanticStage | None = None) -> Scorer:
        return Scorer(config, detector=detector, semantic=semantic)

    return make


class Chat:
    """Builds messages between accounts with fixed facts; ``t`` in seconds."""

    def __init__(self, facts: dict[str, AccountFacts], pair: PairFacts | None = None) -> None:
        self.facts = facts
        self.pair = pair or PairFacts()
        self.count = 0

    def __call__(self, sender: str, recipient: str, text: str, t: float) -> ChatMessage:
        self.count += 1
        return ChatMessage(
            id=f"m{self.count}",
            time=t,
            sender=sender,
            recipient=recipient,
            text=text,
            sender_facts=self.facts[sender],
            recipient_facts=self.facts[recipient],
            pair=self.pair,
        )


@pytest.fixture
def chat() -> Callable[..., Chat]:
    def make(facts: dict[str, AccountFacts] | None = None, pair: PairFacts | None = None) -> Chat:
        return Chat(facts or {"adult": ADULT, "kid": MINOR}, pair)

    return make
