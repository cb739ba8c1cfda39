"""Matching structures over signal values (no I/O)."""

from childsafe.index.base import HammingIndex, Hit
from childsafe.index.exact import ExactIndex
from childsafe.index.flat import FlatIndex
from childsafe.index.mih import MIHIndex

__all__ = ["ExactIndex", "FlatIndex", "HammingIndex", "Hit", "MIHIndex", "make_hamming_index"]


def make_hamming_index(bits: int = 256) -> HammingIndex:
    """The index to use for a Hamming signal type of ``bits`` bits.

    Multi-index hashing at every size: small indexes stay in its brute-force delta and
    segments scan when that is cheaper, so there is no size at which a caller must switch.
    """
    return MIHIndex(bits)
