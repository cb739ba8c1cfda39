"""The bulk loader must find exactly what comparing every banked value by hand finds."""

from __future__ import annotations

import random

import pytest

from childsafe.banks import BankInfo, BankService
from childsafe.plugins import Registry
from childsafe.scan.service import Scanner
from childsafe.signals import Signal
from tests.factories.banks import make_bank
from tests.factories.hashes import flip_bits, random_md5, random_pdq

Banked = list[tuple[BankInfo, int, str, str, str]]  # bank, entry id, type, value, variant


def _fill(bank_service: BankService, rng: random.Random) -> Banked:
    """Two banks with different thresholds, entries with variants, md5 and disabled rows."""
    strict = make_bank(bank_service, threshold=10)
    loose = make_bank(bank_service, threshold=40, action="review")
    banked: Banked = []
    for bank in (strict, loose):
        for i in range(40):
            signals = [("pdq", random_pdq(rng), ""), ("md5", random_md5(rng), "")]
            if i % 3 == 0:
                signals.append(("pdq", random_pdq(rng), "crop90"))
            e = bank_service.add_entry(bank.name, signals)
            if i % 10 == 9:
                bank_service.disable_entry(e.id)
                continue
            banked += [(bank, e.id, s.signal_type, s.value, s.variant) for s in e.signals]
    off = make_bank(bank_service)
    bank_service.add_entry(off.name, {"pdq": banked[0][3]})
    bank_service.update_bank(off.name, enabled=False)
    return banked


def _brute_force(
    registry: Registry, banked: Banked, type_name: str, value: str
) -> set[tuple[int, int, int, str]]:
    st = registry.signal_type(type_name)
    out = set()
    for bank, entry_id, t, v, variant in banked:
        if t != type_name:
            continue
        d = st.distance(v, value)
        limit = 0 if st.kind == "exact" else bank.threshold
        assert limit is not None
        if d <= limit:
            out.add((bank.id, entry_id, d, variant))
    return out


def test_loaded_matcher_agrees_with_brute_force(
    bank_service: BankService, registry: Registry, rng: random.Random
) -> None:
    banked = _fill(bank_service, rng)
    scanner = Scanner.load(bank_service, registry)
    assert len(scanner.matcher) == len(banked)
    assert not scanner.matcher.from_cache
    queries: list[tuple[str, str]] = []
    for _, _, t, v, _ in banked[::3]:
        queries.append((t, v))
        if t == "pdq":
            queries += [(t, flip_bits(v, n, rng)) for n in (5, 11, 35, 41)]
    queries += [("pdq", random_pdq(rng)), ("md5", random_md5(rng))]
    for t, v in queries:
        got = {
            (m.bank_id, m.entry_id, m.distance, m.banked_variant)
            for m in scanner.matcher.match({t: {"": Signal(t, v)}})
        }
        want = _brute_force(registry, banked, t, v)
        # the matcher reports each (bank, entry) once, at its best distance
        best: dict[tuple[int, int], tuple[int, int, int, str]] = {}
        for hit in sorted(want, key=lambda h: (h[2], h[3] != "")):
            best.setdefault(hit[:2], hit)
        assert got == set(best.values()), (t, v)


@pytest.mark.parametrize("names", [None, ["only"]])
def test_only_selected_enabled_banks_are_loaded(
    bank_service: BankService, registry: Registry, rng: random.Random, names: list[str] | None
) -> None:
    only = make_bank(bank_service, "only")
    other = make_bank(bank_service)
    e1 = bank_service.add_entry(only.name, {"pdq": random_pdq(rng)})
    bank_service.add_entry(other.name, {"pdq": random_pdq(rng)})
    scanner = Scanner.load(bank_service, registry, names)
    assert len(scanner.matcher) == (1 if names else 2)
    [match] = scanner.matcher.match({"pdq": {"": Signal("pdq", e1.signals[0].value)}})
    assert (match.bank, match.entry_id, match.distance) == ("only", e1.id, 0)
