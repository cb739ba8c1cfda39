"""Checks on everything written into a bank, done before the database sees it.

Bank names end up in URLs (the HMA API's ``/c/bank/<name>``), file names and exchange feeds,
hence the narrow alphabet. Labels are matched exactly by policy rules, so they are kept as
given but must be short, printable tokens.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, TypeAlias

from childsafe.banks.errors import (
    InvalidBankName,
    InvalidBankSetting,
    InvalidEntry,
    InvalidSignalValue,
    UnknownSignalType,
)
from childsafe.signals.base import InvalidSignalError, SignalType
from childsafe.store.models import BANK_ACTIONS

BANK_NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
LABEL_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/+-]{0,63}")
VARIANT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
SOURCE_RE = re.compile(r"manual|exchange:[A-Za-z0-9_.-]{1,119}")
ENTRY_SOURCE_MAX = 128
EXTERNAL_ID_MAX = 256
ADDED_BY_MAX = 128
#: Largest threshold accepted: the widest hamming signal we know of (PDQ) has 256 bits.
MAX_THRESHOLD = 256

#: What ``add_entry`` accepts: ``{type: value}`` or ``[(type, value, variant), ...]``.
SignalsArg: TypeAlias = Mapping[str, str] | Iterable[tuple[str, str, str]]


def bank_name(name: str) -> str:
    if not isinstance(name, str) or not BANK_NAME_RE.fullmatch(name):
        raise InvalidBankName(str(name))
    return name


def action(value: str) -> str:
    if value not in BANK_ACTIONS:
        raise InvalidBankSetting(
            f"invalid action {value!r}: use one of {', '.join(BANK_ACTIONS)} "
            "(allow makes the bank an allowlist that suppresses matches)"
        )
    return value


def threshold(value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_THRESHOLD:
        raise InvalidBankSetting(
            f"invalid threshold {value!r}: a distance from 0 to {MAX_THRESHOLD}, "
            "or none for the signal type's default"
        )
    return value


def bank_source(value: str) -> str:
    if not isinstance(value, str) or not SOURCE_RE.fullmatch(value):
        raise InvalidBankSetting(f"invalid bank source {value!r}: 'manual' or 'exchange:<name>'")
    return value


def labels(values: Iterable[str], what: str = "label") -> list[str]:
    """Validated labels, duplicates dropped, order kept (the first is the primary one)."""
    if isinstance(values, str):
        raise InvalidBankSetting(f"{what}s must be a list of strings, not the string {values!r}")
    out: list[str] = []
    for v in values:
        if not isinstance(v, str) or not LABEL_RE.fullmatch(v):
            raise InvalidBankSetting(
                f"invalid {what} {v!r}: 1 to 64 characters from A-Z a-z 0-9 _ . : / + -, "
                "starting with a letter or digit"
            )
        if v not in out:
            out.append(v)
    return out


def variants(values: Iterable[str], known: Collection[str] | None) -> list[str]:
    if isinstance(values, str):
        raise InvalidBankSetting(f"variants must be a list of names, not the string {values!r}")
    out: list[str] = []
    for v in values:
        if not isinstance(v, str) or not VARIANT_RE.fullmatch(v):
            raise InvalidBankSetting(f"invalid variant name {v!r}")
        if known is not None and v not in known:
            raise InvalidBankSetting(
                f"unknown variant {v!r} (known: {', '.join(sorted(known)) or 'none'})"
            )
        if v not in out:
            out.append(v)
    return out


def bank_settings(
    given: Mapping[str, Any], known_variants: Collection[str] | None
) -> dict[str, Any]:
    """The given bank settings (any of a bank's columns, by name), checked and normalised."""
    checks: dict[str, Callable[[Any], Any]] = {
        "name": bank_name,
        "description": lambda v: v,
        "action": action,
        "threshold": threshold,
        "enabled": bool,
        "source": bank_source,
        "labels": labels,
        "match_dihedral": bool,
        "trim_borders": bool,
        "variants": lambda v: variants(v, known_variants),
    }
    return {k: checks[k](v) for k, v in given.items()}


def optional_text(value: str | None, max_len: int, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_len:
        raise InvalidEntry(f"{what} must be a string of at most {max_len} characters")
    return value


def entry_labels(values: Iterable[str]) -> list[str]:
    try:
        return labels(values)
    except InvalidBankSetting as e:
        raise InvalidEntry(str(e)) from None


def signal_type(types: Mapping[str, SignalType], name: str) -> SignalType:
    try:
        return types[name]
    except (KeyError, TypeError):
        raise UnknownSignalType(str(name), types) from None


def signal_value(st: SignalType, value: str) -> str:
    if not isinstance(value, str):
        raise InvalidSignalValue(st.name, f"{st.name} value must be a string, got {value!r}")
    try:
        return st.normalize(value)
    except InvalidSignalError as e:
        raise InvalidSignalValue(st.name, str(e)) from None


def entry_signals(
    types: Mapping[str, SignalType], signals: SignalsArg
) -> list[tuple[str, str, str]]:
    """Normalised ``(type, value, variant)`` triples; refuses unknown types and bad values."""
    triples: Iterable[tuple[str, str, str]] = (
        [(t, v, "") for t, v in signals.items()] if isinstance(signals, Mapping) else signals
    )
    out: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for item in triples:
        if not (isinstance(item, tuple | list) and len(item) == 3):
            raise InvalidEntry(f"a signal must be (type, value, variant), got {item!r}")
        t, v, variant = item
        st = signal_type(types, t)
        if variant != "" and not (isinstance(variant, str) and VARIANT_RE.fullmatch(variant)):
            raise InvalidEntry(f"invalid variant {variant!r}")
        if (t, variant) in seen:
            raise InvalidEntry(f"two {t} signals for variant {variant or '(original)'!r}")
        seen.add((t, variant))
        out.append((t, signal_value(st, v), variant))
    if not out:
        raise InvalidEntry("an entry needs at least one signal")
    return out
