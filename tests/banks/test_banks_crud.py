from __future__ import annotations

import random

import pytest

from childsafe.banks import (
    BankExists,
    BankNotFound,
    BankService,
    InvalidBankName,
    InvalidBankSetting,
)
from tests.factories.banks import make_bank, make_entry


def test_create_and_get(bank_service: BankService) -> None:
    b = bank_service.create_bank(
        "harbor.A1-2024_v2",
        description="confirmed cases",
        action="review",
        threshold=20,
        labels=["A1", "B2", "A1"],
        match_dihedral=True,
        variants=["crop90"],
    )
    got = bank_service.get_bank("harbor.A1-2024_v2")
    assert got == b
    assert (got.action, got.threshold, got.labels, got.variants) == (
        "review",
        20,
        ("A1", "B2"),
        ("crop90",),
    )
    assert got.enabled and got.source == "manual" and got.entry_count == 0
    assert got.created_at.tzinfo is not None


@pytest.mark.parametrize("name", ["", "a b", "x" * 65, "ümlaut", "a/b", "bank;drop"])
def test_invalid_names(bank_service: BankService, name: str) -> None:
    with pytest.raises(InvalidBankName, match="1 to 64 characters"):
        bank_service.create_bank(name)


def test_duplicate_name(bank_service: BankService) -> None:
    make_bank(bank_service, "lantern")
    with pytest.raises(BankExists, match="'lantern' already exists"):
        bank_service.create_bank("lantern")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("action", "delete", "invalid action"),
        ("threshold", -1, "invalid threshold"),
        ("threshold", 300, "invalid threshold"),
        ("source", "somewhere", "bank source"),
        ("labels", ["ok", "not ok"], "invalid label"),
        ("labels", "A1", "list of strings"),
    ],
)
def test_invalid_settings(
    bank_service: BankService, field: str, value: object, message: str
) -> None:
    with pytest.raises(InvalidBankSetting, match=message):
        bank_service.create_bank("meadow", **{field: value})  # type: ignore[arg-type]


def test_variants_checked_against_the_callers_list(session_factory, registry) -> None:  # type: ignore[no-untyped-def]
    svc = BankService(session_factory, registry, variant_names={"crop90", "trim"})
    svc.create_bank("quarry", variants=["trim"])
    with pytest.raises(InvalidBankSetting, match="unknown variant 'crop50'"):
        svc.create_bank("juniper", variants=["crop50"])


def test_exchange_source(bank_service: BankService) -> None:
    assert bank_service.create_bank("falcon", source="exchange:ncmec-test").source == (
        "exchange:ncmec-test"
    )


def test_get_missing(bank_service: BankService) -> None:
    with pytest.raises(BankNotFound, match="no bank named 'nowhere'"):
        bank_service.get_bank("nowhere")


def test_list_with_counts(bank_service: BankService, rng: random.Random) -> None:
    make_bank(bank_service, "b-two")
    make_bank(bank_service, "a-one")
    e = make_entry(bank_service, "a-one", rng)
    make_entry(bank_service, "a-one", rng)
    make_entry(bank_service, "a-one", rng)
    bank_service.disable_entry(e.id)
    deleted = make_entry(bank_service, "a-one", rng)
    bank_service.delete_entry(deleted.id)
    banks = {b.name: b for b in bank_service.list_banks()}
    assert list(banks) == ["a-one", "b-two"]
    assert (banks["a-one"].entry_count, banks["a-one"].disabled_count) == (2, 1)
    assert (banks["b-two"].entry_count, banks["b-two"].disabled_count) == (0, 0)


def test_update(bank_service: BankService) -> None:
    make_bank(bank_service, "harbor", threshold=10)
    b = bank_service.update_bank("harbor", description="d", threshold=None, enabled=False)
    assert (b.description, b.threshold, b.enabled) == ("d", None, False)
    assert b.updated_at >= b.created_at
    b = bank_service.update_bank("harbor", new_name="harbor2", labels=["A2"])
    assert b.name == "harbor2" and b.labels == ("A2",)
    with pytest.raises(BankNotFound):
        bank_service.get_bank("harbor")


def test_rename_onto_existing(bank_service: BankService) -> None:
    make_bank(bank_service, "one")
    make_bank(bank_service, "two")
    with pytest.raises(BankExists):
        bank_service.update_bank("one", new_name="two")
    with pytest.raises(InvalidBankName):
        bank_service.update_bank("one", new_name="no way")


def test_soft_delete_frees_the_name(bank_service: BankService) -> None:
    first = make_bank(bank_service, "lantern")
    gone = bank_service.delete_bank("lantern")
    assert gone.deleted_at is not None
    with pytest.raises(BankNotFound):
        bank_service.get_bank("lantern")
    assert "lantern" not in {b.name for b in bank_service.list_banks()}
    listed = [b for b in bank_service.list_banks(include_deleted=True) if b.name == "lantern"]
    assert [b.id for b in listed] == [first.id]
    second = bank_service.create_bank("lantern")
    assert second.id != first.id


def test_bank_changes_are_logged(bank_service: BankService) -> None:
    seq = bank_service.last_change_seq()
    b = make_bank(bank_service, "meadow")
    bank_service.update_bank("meadow", enabled=False)
    bank_service.update_bank("meadow", enabled=True)
    bank_service.update_bank("meadow", description="x")
    bank_service.update_bank("meadow", description="x")  # no change, no log
    bank_service.delete_bank("meadow")
    ch = bank_service.changes_since(seq)
    assert [(c.entity, c.op, c.entity_id) for c in ch] == [
        ("bank", op, b.id) for op in ("create", "disable", "enable", "update", "delete")
    ]
    seqs = [c.seq for c in ch]
    assert seqs == sorted(set(seqs)) and seqs[0] > seq
    assert bank_service.last_change_seq() == seqs[-1]
