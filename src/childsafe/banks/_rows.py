"""Turning ORM rows into the service's plain values, and the queries several methods share."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from childsafe.banks.errors import BankExists, BankNotFound, EntryNotFound
from childsafe.banks.types import BankInfo, EntryInfo, SignalInfo
from childsafe.store.models import Bank, BankEntry, EntrySignal


def live_bank(session: Session, name: str) -> Bank:
    bank = session.scalars(
        select(Bank).where(Bank.name == name, Bank.deleted_at.is_(None))
    ).one_or_none()
    if bank is None:
        raise BankNotFound(name)
    return bank


def ensure_name_free(session: Session, name: str) -> None:
    taken = session.scalar(select(Bank.id).where(Bank.name == name, Bank.deleted_at.is_(None)))
    if taken is not None:
        raise BankExists(name)


def entry_row(session: Session, entry_id: int) -> BankEntry:
    entry = session.scalars(
        select(BankEntry)
        .where(BankEntry.id == entry_id)
        .options(selectinload(BankEntry.signals), selectinload(BankEntry.bank))
    ).one_or_none()
    if entry is None:
        raise EntryNotFound(entry_id)
    return entry


def entry_counts(session: Session, bank_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """``bank_id -> (enabled, disabled)`` counts of entries that are not deleted.

    ``count(disabled_at)`` rather than a CASE: every column it reads is in the
    (bank_id, deleted_at, disabled_at) index, so the count never touches the entry rows.
    """
    if not bank_ids:
        return {}
    rows = session.execute(
        select(BankEntry.bank_id, func.count(), func.count(BankEntry.disabled_at))
        .where(BankEntry.bank_id.in_(bank_ids), BankEntry.deleted_at.is_(None))
        .group_by(BankEntry.bank_id)
    )
    return {bid: (int(total) - int(off), int(off)) for bid, total, off in rows}


def bank_info(bank: Bank, counts: tuple[int, int] | None = None) -> BankInfo:
    return BankInfo(
        id=bank.id,
        name=bank.name,
        description=bank.description,
        action=bank.action,
        threshold=bank.threshold,
        enabled=bank.enabled,
        source=bank.source,
        labels=tuple(bank.labels),
        match_dihedral=bank.match_dihedral,
        trim_borders=bank.trim_borders,
        variants=tuple(bank.variants),
        created_at=bank.created_at,
        updated_at=bank.updated_at,
        deleted_at=bank.deleted_at,
        entry_count=None if counts is None else counts[0],
        disabled_count=None if counts is None else counts[1],
    )


def entry_info(entry: BankEntry, bank_name: str, signals: Iterable[EntrySignal]) -> EntryInfo:
    return EntryInfo(
        id=entry.id,
        bank_id=entry.bank_id,
        bank_name=bank_name,
        external_id=entry.external_id,
        labels=tuple(entry.labels),
        source=entry.source,
        added_by=entry.added_by,
        created_at=entry.created_at,
        disabled_at=entry.disabled_at,
        deleted_at=entry.deleted_at,
        signals=tuple(
            SignalInfo(s.id, s.signal_type, s.value, s.variant)
            for s in sorted(signals, key=lambda s: s.id)
        ),
    )


def existing_signals(
    session: Session, bank_id: int, signal_type: str, values: Iterable[str]
) -> dict[tuple[str, str], int]:
    """``(value, variant) -> entry id`` for values already in the bank's non-deleted entries.

    Disabled entries count: re-importing a list must not bring back a hash someone disabled
    as a false positive.

    Two queries instead of one join, on purpose: right after a bulk import PostgreSQL has no
    statistics yet, and for the join it then walks every entry of the bank per lookup (an import
    slows down quadratically). Looking values up by the (signal_type, value) index first and
    then checking those few entries by primary key has only one possible plan.
    """
    found: dict[tuple[str, str], int] = {}
    vals = list(dict.fromkeys(values))
    conn = session.connection()
    for i in range(0, len(vals), 500):
        hits = conn.execute(
            select(EntrySignal.value, EntrySignal.variant, EntrySignal.entry_id).where(
                EntrySignal.signal_type == signal_type,
                EntrySignal.value.in_(vals[i : i + 500]),
            )
        ).all()
        if not hits:
            continue
        candidates = list({entry_id for _, _, entry_id in hits})
        live: set[int] = set()
        for j in range(0, len(candidates), 500):
            live.update(
                conn.execute(
                    select(BankEntry.id).where(
                        BankEntry.id.in_(candidates[j : j + 500]),
                        BankEntry.bank_id == bank_id,
                        BankEntry.deleted_at.is_(None),
                    )
                ).scalars()
            )
        for value, variant, entry_id in hits:
            if entry_id in live:
                found.setdefault((value, variant), entry_id)
    return found
