"""The scorer's configuration from the operator's settings."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, TypeVar

from childsafe.grooming.bands import BandThresholds
from childsafe.grooming.register import FamilyRegister, shipped_register
from childsafe.grooming.scoring import ScorerConfig
from childsafe.grooming.signmodel import SignModel, shipped_sign_model
from childsafe.settings import Settings

T = TypeVar("T")


def _learned(
    choice: str, what: str, shipped: Callable[[], T], parse: Callable[[dict[str, Any]], T]
) -> T | None:
    """``shipped``, ``off`` or the path of a trained file; ``ValueError`` says what is wrong."""
    if choice == "shipped":
        return shipped()
    if choice == "off":
        return None
    path = Path(choice)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"no such file: {path} (use shipped, off or a {what} file)") from None
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: {e}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a {what} (a JSON object is expected)")
    try:
        return parse(data)
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None


def family_register(choice: str) -> FamilyRegister | None:
    """``shipped``, ``off`` or a register file (``scripts/train_family_register.py``)."""
    return _learned(choice, "register", shipped_register, FamilyRegister.from_dict)


def sign_model(choice: str) -> SignModel | None:
    """``shipped``, ``off`` or a sign model file (``scripts/train_sign_model.py``)."""
    return _learned(choice, "sign model", shipped_sign_model, SignModel.from_dict)


def scorer_config(
    bands: Mapping[str, float],
    register: str = "shipped",
    signs: str = "shipped",
    unbacked_below: float | None = None,
    vouched_above: float | None = None,
    suspect_model_signs: int | None = None,
) -> ScorerConfig:
    """The scorer's configuration with the operator's band thresholds, family register, sign
    model, its floor for backing the rules, its bar for vouching between minors and the number
    of signs it must read for a declared minor to be a possible adult (default: the scorer's);
    a bad name or value raises ``ValueError`` saying which."""
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
    try:
        model = sign_model(signs)
    except ValueError as e:
        raise ValueError(f"chat sign model: {e}") from None
    config = ScorerConfig(bands=thresholds, family_register=chosen, sign_model=model)
    if unbacked_below is not None:
        config = replace(config, unbacked_below=unbacked_below)
    if vouched_above is not None:
        config = replace(config, vouched_above=vouched_above)
    if suspect_model_signs is not None:
        config = replace(config, suspect_model_signs=suspect_model_signs)
    return config


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
        sign_model(settings.chat_sign_model)
    except ValueError as e:
        raise ValueError(f"CHILDSAFE_CHAT_SIGN_MODEL: {e}") from None
    try:
        check(settings.chat_semantic, settings.chat_exemplars, settings.chat_semantic_precision)
    except RuntimeError as e:
        raise ValueError(str(e)) from None
