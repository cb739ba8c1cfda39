"""Recommended interventions: bands over a risk score, and the events fired when a band changes.

A band is what a platform is advised to *do*, from nothing to a human looking at it now:

========================  =====================================================================
``none``                  nothing
``watch``                 keep scoring; no action visible to anyone
``nudge_child``           show the child a safety message (how to block, report, talk to someone)
``restrict_adult``        limit the adult, e.g. no new direct messages to minors
``urgent_review``         a person reviews the pair now
========================  =====================================================================

Band names are stored and sent in webhooks, so they are spelled out here once and never derived
from attribute names. Thresholds are configuration; the defaults were tuned on the ``dev`` split
of the synthetic evaluation set (see ``docs/grooming.md``).

Going *up* a band happens as soon as the risk reaches the band's threshold. Going *down* needs
the risk to fall a little further (``hysteresis``), so a pair whose risk sits on a threshold and
drifts with decay does not fire an event on every message.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise


class Band(StrEnum):
    """Recommended intervention, in increasing order of severity."""

    NONE = "none"
    WATCH = "watch"
    NUDGE_CHILD = "nudge_child"
    RESTRICT_ADULT = "restrict_adult"
    URGENT_REVIEW = "urgent_review"

    @property
    def rank(self) -> int:
        """0 for ``none`` up to 4 for ``urgent_review``."""
        return _RANK[self]

    def at_least(self, other: Band) -> bool:
        return _RANK[self] >= _RANK[other]


_RANK = {band: number for number, band in enumerate(Band)}


@dataclass(frozen=True, slots=True)
class BandThresholds:
    """The lowest risk at which each band starts. Must increase strictly, within (0, 1]."""

    watch: float = 0.25
    nudge_child: float = 0.5
    restrict_adult: float = 0.7
    urgent_review: float = 0.88
    hysteresis: float = 0.05

    def __post_init__(self) -> None:
        values = (self.watch, self.nudge_child, self.restrict_adult, self.urgent_review)
        if not all(0.0 < v <= 1.0 for v in values):
            raise ValueError(f"band thresholds must lie in (0, 1]: {values}")
        if any(a >= b for a, b in pairwise(values)):
            raise ValueError(f"band thresholds must increase strictly: {values}")
        if not 0.0 <= self.hysteresis < self.watch:
            raise ValueError("hysteresis must be >= 0 and below the watch threshold")

    def threshold(self, band: Band) -> float:
        """The risk at which ``band`` starts (0 for ``none``)."""
        return {
            Band.NONE: 0.0,
            Band.WATCH: self.watch,
            Band.NUDGE_CHILD: self.nudge_child,
            Band.RESTRICT_ADULT: self.restrict_adult,
            Band.URGENT_REVIEW: self.urgent_review,
        }[band]

    def band_for(self, risk: float, current: Band = Band.NONE) -> Band:
        """The band for ``risk``, given the band the subject is in now (for hysteresis)."""
        raw = Band.NONE
        for band in (Band.URGENT_REVIEW, Band.RESTRICT_ADULT, Band.NUDGE_CHILD, Band.WATCH):
            if risk >= self.threshold(band):
                raw = band
                break
        if raw.rank >= current.rank:
            return raw
        # Falling: stay in the current band until the risk is clearly below its threshold, and
        # then land in the band the risk (plus the margin) still reaches.
        if risk >= self.threshold(current) - self.hysteresis:
            return current
        for band in (Band.RESTRICT_ADULT, Band.NUDGE_CHILD, Band.WATCH):
            if band.rank < current.rank and risk >= self.threshold(band) - self.hysteresis:
                return band
        return Band.NONE


@dataclass(frozen=True, slots=True)
class BandChange:
    """A subject moved from one band to another. The API turns these into webhooks and cases.

    ``subject`` is ``"pair"`` (``account`` is the adult side and ``other`` the minor side) or
    ``"sender"`` (``other`` is ``None``). ``message_id`` is the message whose processing moved
    the band, ``time`` its timestamp.
    """

    subject: str
    account: str
    other: str | None
    old: Band
    new: Band
    risk: float
    time: float
    message_id: str

    @property
    def rising(self) -> bool:
        return self.new.rank > self.old.rank
