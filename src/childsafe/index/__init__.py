"""Matching structures over signal values (no I/O)."""

from childsafe.index.base import HammingIndex, Hit
from childsafe.index.flat import FlatIndex

__all__ = ["FlatIndex", "HammingIndex", "Hit"]
