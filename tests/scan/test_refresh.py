"""A refreshed scanner must match exactly what a scanner freshly loaded from the store matches."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event

from childsafe.banks import BankService
from childsafe.plugins import Registry
from childsafe.scan.query import Query
from childsafe.scan.refresh import MatcherRefresher, RefreshReport
from childsafe.scan.service import Scanner
from childsafe.signals import Signal
from tests.factories.banks import make_bank, make_entries
from tests.factories.hashes import flip_bits, random_md5, random_pdq


class World:
    """Banks and entries, the values planted in them, and a scanner kept up to date."""

    def __init__(
        self,
        service: BankService,
        registry: Registry,
        rng: random.Random,
        names: list[str] | None = None,
    ) -> None:
        self.service = service
        self.registry = registry
        self.rng = rng
        self.names = names
        self.planted: list[tuple[str, str]] = []  # (type, value)
        self.scanner: Scanner | None = None
        self.refresher: MatcherRefresher | None = None

    def entry(self, bank: str, *, variant: bool = False) -> int:
        pdq, md5 = random_pdq(self.rng), random_md5(self.rng)
        signals = [("pdq", pdq, ""), ("md5", md5, "")]
        if variant:
            signals.append(("pdq", random_pdq(self.rng), "crop90"))
        e = self.service.add_entry(bank, signals)
        self.planted += [(s.signal_type, s.value) for s in e.signals]
        return e.id

    def start(self, **kwargs: Any) -> None:
        self.scanner = Scanner.load(self.service, self.registry, self.names)
        self.refresher = MatcherRefresher(self.scanner, self.service, self.registry, **kwargs)

    def refresh(self) -> RefreshReport:
        assert self.refresher is not None
        return self.refresher.refresh()

    def queries(self) -> list[Query]:
        out: list[Query] = []
        for t, v in self.planted:
            out.append({t: {"": Signal(t, v)}})
            if t == "pdq":
                for n in (6, 20, 45):
                    out.append({t: {"": Signal(t, flip_bits(v, n, self.rng))}})
                # a query-side view: counts only for banks with dihedral matching on
                out.append({t: {"dihedral:rotate90": Signal(t, flip_bits(v, 3, self.rng))}})
        out += [{"pdq": {"": Signal("pdq", random_pdq(self.rng))}}]
        out += [{"md5": {"": Signal("md5", random_md5(self.rng))}}]
        return out

    def check(self) -> None:
        """Refresh, then compare with a fresh load, query by query."""
        self.refresh()
        assert self.scanner is not None
        fresh = Scanner.load(self.service, self.registry, self.names)
        assert [b.id for b in self.scanner.banks] == [b.id for b in fresh.banks]
        assert self.scanner.options == fresh.options
        assert len(self.scanner.matcher) == len(fresh.matcher)
        assert self.scanner.seq == self.service.last_change_seq()
        hits = 0
        for q in self.queries():
            got, want = self.scanner.scan(q), fresh.scan(q)
            assert got.matches == want.matches, q
            assert got.decision == want.decision
            hits += len(got.matches)
        if len(fresh.matcher):
            assert hits  # the comparison is not vacuous


@pytest.fixture
def world(bank_service: BankService, registry: Registry, rng: random.Random) -> World:
    w = World(bank_service, registry, rng)
    make_bank(bank_service, "strict", threshold=10)
    make_bank(bank_service, "loose", threshold=40, action="review", match_dihedral=True)
    for bank in ("strict", "loose"):
        for i in range(12):
            w.entry(bank, variant=i % 4 == 0)
    return w


@contextmanager
def count_queries(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def on_execute(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


def test_refresh_without_changes_does_nothing(world: World, db_engine: Engine) -> None:
    world.start()
    assert world.scanner is not None
    matcher, seq = world.scanner.matcher, world.scanner.seq
    with count_queries(db_engine) as statements:
        report = world.refresh()
    assert report == RefreshReport(seq=seq)
    assert world.scanner.matcher is matcher and world.scanner.seq == seq
    assert len([s for s in statements if "changes" in s]) == 1
    world.check()


def test_entry_changes(world: World) -> None:
    world.start()
    created = world.entry("strict", variant=True)
    world.check()
    world.service.disable_entry(created)
    world.check()
    world.service.enable_entry(created)
    world.check()
    world.service.delete_entry(created)
    world.check()
    first = world.service.list_entries("loose")[0].id
    world.service.disable_entry(first)
    world.check()


@pytest.mark.parametrize(
    "fields",
    [
        {"threshold": 45},
        {"threshold": None},
        {"action": "block"},
        {"labels": ["B1"]},
        {"match_dihedral": False},
        {"new_name": "renamed"},
    ],
)
def test_bank_updates(world: World, fields: dict[str, Any]) -> None:
    world.start()
    world.service.update_bank("loose", **fields)
    world.check()
    world.service.update_bank("strict", match_dihedral=True, threshold=31)
    world.check()


def test_bank_disable_enable_delete_create(world: World) -> None:
    world.start()
    world.service.update_bank("strict", enabled=False)
    world.check()
    world.service.update_bank("strict", enabled=True)
    world.check()
    world.service.delete_bank("loose")
    world.check()
    make_bank(world.service, "fresh", trim_borders=True)
    world.entry("fresh")
    world.check()
    make_bank(world.service, "off", enabled=False)
    world.entry("off")
    world.check()
    world.service.update_bank("off", enabled=True)
    world.check()


def test_everything_in_one_batch(world: World) -> None:
    """Many kinds of change before one refresh, applied in any order, give the same result."""
    world.start()
    s = world.service
    make_bank(s, "late", threshold=20)
    late = [world.entry("late") for _ in range(5)]
    s.disable_entry(late[0])
    s.update_bank("late", enabled=False)
    s.delete_entry(late[1])
    s.update_bank("late", enabled=True)
    s.update_bank("strict", enabled=False)
    gone = world.entry("strict")
    s.delete_entry(gone)
    s.delete_bank("loose")
    s.enable_entry(late[0])
    world.check()


def test_applying_changes_again_is_harmless(world: World) -> None:
    world.start()
    assert world.scanner is not None
    seq = world.scanner.seq
    created = world.entry("loose")
    world.service.update_bank("strict", enabled=False)
    world.service.update_bank("strict", enabled=True)
    world.service.disable_entry(world.service.list_entries("strict")[0].id)
    world.check()
    world.scanner.seq = seq  # as if the batch was read again after a crash mid-apply
    world.check()
    world.service.delete_entry(created)
    world.scanner.seq = seq
    world.check()


def test_named_banks_only_follow_those(
    bank_service: BankService, registry: Registry, rng: random.Random
) -> None:
    w = World(bank_service, registry, rng, names=["mine"])
    make_bank(bank_service, "mine")
    make_bank(bank_service, "theirs")
    w.entry("mine")
    w.entry("theirs")
    w.start()
    w.entry("theirs")
    make_bank(bank_service, "newer")
    w.entry("newer")
    w.entry("mine")
    w.check()
    bank_service.update_bank("mine", new_name="still-mine", threshold=50)
    w.names = ["still-mine"]
    w.check()
    # a followed bank that is disabled stops matching (a fresh load would refuse it)
    bank_service.update_bank("still-mine", enabled=False)
    w.refresh()
    assert w.scanner is not None
    assert not w.scanner.banks and not len(w.scanner.matcher)
    bank_service.update_bank("still-mine", enabled=True)
    w.check()


def test_bulk_import_is_applied_in_a_few_queries(world: World, db_engine: Engine) -> None:
    world.start()
    assert world.scanner is not None
    before = len(world.scanner.matcher)
    values = make_entries(world.service, "strict", world.rng, 5000)
    world.planted += [("pdq", v) for v in values[::250]]
    with count_queries(db_engine) as statements:
        report = world.refresh()
    assert not report.rebuilt
    assert (report.changes, report.entries, report.signals_added) == (5000, 5000, 5000)
    assert len(world.scanner.matcher) == before + 5000
    assert len(statements) < 20, statements
    world.check()


def test_big_backlog_rebuilds(world: World) -> None:
    world.start(rebuild_min=10, rebuild_fraction=0.0)
    assert world.scanner is not None
    old = world.scanner.matcher
    for _ in range(11):
        world.entry("loose")
    world.service.update_bank("strict", threshold=20)
    report = world.refresh()
    assert report.rebuilt and world.scanner.matcher is not old
    world.check()
    # a small backlog is applied in place again
    world.entry("strict")
    assert not world.refresh().rebuilt
    world.check()


def test_paged_changes(world: World) -> None:
    world.start(page_size=3)
    for i in range(10):
        e = world.entry("strict")
        if i % 3 == 0:
            world.service.disable_entry(e)
    report = world.refresh()
    assert report.changes == 14 and not report.rebuilt
    world.check()
