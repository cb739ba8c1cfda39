"""Grooming detection in chat: the published, non-explicit warning signs, found early.

The per-message lexical stage: text normalisation against evasive spellings (``normalize``),
warning-sign rules over normalised words (``rules_*``, ``patterns``, ``lexicon``) and the
detector that applies them (``detectors``). The conversation scorer on top of it: decaying
per-pair and per-sender state (``state``), account metadata (``metadata``), recommended
interventions (``bands``) and the scorer itself (``scoring``, its parts in ``scoring_*``).
``evaluate`` (parts in ``evaluate_*``) measures it on a labelled set against baselines. All pure
Python with no I/O.
"""

from childsafe.grooming.bands import Band, BandChange, BandThresholds
from childsafe.grooming.categories import Category, Hit
from childsafe.grooming.detectors import LexicalDetector
from childsafe.grooming.metadata import AccountFacts, PairFacts, PairKind
from childsafe.grooming.normalize import Normalized, Normalizer
from childsafe.grooming.scoring import ChatMessage, Scorer, ScorerConfig, SemanticStage

__all__ = [
    "AccountFacts",
    "Band",
    "BandChange",
    "BandThresholds",
    "Category",
    "ChatMessage",
    "Hit",
    "LexicalDetector",
    "Normalized",
    "Normalizer",
    "PairFacts",
    "PairKind",
    "Scorer",
    "ScorerConfig",
    "SemanticStage",
]
