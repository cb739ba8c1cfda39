"""The contract every signal type (built-in or third-party) implements.

A signal type turns content into a short value (a hash) and says how two values compare. It is
registered under an explicit, stable name (``name``) that is written into banks and exchanged
with other companies, so it must never change or be derived from a class name.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Literal

from childsafe.media import DecodedImage, DecodeLimits, decode_image


class InvalidSignalError(ValueError):
    """A signal value is malformed for its type (wrong length, not hex, ...)."""


@dataclass(frozen=True)
class Signal:
    """One computed signal: its type's stable name, its canonical value, and its quality."""

    type: str
    value: str
    quality: int | None = None
    low_quality: bool = False


class Content:
    """Bytes of one item plus a decode that is done at most once, shared by all signal types.

    Keeping the decode here (instead of in each signal type) is what makes "nothing is hashed
    in two different ways" true: MD5, SHA-256 and PDQ all see the same bytes and one raster.
    """

    def __init__(self, data: bytes, limits: DecodeLimits | None = None) -> None:
        self.data = data
        self.limits = limits or DecodeLimits()
        self._image: DecodedImage | None = None

    def image(self) -> DecodedImage:
        if self._image is None:
            self._image = decode_image(self.data, self.limits, for_pdq=True)
        return self._image


class SignalType(ABC):
    """Base class of all signal types; subclasses set the class variables and implement."""

    name: ClassVar[str]
    #: "exact" values match only when equal; "hamming" values match within a bit distance.
    kind: ClassVar[Literal["exact", "hamming"]]
    #: Width of a hamming signal in bits (0 for exact types).
    bits: ClassVar[int] = 0
    #: Distance at or below which two values match when a bank does not say otherwise.
    default_threshold: ClassVar[int] = 0
    #: Content types this signal can be computed from ("photo", "video", ...).
    content_types: ClassVar[frozenset[str]] = frozenset({"photo"})
    #: Whether computing it needs decoded pixels (False: raw bytes are enough).
    needs_pixels: ClassVar[bool] = False

    @abstractmethod
    def normalize(self, value: str) -> str:
        """Return the canonical form of ``value`` or raise :class:`InvalidSignalError`."""

    @abstractmethod
    def compute(self, content: Content) -> Signal:
        """Compute this signal from content; may raise :class:`childsafe.media.MediaError`."""

    def distance(self, a: str, b: str) -> int:
        """Distance between two canonical values (0 means identical)."""
        if self.kind == "exact":
            return 0 if a == b else 1
        return int.bit_count(int(a, 16) ^ int(b, 16))

    def to_bytes(self, value: str) -> bytes:
        """Packed form used by indexes; hex signals pack to their raw bytes."""
        return bytes.fromhex(value)

    def from_bytes(self, raw: bytes) -> str:
        return raw.hex()


def normalize_hex(value: str, n_hex: int, type_name: str) -> str:
    """Canonicalise a fixed-width hex string (lower case, no whitespace)."""
    v = value.strip().lower()
    if len(v) != n_hex:
        raise InvalidSignalError(
            f"{type_name} value must be {n_hex} hex characters, got {len(v)}: {value[:80]!r}"
        )
    try:
        int(v, 16)
    except ValueError:
        raise InvalidSignalError(f"{type_name} value is not hexadecimal: {value[:80]!r}") from None
    return v
