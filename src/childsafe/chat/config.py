"""The scorer's configuration from the operator's settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields

from childsafe.grooming.bands import BandThresholds
from childsafe.grooming.scoring import ScorerConfig


def scorer_config(bands: Mapping[str, float]) -> ScorerConfig:
    """The scorer's configuration with the operator's band thresholds; a bad name or value
    raises ``ValueError`` saying which."""
    known = {f.name for f in fields(BandThresholds)}
    unknown = sorted(set(bands) - known)
    if unknown:
        raise ValueError(f"chat bands: unknown {unknown}; use {sorted(known)}")
    try:
        thresholds = BandThresholds(**{k: float(v) for k, v in bands.items()})
    except ValueError as e:
        raise ValueError(f"chat bands: {e}") from None
    return ScorerConfig(bands=thresholds)
