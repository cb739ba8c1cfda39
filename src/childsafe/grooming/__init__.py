"""Grooming detection in chat: the published, non-explicit warning signs, found early.

This package is the per-message, lexical stage: text normalisation against evasive spellings
(``normalize``), warning-sign rules over normalised words (``rules_*``, ``patterns``,
``lexicon``) and the detector that applies them (``detectors``). It is pure Python with no I/O.
Conversation state, account metadata and embeddings build on these hits.
"""

from childsafe.grooming.categories import Category, Hit
from childsafe.grooming.detectors import LexicalDetector
from childsafe.grooming.normalize import Normalized, Normalizer

__all__ = ["Category", "Hit", "LexicalDetector", "Normalized", "Normalizer"]
