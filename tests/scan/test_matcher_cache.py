"""The saved matcher is reused only while the store is unchanged, and never trusted blindly."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from childsafe.banks import BankService
from childsafe.plugins import Registry
from childsafe.scan.service import Scanner
from childsafe.signals import Signal
from tests.factories.banks import make_bank
from tests.factories.hashes import flip_bits, random_md5, random_pdq


@pytest.fixture
def filled(bank_service: BankService, rng: random.Random) -> tuple[str, list[int], str]:
    bank = make_bank(bank_service, threshold=20)
    ids = [
        bank_service.add_entry(
            bank.name, [("pdq", random_pdq(rng), ""), ("md5", random_md5(rng), "")]
        ).id
        for _ in range(30)
    ]
    return bank.name, ids, bank_service.get_entry(ids[0]).signals[0].value


def _load(bank_service: BankService, registry: Registry, cache: Path) -> Scanner:
    return Scanner.load(bank_service, registry, cache_dir=cache)


def _entries(scanner: Scanner, signal_type: str, value: str) -> list[tuple[int, int]]:
    return [
        (m.entry_id, m.distance)
        for m in scanner.matcher.match({signal_type: {"": Signal(signal_type, value)}})
    ]


def test_cache_is_reused_while_nothing_changed(
    bank_service: BankService,
    registry: Registry,
    tmp_path: Path,
    filled: tuple[str, list[int], str],
    rng: random.Random,
) -> None:
    _, ids, value = filled
    make_bank(bank_service)
    first = _load(bank_service, registry, tmp_path)
    second = _load(bank_service, registry, tmp_path)
    assert not first.matcher.from_cache and second.matcher.from_cache
    assert len(second.matcher) == len(first.matcher) == 60
    near = flip_bits(value, 7, rng)
    assert _entries(second, "pdq", near) == _entries(first, "pdq", near) == [(ids[0], 7)]
    md5 = bank_service.get_entry(ids[3]).signals[1].value
    assert _entries(second, "md5", md5) == [(ids[3], 0)]
    # another selection has its own slot and does not evict this one
    assert not Scanner.load(
        bank_service, registry, [filled[0]], cache_dir=tmp_path
    ).matcher.from_cache


Filled = tuple[str, list[int], str]


def _add(s: BankService, f: Filled, rng: random.Random) -> None:
    s.add_entry(f[0], {"pdq": random_pdq(rng)})


def _disable(s: BankService, f: Filled, rng: random.Random) -> None:
    s.disable_entry(f[1][0])


def _threshold(s: BankService, f: Filled, rng: random.Random) -> None:
    s.update_bank(f[0], threshold=3)


def _delete(s: BankService, f: Filled, rng: random.Random) -> None:
    s.delete_bank(f[0])


CHANGES: dict[str, Callable[[BankService, Filled, random.Random], None]] = {
    "add_entry": _add,
    "disable_entry": _disable,
    "threshold": _threshold,
    "delete_bank": _delete,
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_any_change_invalidates_the_cache(
    bank_service: BankService,
    registry: Registry,
    tmp_path: Path,
    filled: tuple[str, list[int], str],
    rng: random.Random,
    change: str,
) -> None:
    _, ids, value = filled
    make_bank(bank_service)  # so deleting the filled bank still leaves something to load
    _load(bank_service, registry, tmp_path)
    near = flip_bits(value, 7, rng)
    CHANGES[change](bank_service, filled, rng)
    after = _load(bank_service, registry, tmp_path)
    assert not after.matcher.from_cache
    expected = {
        "add_entry": [(ids[0], 7)],
        "disable_entry": [],
        "threshold": [],
        "delete_bank": [],
    }[change]
    assert _entries(after, "pdq", near) == expected
    assert _load(bank_service, registry, tmp_path).matcher.from_cache


@pytest.mark.parametrize("damage", ["truncate", "garbage", "manifest", "missing"])
def test_a_damaged_cache_is_ignored(
    bank_service: BankService,
    registry: Registry,
    tmp_path: Path,
    filled: tuple[str, list[int], str],
    damage: str,
) -> None:
    _, ids, value = filled
    _load(bank_service, registry, tmp_path)
    [slot] = (tmp_path / "matcher").iterdir()
    victim = slot / "owners.entries.npy"
    if damage == "truncate":
        victim.write_bytes(victim.read_bytes()[:-16])
    elif damage == "garbage":
        victim.write_bytes(b"\x93NUMPY" + b"\xff" * (victim.stat().st_size - 6))
    elif damage == "manifest":
        (slot / "manifest.json").write_text("{not json")
    else:
        victim.unlink()
    again = _load(bank_service, registry, tmp_path)
    assert not again.matcher.from_cache
    assert _entries(again, "pdq", value) == [(ids[0], 0)]
    assert _load(bank_service, registry, tmp_path).matcher.from_cache  # rewritten


def test_without_a_cache_dir_nothing_is_written(
    bank_service: BankService, registry: Registry, tmp_path: Path, filled: object
) -> None:
    Scanner.load(bank_service, registry)
    assert not (tmp_path / "matcher").exists()
