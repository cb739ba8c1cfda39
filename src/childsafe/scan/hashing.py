"""Hashing one item: the single place where content becomes signals.

The CLI, the API and (later) the live watcher and backfill all call :func:`hash_bytes`, so an
item is never hashed in two different ways.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from childsafe.media import DecodeLimits, MediaError, iter_frames
from childsafe.plugins import Registry
from childsafe.signals import Content, Signal
from childsafe.signals.pdq import PdqSignal
from childsafe.signals.variants import bank_variants


@dataclass
class HashOutcome:
    """What hashing one item produced: its signals, or the reason it could not be hashed."""

    content_type: str | None = None
    signals: dict[str, Signal] = field(default_factory=dict)
    error: str | None = None
    reason: str | None = None
    #: PDQ of every frame of an animation, when asked for (``frames=True``).
    frames: list[Signal] | None = None
    #: Frames in the file (may exceed ``len(frames)`` when the frame limit cut it short).
    frame_count: int | None = None
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
        if self.frames is not None:
            out["frame_count"] = self.frame_count
            out["frames"] = [
                {"frame": i, "pdq": f.value, "quality": f.quality}
                for i, f in enumerate(self.frames)
            ]
        return out


def hash_bytes(
    data: bytes,
    registry: Registry,
    limits: DecodeLimits | None = None,
    signal_types: Iterable[str] | None = None,
    *,
    frames: bool = False,
) -> HashOutcome:
    """Compute every requested photo signal for ``data``.

    A file that cannot be decoded is refused as a whole (with the decoder's named reason)
    rather than answered with byte hashes only: a caller scanning uploads must know that the
    perceptual check did not run.
    """
    content = Content(data, limits)
    if signal_types is not None:
        names = list(signal_types)
    else:  # perceptual types first, as users read them
        names = sorted(
            registry.signal_types, key=lambda n: (registry.signal_type(n).kind != "hamming", n)
        )
    types = [registry.signal_type(n) for n in names]
    try:
        # Decode first so a bad file fails before any signal is reported.
        if any(t.needs_pixels for t in types):
            content.image()
        signals = {t.name: t.compute(content) for t in types if "photo" in t.content_types}
        outcome = HashOutcome(content_type="photo", signals=signals, content=content)
        if frames and "pdq" in registry.signal_types:
            pdq = registry.signal_type("pdq")
            if isinstance(pdq, PdqSignal):
                decoded = list(iter_frames(data, content.limits, for_pdq=True))
                outcome.frames = [pdq.hash_image(f) for f in decoded]
                outcome.frame_count = decoded[0].frame_count if decoded else 0
    except MediaError as e:
        return HashOutcome(error=e.message, reason=e.reason)
    return outcome


#: (signal type, value, variant name) as a bank entry stores it.
BankedSignal = tuple[str, str, str]


def banked_signals(
    outcome: HashOutcome, variants: Sequence[str], min_quality: int
) -> tuple[list[BankedSignal], list[str]]:
    """What banking one hashed picture stores: its signals plus the bank's extra PDQ views.

    PDQ hashes (and views) under ``min_quality`` are left out, because a flat picture's hash
    matches too loosely; the notes say so. The same rule serves ``bank add`` and the demo.
    """
    if not outcome.ok:
        return [], []
    triples: list[BankedSignal] = []
    notes: list[str] = []
    for name, sig in outcome.signals.items():
        if sig.quality is not None and sig.quality < min_quality:
            notes.append(f"{name} quality {sig.quality} < {min_quality}: not banked")
            continue
        triples.append((name, sig.value, ""))
    has_pdq = any(t == "pdq" for t, _, _ in triples)
    if variants and has_pdq and outcome.content is not None:
        for vname, sig in bank_variants(outcome.content.image(), variants).items():
            if sig.quality is None or sig.quality >= min_quality:
                triples.append(("pdq", sig.value, vname))
    return triples, notes
