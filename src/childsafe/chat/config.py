"""The scorer's configuration from the operator's settings."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path

from childsafe.grooming.bands import BandThresholds
from childsafe.grooming.register import FamilyRegister, shipped_register
from childsafe.grooming.scoring import ScorerConfig
from childsafe.settings import Settings


def family_register(choice: str) -> FamilyRegister | None:
    """``shipped``, ``off`` or the path of a register file; ``ValueError`` says what is wrong."""
    if choice == "shipped":
        return shipped_register()
    if choice == "off":
        return None
    path = Path(choice)
    try:
        return FamilyRegister.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ValueError(f"no such file: {path} (use shipped, off or a register file)") from None
    except (OSError, json.JSONDecodeError, ValueError) as e:
        raise ValueError(f"{path}: {e}") from None


def scorer_config(bands: Mapping[str, float], register: str = "shipped") -> ScorerConfig:
    """The scorer's configuration with the operator's band thresholds and family register; a
    bad name or value raises ``ValueError`` saying which."""
    known = {f.name for f in fields(BandThresholds)}
    unknown = sorted(set(bands) - known)
    if unknown:
        raise ValueError(f"chat bands: unknown {unknown}; use {sorted(known)}")
    try:
        thresholds = BandThresholds(**{k: float(v) for k, v in bands.items()})
    except ValueError as e:
        raise ValueError(f"chat bands: {e}") from None
    try:
        chosen = family_register(register)
    except ValueError as e:
        raise ValueError(f"chat family register: {e}") from None
    return ScorerConfig(bands=thresholds, family_register=chosen)


def check_settings(settings: Settings) -> None:
    """Refuse, with a message naming the setting, chat settings a server could not start with:
    bad band thresholds, a family register that does not load, missing exemplar files,
    ``chat_semantic=on`` without the extra. The server checks the same when it starts;
    ``childsafe serve`` calls this first so that the operator reads one line instead of a
    worker's traceback."""
    from childsafe.chat.semantic import check

    try:
        scorer_config(settings.chat_bands)
    except ValueError as e:
        raise ValueError(f"CHILDSAFE_CHAT_BANDS: {e}") from None
    try:
        family_register(settings.chat_family_register)
    except ValueError as e:
        raise ValueError(f"CHILDSAFE_CHAT_FAMILY_REGISTER: {e}") from None
    try:
        check(settings.chat_semantic, settings.chat_exemplars, settings.chat_semantic_precision)
    except RuntimeError as e:
        raise ValueError(str(e)) from None
