from __future__ import annotations

import random
from typing import Any

import pytest

from childsafe.banks import (
    BankNotFound,
    BankService,
    DuplicateSignal,
    EntryNotFound,
    InvalidEntry,
    InvalidSignalValue,
    UnknownSignalType,
)
from tests.factories.banks import make_bank, make_entry
from tests.factories.hashes import random_md5, random_pdq


def test_add_entry_normalises(bank_service: BankService, rng: random.Random) -> None:
    make_bank(bank_service, "harbor")
    pdq = random_pdq(rng)
    e = bank_service.add_entry(
        "harbor",
        {"pdq": f"  {pdq.upper()} \n"},
        labels=["A1"],
        external_id="case-17",
        added_by="analyst.one",
    )
    assert [(s.signal_type, s.value, s.variant) for s in e.signals] == [("pdq", pdq, "")]
    assert (e.labels, e.external_id, e.added_by, e.source) == (
        ("A1",),
        "case-17",
        "analyst.one",
        "manual",
    )
    assert e.live and e.bank_name == "harbor"
    assert bank_service.get_entry(e.id) == e


def test_entry_with_variants(bank_service: BankService, rng: random.Random) -> None:
    make_bank(bank_service, "harbor")
    triples = [
        ("pdq", random_pdq(rng), ""),
        ("pdq", random_pdq(rng), "crop90"),
        ("pdq", random_pdq(rng), "dihedral:rotate90"),
        ("md5", random_md5(rng), ""),
    ]
    e = bank_service.add_entry("harbor", triples)
    assert [(s.signal_type, s.value, s.variant) for s in e.signals] == triples


def test_unknown_signal_type(bank_service: BankService) -> None:
    make_bank(bank_service, "harbor")
    with pytest.raises(UnknownSignalType, match=r"'tmk'.*known: md5, pdq, sha256"):
        bank_service.add_entry("harbor", {"tmk": "00"})


def test_invalid_value_message(bank_service: BankService) -> None:
    make_bank(bank_service, "harbor")
    with pytest.raises(InvalidSignalValue, match="pdq value must be 64 hex characters, got 5"):
        bank_service.add_entry("harbor", {"pdq": "abcde"})
    with pytest.raises(InvalidSignalValue, match="md5 value is not hexadecimal"):
        bank_service.add_entry("harbor", {"md5": "z" * 32})
    assert bank_service.get_bank("harbor").entry_count == 0


def test_entry_needs_signals_and_sane_fields(bank_service: BankService, rng: random.Random) -> None:
    make_bank(bank_service, "harbor")
    with pytest.raises(InvalidEntry, match="at least one signal"):
        bank_service.add_entry("harbor", {})
    with pytest.raises(InvalidEntry, match="two pdq signals"):
        bank_service.add_entry("harbor", [("pdq", random_pdq(rng), "")] * 2)
    with pytest.raises(InvalidEntry, match="external_id"):
        bank_service.add_entry("harbor", {"pdq": random_pdq(rng)}, external_id="x" * 300)
    with pytest.raises(InvalidEntry, match="invalid label"):
        bank_service.add_entry("harbor", {"pdq": random_pdq(rng)}, labels=["bad label"])
    with pytest.raises(BankNotFound):
        bank_service.add_entry("nowhere", {"pdq": random_pdq(rng)})


def test_duplicate_in_same_bank(bank_service: BankService, rng: random.Random) -> None:
    make_bank(bank_service, "harbor")
    make_bank(bank_service, "lantern")
    first = make_entry(bank_service, "harbor", rng)
    pdq = first.signals[0].value
    with pytest.raises(DuplicateSignal, match=f"entry {first.id}"):
        bank_service.add_entry("harbor", {"pdq": pdq})
    bank_service.add_entry("lantern", {"pdq": pdq})  # other banks may hold it too
    bank_service.disable_entry(first.id)
    with pytest.raises(DuplicateSignal):  # disabled still blocks: a false positive stays out
        bank_service.add_entry("harbor", {"pdq": pdq})
    bank_service.delete_entry(first.id)
    again = bank_service.add_entry("harbor", {"pdq": pdq})
    assert again.id != first.id


def test_tombstones(bank_service: BankService, rng: random.Random) -> None:
    make_bank(bank_service, "harbor")
    a, b, c = (make_entry(bank_service, "harbor", rng) for _ in range(3))
    seq = bank_service.last_change_seq()
    da = bank_service.disable_entry(a.id)
    assert da.disabled_at is not None and not da.live
    assert bank_service.disable_entry(a.id).disabled_at == da.disabled_at  # idempotent
    db = bank_service.delete_entry(b.id)
    assert db.deleted_at is not None
    with pytest.raises(InvalidEntry, match="deleted"):
        bank_service.enable_entry(b.id)
    assert bank_service.get_entry(b.id).deleted_at == db.deleted_at  # still readable

    def ids(**kw: Any) -> list[int]:
        return [e.id for e in bank_service.list_entries("harbor", **kw)]

    assert ids() == [a.id, c.id]
    assert ids(include_disabled=False) == [c.id]
    assert ids(include_deleted=True) == [a.id, b.id, c.id]
    assert ids(after_id=a.id, limit=1) == [c.id]

    assert bank_service.enable_entry(a.id).live
    ops = [(ch.entity_id, ch.op) for ch in bank_service.changes_since(seq)]
    assert ops == [(a.id, "disable"), (b.id, "delete"), (a.id, "enable")]


def test_missing_entry(bank_service: BankService) -> None:
    with pytest.raises(EntryNotFound, match="no bank entry with id 12345"):
        bank_service.disable_entry(12345)
