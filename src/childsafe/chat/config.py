"""The scorer's configuration from the operator's settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields

from childsafe.grooming.bands import BandThresholds
from childsafe.grooming.scoring import ScorerConfig
from childsafe.settings import Settings


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


def check_settings(settings: Settings) -> None:
    """Refuse, with a message naming the setting, chat settings a server could not start with:
    bad band thresholds, missing exemplar files, ``chat_semantic=on`` without the extra. The
    server checks the same when it starts; ``childsafe serve`` calls this first so that the
    operator reads one line instead of a worker's traceback."""
    from childsafe.chat.semantic import check

    try:
        scorer_config(settings.chat_bands)
    except ValueError as e:
        raise ValueError(f"CHILDSAFE_CHAT_BANDS: {e}") from None
    try:
        check(settings.chat_semantic, settings.chat_exemplars, settings.chat_semantic_precision)
    except RuntimeError as e:
        raise ValueError(str(e)) from None
