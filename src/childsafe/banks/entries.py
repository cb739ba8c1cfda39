"""Entries: adding one, paging through a bank's, moving one between enabled, disabled, deleted.

The work behind :meth:`BankService.add_entry` and friends, in the transaction the service opens.
Each write records the change twice, for two readers: the change log (indexes follow it) and the
audit log (people read it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from childsafe.banks import _audit, _rows, validation
from childsafe.banks.errors import DuplicateSignal, InvalidEntry
from childsafe.banks.types import EntryInfo
from childsafe.banks.validation import SignalsArg
from childsafe.signals.base import SignalType
from childsafe.store import changes
from childsafe.store.models import BankEntry, EntrySignal
from childsafe.store.types import utcnow

#: What :func:`set_state` can do to an entry.
ENTRY_OPS = ("disable", "enable", "delete")


@dataclass(frozen=True)
class NewEntry:
    """An entry to add, checked before any transaction starts."""

    triples: Sequence[tuple[str, str, str]]
    labels: list[str]
    external_id: str | None
    added_by: str | None
    source: str

    @classmethod
    def of(
        cls,
        types: Mapping[str, SignalType],
        signals: SignalsArg,
        *,
        labels: Iterable[str],
        external_id: str | None,
        added_by: str | None,
        source: str,
    ) -> NewEntry:
        return cls(
            triples=validation.entry_signals(types, signals),
            labels=validation.entry_labels(labels),
            external_id=validation.optional_text(
                external_id, validation.EXTERNAL_ID_MAX, "external_id"
            ),
            added_by=validation.optional_text(added_by, validation.ADDED_BY_MAX, "added_by"),
            source=validation.optional_text(source, validation.ENTRY_SOURCE_MAX, "source") or "",
        )


def add(s: Session, actor: str, bank: str, new: NewEntry) -> EntryInfo:
    b = _rows.live_bank(s, bank)
    for t, v, variant in new.triples:
        found = _rows.existing_signals(s, b.id, t, [v])
        if (v, variant) in found:
            raise DuplicateSignal(b.name, t, v, found[(v, variant)])
    entry = BankEntry(
        bank_id=b.id,
        external_id=new.external_id,
        labels=new.labels,
        source=new.source,
        added_by=new.added_by,
    )
    s.add(entry)
    s.flush()
    sigs = [
        EntrySignal(entry_id=entry.id, signal_type=t, value=v, variant=variant)
        for t, v, variant in new.triples
    ]
    s.add_all(sigs)
    s.flush()
    changes.record_change(s, "entry", "create", entry.id, b.id)
    _audit.entry_created(s, actor, entry, b.name, sigs)
    return _rows.entry_info(entry, b.name, sigs)


def get(s: Session, entry_id: int) -> EntryInfo:
    e = _rows.entry_row(s, entry_id)
    return _rows.entry_info(e, e.bank.name, e.signals)


def page(
    s: Session,
    bank: str,
    *,
    include_disabled: bool,
    include_deleted: bool,
    after_id: int,
    limit: int,
) -> list[EntryInfo]:
    b = _rows.live_bank(s, bank)
    q = (
        select(BankEntry)
        .where(BankEntry.bank_id == b.id, BankEntry.id > after_id)
        .options(selectinload(BankEntry.signals))
        .order_by(BankEntry.id)
        .limit(limit)
    )
    if not include_disabled:
        q = q.where(BankEntry.disabled_at.is_(None))
    if not include_deleted:
        q = q.where(BankEntry.deleted_at.is_(None))
    return [_rows.entry_info(e, b.name, e.signals) for e in s.scalars(q)]


def set_state(s: Session, actor: str, entry_id: int, op: str) -> EntryInfo:
    """Disable, enable or delete an entry; repeating an op changes (and records) nothing."""
    if op not in ENTRY_OPS:
        raise ValueError(f"unknown entry op {op!r}")
    e = _rows.entry_row(s, entry_id)
    if e.deleted_at is not None and op != "delete":
        raise InvalidEntry(f"entry {entry_id} is deleted and cannot be {op}d")
    now = utcnow()
    before = (e.disabled_at, e.deleted_at)
    if op == "disable" and e.disabled_at is None:
        e.disabled_at = now
    elif op == "enable":
        e.disabled_at = None
    elif op == "delete" and e.deleted_at is None:
        e.deleted_at = now
    if (e.disabled_at, e.deleted_at) != before:
        s.flush()
        changes.record_change(s, "entry", op, e.id, e.bank_id)
        _audit.entry_changed(s, actor, op, e, e.bank.name)
    return _rows.entry_info(e, e.bank.name, e.signals)
