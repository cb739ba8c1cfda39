"""Banks and entries for tests, made through the service so they obey its rules."""

from __future__ import annotations

import itertools
import random
from typing import Any

from childsafe.banks import BankInfo, BankService, EntryInfo
from tests.factories.hashes import random_md5, random_pdq

#: Invented bank names; a counter keeps them unique within a test run.
_NAMES = ("harbor", "lantern", "meadow", "quarry", "juniper", "falcon")
_counter = itertools.count(1)


def bank_name(prefix: str | None = None) -> str:
    n = next(_counter)
    return f"{prefix or _NAMES[n % len(_NAMES)]}-{n}"


def make_bank(service: BankService, name: str | None = None, **fields: Any) -> BankInfo:
    return service.create_bank(name or bank_name(), **fields)


def make_entry(
    service: BankService,
    bank: str,
    rng: random.Random,
    *,
    pdq: str | None = None,
    md5: str | None = None,
    with_md5: bool = False,
    **fields: Any,
) -> EntryInfo:
    signals = {"pdq": pdq or random_pdq(rng)}
    if md5 or with_md5:
        signals["md5"] = md5 or random_md5(rng)
    return service.add_entry(bank, signals, **fields)


def make_entries(
    service: BankService, bank: str, rng: random.Random, n: int, signal_type: str = "pdq"
) -> list[str]:
    """``n`` entries of one type added in one import; returns their values."""
    gen = random_pdq if signal_type in ("pdq", "sha256") else random_md5
    values = [gen(rng) for _ in range(n)]
    report = service.import_signals(bank, values, format="lines", signal_type=signal_type)
    assert report.added == n and report.ok, report
    return values
