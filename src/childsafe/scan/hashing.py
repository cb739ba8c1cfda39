"""Hashing one item: the single place where content becomes signals.

The CLI, the API and (later) the live watcher and backfill all call :func:`hash_bytes`, so an
item is never hashed in two different ways.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from childsafe.media import DecodeLimits, MediaError
from childsafe.plugins import Registry
from childsafe.signals import Content, Signal


@dataclass
class HashOutcome:
    """What hashing one item produced: its signals, or the reason it could not be hashed."""

    content_type: str | None = None
    signals: dict[str, Signal] = field(default_factory=dict)
    error: str | None = None
    reason: str | None = None
    #: Decoded raster kept for query-side variants (dihedral, trimming); never serialised.
    content: Content | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_json(self) -> dict[str, object]:
        if self.error is not None:
            return {"error": self.error, "reason": self.reason}
        quality = {n: s.quality for n, s in self.signals.items() if s.quality is not None}
        out: dict[str, object] = {
            "content_type": self.content_type,
            "signals": {n: s.value for n, s in self.signals.items()},
            "quality": quality,
        }
        low = sorted(n for n, s in self.signals.items() if s.low_quality)
        if low:
            out["low_quality"] = low
        return out


def hash_bytes(
    data: bytes,
    registry: Registry,
    limits: DecodeLimits | None = None,
    signal_types: Iterable[str] | None = None,
) -> HashOutcome:
    """Compute every requested photo signal for ``data``.

    A file that cannot be decoded is refused as a whole (with the decoder's named reason)
    rather than answered with byte hashes only: a caller scanning uploads must know that the
    perceptual check did not run.
    """
    content = Content(data, limits)
    names = list(signal_types) if signal_types is not None else sorted(registry.signal_types)
    types = [registry.signal_type(n) for n in names]
    try:
        # Decode first so a bad file fails before any signal is reported.
        if any(t.needs_pixels for t in types):
            content.image()
        signals = {t.name: t.compute(content) for t in types if "photo" in t.content_types}
    except MediaError as e:
        return HashOutcome(error=e.message, reason=e.reason)
    return HashOutcome(content_type="photo", signals=signals, content=content)
