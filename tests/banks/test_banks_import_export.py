from __future__ import annotations

import io
import random
from collections.abc import Iterable

import pytest

from childsafe.banks import BankService, ExportRow, InvalidImport, UnknownSignalType, write_csv
from childsafe.banks.importer import MAX_REPORTED_INVALID
from tests.factories.banks import make_bank, make_entries
from tests.factories.hashes import random_md5, random_pdq


def test_lines_with_bad_lines(bank_service: BankService, rng: random.Random) -> None:
    make_bank(bank_service, "harbor")
    good = [random_pdq(rng) for _ in range(5)]
    lines = [
        "# vendor list, 2024-05\n",
        good[0] + "\n",
        "\n",
        good[1].upper() + "\r\n",
        "not-a-hash\n",
        good[2] + "\n",
        good[0] + "\n",  # repeated within the file
        good[3][:60] + "\n",  # truncated
        good[3] + "\n",
        good[4],
    ]
    r = bank_service.import_signals(
        "harbor", lines, signal_type="pdq", labels=["A1"], added_by="importer"
    )
    assert (r.added, r.duplicates, r.invalid_count, r.lines_read) == (5, 1, 2, 10)
    assert [(i.line, i.text) for i in r.invalid] == [(5, "not-a-hash"), (8, good[3][:60])]
    assert "64 hex characters, got 60" in r.invalid[1].reason
    assert not r.ok and not r.rolled_back
    exported = list(bank_service.export_bank("harbor"))
    assert sorted(e.value for e in exported) == sorted(good)
    assert {e.labels for e in exported} == {("A1",)}
    entry = bank_service.get_entry(exported[0].entry_id)
    assert (entry.source, entry.added_by) == ("import", "importer")


def test_reimport_counts_duplicates(bank_service: BankService, rng: random.Random) -> None:
    make_bank(bank_service, "harbor")
    values = make_entries(bank_service, "harbor", rng, 20)
    r = bank_service.import_signals("harbor", [*values, random_pdq(rng)], signal_type="pdq")
    assert (r.added, r.duplicates) == (1, 20)


def test_strict_is_all_or_nothing(bank_service: BankService, rng: random.Random) -> None:
    make_bank(bank_service, "harbor")
    lines = [random_pdq(rng), "oops", random_pdq(rng), "bad again"]
    r = bank_service.import_signals("harbor", lines, signal_type="pdq", strict=True)
    assert r.rolled_back and r.added == 0
    assert [i.line for i in r.invalid] == [2, 4]
    assert bank_service.get_bank("harbor").entry_count == 0
    r = bank_service.import_signals("harbor", lines[:1], signal_type="pdq", strict=True)
    assert r.added == 1 and not r.rolled_back


def test_batches_see_earlier_batches(bank_service: BankService, rng: random.Random) -> None:
    make_bank(bank_service, "harbor")
    values = [random_pdq(rng) for _ in range(7)]
    r = bank_service.import_signals("harbor", values + values, signal_type="pdq", batch_size=3)
    assert (r.added, r.duplicates) == (7, 7)


def test_csv_import(bank_service: BankService, rng: random.Random) -> None:
    make_bank(bank_service, "harbor")
    pdq, md5 = random_pdq(rng), random_md5(rng)
    text = (
        "\ufeffSignal_Type,Signal,Labels,Note,ignored\n"
        f"pdq,{pdq},A1;B2,case 1,x\n"
        f"md5,{md5},,,\n"
        f"tmk,{md5},,,\n"
        f"md5,{md5[:-1]},,,\n"
        f'pdq,"{random_pdq(rng)}",bad label,,\n'
        ",,,,\n"
        f"sha256,{'ab' * 32}\n"
    )
    r = bank_service.import_signals("harbor", io.StringIO(text))
    assert (r.added, r.invalid_count) == (3, 3)
    assert [i.line for i in r.invalid] == [4, 5, 6]
    assert "unknown signal type 'tmk'" in r.invalid[0].reason
    rows = {e.signal_type: e for e in bank_service.export_bank("harbor")}
    assert rows["pdq"].labels == ("A1", "B2") and rows["pdq"].external_id == "case 1"
    assert rows["md5"].value == md5


def test_csv_default_type_and_errors(bank_service: BankService, rng: random.Random) -> None:
    make_bank(bank_service, "harbor")
    r = bank_service.import_signals(
        "harbor", ["value\n", random_md5(rng) + "\n"], format="csv", signal_type="md5"
    )
    assert r.added == 1
    with pytest.raises(InvalidImport, match="no 'value'"):
        bank_service.import_signals("harbor", ["type,hash\n", "md5,00\n"], format="csv")
    with pytest.raises(InvalidImport, match="no 'signal_type' column"):
        bank_service.import_signals("harbor", ["value\n", "00\n"], format="csv")
    with pytest.raises(InvalidImport, match="needs its signal type"):
        bank_service.import_signals("harbor", [random_md5(rng)])
    with pytest.raises(UnknownSignalType):
        bank_service.import_signals("harbor", [random_md5(rng)], signal_type="tmk")


def test_multiline_csv_line_numbers(bank_service: BankService, rng: random.Random) -> None:
    make_bank(bank_service, "harbor")
    text = f'signal_type,value,external_id\npdq,{random_pdq(rng)},"two\nlines"\npdq,nope,\n'
    r = bank_service.import_signals("harbor", io.StringIO(text))
    assert r.added == 1 and [i.line for i in r.invalid] == [4]


def test_export_round_trip(bank_service: BankService, rng: random.Random) -> None:
    make_bank(bank_service, "harbor")
    make_bank(bank_service, "lantern")
    for i in range(10):
        bank_service.add_entry(
            "harbor",
            [("pdq", random_pdq(rng), ""), ("pdq", random_pdq(rng), "crop90")]
            if i % 3 == 0
            else {"md5": random_md5(rng)},
            labels=["A1"] if i % 2 else [],
            external_id=f"item, {i}" if i % 4 == 0 else None,
        )
    disabled = bank_service.list_entries("harbor")[1]
    bank_service.disable_entry(disabled.id)
    buf = io.StringIO()
    n = write_csv(bank_service.export_bank("harbor"), buf)
    assert n == 4 * 2 + 6 - len(disabled.signals)
    r = bank_service.import_signals("lantern", io.StringIO(buf.getvalue()))
    assert r.ok and r.added == n

    def key(rows: Iterable[ExportRow]) -> list[tuple[object, ...]]:
        return sorted((e.signal_type, e.value, e.variant, e.labels, e.external_id) for e in rows)

    assert key(bank_service.export_bank("lantern")) == key(bank_service.export_bank("harbor"))
    with_disabled = list(bank_service.export_bank("harbor", include_disabled=True))
    assert len(with_disabled) == n + len(disabled.signals)


def _interleaved(rng: random.Random, n: int, old: list[str]) -> tuple[list[str], list[int]]:
    """``n`` lines mixing new values, repeats, values from ``old``, invalid lines and comments.

    Returns the lines and the 1-based numbers of the invalid ones.
    """
    lines: list[str] = []
    seen: list[str] = []
    bad: list[int] = []
    for i in range(1, n + 1):
        roll = rng.random()
        if roll < 0.05:
            lines.append(rng.choice(["not-a-hash", random_pdq(rng)[:63], "zz" * 32]) + "\n")
            bad.append(i)
        elif roll < 0.07:
            lines.append("# comment\n" if i % 2 else "\n")
        elif roll < 0.2 and seen:  # repeated, in another spelling
            value = rng.choice(seen)
            lines.append((value.upper() if i % 2 else f"  {value}") + "\n")
        elif roll < 0.22 and old:
            lines.append(rng.choice(old) + "\n")
        else:
            seen.append(random_pdq(rng))
            lines.append(seen[-1] + "\n")
    return lines, bad


def _valid(lines: list[str], bad: list[int]) -> list[str]:
    skip = set(bad)
    return [
        ln.strip().lower()
        for i, ln in enumerate(lines, 1)
        if i not in skip and ln.strip() and not ln.startswith("#")
    ]


def test_large_interleaved_import(bank_service: BankService, rng: random.Random) -> None:
    make_bank(bank_service, "harbor")
    existing = make_entries(bank_service, "harbor", rng, 30)
    lines, bad = _interleaved(rng, 20_000, existing)
    valid = _valid(lines, bad)
    new_values = [v for v in dict.fromkeys(valid) if v not in set(existing)]
    seq = bank_service.last_change_seq()

    r = bank_service.import_signals("harbor", lines, signal_type="pdq", batch_size=777)

    assert r.lines_read == 20_000 and r.invalid_count == len(bad) > 900
    assert [i.line for i in r.invalid] == bad[:MAX_REPORTED_INVALID]
    assert (r.added, r.duplicates) == (len(new_values), len(valid) - len(new_values))
    assert r.duplicates > 2000
    new = bank_service.list_entries("harbor", limit=50_000)[30:]
    # Numbered in line order, so an export lists them as the file did.
    assert [e.signals[0].value for e in new] == new_values
    assert {(e.source, e.labels) for e in new} == {("import", ())}
    # One change per new entry, in entry order: what an index following the log relies on.
    ch = bank_service.changes_since(seq, limit=50_000)
    assert [(c.entity, c.op, c.entity_id) for c in ch] == [("entry", "create", e.id) for e in new]

    again = bank_service.import_signals("harbor", lines, signal_type="pdq")
    assert (again.added, again.duplicates) == (0, len(valid))
    assert bank_service.last_change_seq() == ch[-1].seq
    assert bank_service.get_bank("harbor").entry_count == 30 + r.added


def test_large_strict_import_rolls_back(bank_service: BankService, rng: random.Random) -> None:
    make_bank(bank_service, "harbor")
    lines, bad = _interleaved(rng, 20_000, [])
    seq = bank_service.last_change_seq()
    r = bank_service.import_signals("harbor", lines, signal_type="pdq", strict=True)
    assert r.rolled_back and (r.added, r.duplicates) == (0, 0)
    assert r.invalid_count == len(bad) and [i.line for i in r.invalid] == bad[:MAX_REPORTED_INVALID]
    assert bank_service.get_bank("harbor").entry_count == 0
    assert bank_service.last_change_seq() == seq
    # The same connection imports again afterwards: no staging tables were left behind.
    skip = set(bad)
    good = [ln for i, ln in enumerate(lines, 1) if i not in skip]
    r = bank_service.import_signals("harbor", good, signal_type="pdq", strict=True)
    assert r.ok and r.added == len(set(_valid(good, [])))


def test_import_skips_deleted_but_not_disabled(
    bank_service: BankService, rng: random.Random
) -> None:
    make_bank(bank_service, "harbor")
    make_bank(bank_service, "lantern")
    gone, off, elsewhere = random_pdq(rng), random_pdq(rng), random_pdq(rng)
    bank_service.delete_entry(bank_service.add_entry("harbor", {"pdq": gone}).id)
    bank_service.disable_entry(bank_service.add_entry("harbor", {"pdq": off}).id)
    bank_service.add_entry("lantern", {"pdq": elsewhere})
    r = bank_service.import_signals("harbor", [gone, off, elsewhere], signal_type="pdq")
    # A disabled entry keeps a false positive out; a deleted one or another bank's does not.
    assert (r.added, r.duplicates) == (2, 1)
    info = bank_service.get_bank("harbor")
    assert (info.entry_count, info.disabled_count) == (2, 1)


def test_csv_labels_merge_with_common(bank_service: BankService, rng: random.Random) -> None:
    make_bank(bank_service, "harbor")
    a, b = random_pdq(rng), random_md5(rng)
    text = f"signal_type,value,labels,variant\npdq,{a},B2;A1,\nmd5,{b},,crop90\npdq,{a},C3,\n"
    r = bank_service.import_signals("harbor", io.StringIO(text), labels=["A1"])
    assert (r.added, r.duplicates) == (2, 1)
    rows = {e.signal_type: e for e in bank_service.export_bank("harbor")}
    assert rows["pdq"].labels == ("A1", "B2") and rows["md5"].labels == ("A1",)
    assert rows["md5"].variant == "crop90"
