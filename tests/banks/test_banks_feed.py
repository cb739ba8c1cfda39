from __future__ import annotations

import random

import pytest

from childsafe.banks import BankService, UnknownSignalType
from tests.factories.banks import make_bank, make_entries, make_entry


def _values(svc: BankService, signal_type: str | None = "pdq") -> set[str]:
    return {r.value for r in svc.iter_signals(signal_type)}


def test_iter_signals_excludes_tombstones_and_disabled_banks(
    bank_service: BankService, rng: random.Random
) -> None:
    make_bank(bank_service, "harbor")
    make_bank(bank_service, "lantern")
    make_bank(bank_service, "meadow")
    kept = make_entry(bank_service, "harbor", rng, with_md5=True)
    disabled = make_entry(bank_service, "harbor", rng)
    deleted = make_entry(bank_service, "harbor", rng)
    off = make_entry(bank_service, "lantern", rng)
    gone = make_entry(bank_service, "meadow", rng)
    bank_service.disable_entry(disabled.id)
    bank_service.delete_entry(deleted.id)
    bank_service.update_bank("lantern", enabled=False)
    bank_service.delete_bank("meadow")

    rows = list(bank_service.iter_signals("pdq"))
    assert [r.entry_id for r in rows] == [kept.id]
    r = rows[0]
    assert (r.id, r.bank_id, r.signal_type, r.value, r.variant) == (
        kept.signals[0].id,
        kept.bank_id,
        "pdq",
        kept.signals[0].value,
        "",
    )
    assert {r.signal_type for r in bank_service.iter_signals(None)} == {"pdq", "md5"}
    assert _values(bank_service, "md5") == {kept.signals[1].value}

    bank_service.update_bank("lantern", enabled=True)
    bank_service.enable_entry(disabled.id)
    assert _values(bank_service) == {e.signals[0].value for e in (kept, disabled, off)}
    assert gone.signals[0].value not in _values(bank_service)


def test_batches_in_id_order(bank_service: BankService, rng: random.Random) -> None:
    bank = make_bank(bank_service, "harbor")
    make_entries(bank_service, "harbor", rng, 25)
    batches = list(bank_service.iter_signal_batches("pdq", chunk_size=10))
    assert [len(b) for b in batches] == [10, 10, 5]
    ids = [r.id for b in batches for r in b]
    assert ids == sorted(ids) and len(set(ids)) == 25
    assert list(bank_service.iter_signals("pdq", bank_ids=[bank.id + 1000])) == []


def test_unknown_type(bank_service: BankService) -> None:
    with pytest.raises(UnknownSignalType):
        bank_service.iter_signals("tmk")


def test_import_logs_one_change_per_entry(bank_service: BankService, rng: random.Random) -> None:
    make_bank(bank_service, "harbor")
    seq = bank_service.last_change_seq()
    make_entries(bank_service, "harbor", rng, 12)
    ch = bank_service.changes_since(seq)
    assert [c.op for c in ch] == ["create"] * 12 and {c.entity for c in ch} == {"entry"}
    assert len({c.entity_id for c in ch}) == 12
    assert bank_service.changes_since(seq, limit=5)[-1].seq == ch[4].seq
