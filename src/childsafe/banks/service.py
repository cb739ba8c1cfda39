"""The bank service: the one way banks and their entries are created, changed and read.

Every mutation appends to the change log in the same transaction, so an index that follows the
log can never disagree with the tables for longer than one poll, and to the audit log, so no
change happens without a record of who made it (see :mod:`childsafe.banks._audit`). Methods take
and return plain values (names, ids, frozen dataclasses); sessions never leak out.
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from childsafe.banks import _audit, _rows, entries, feed, importer, validation
from childsafe.banks.errors import BankExists
from childsafe.banks.formats import ImportFormat
from childsafe.banks.types import (
    BankInfo,
    EntryInfo,
    ExportRow,
    ImportReport,
    SignalRow,
)
from childsafe.banks.validation import SignalsArg
from childsafe.plugins import Registry
from childsafe.signals.base import SignalType
from childsafe.store import audit, changes
from childsafe.store.engine import SessionFactory, Store, unit_of_work
from childsafe.store.models import Bank
from childsafe.store.types import utcnow


class _Unset(enum.Enum):
    UNSET = enum.auto()


#: "Leave this field as it is" in :meth:`BankService.update_bank` (``None`` is a real value).
UNSET = _Unset.UNSET


class BankService:
    def __init__(
        self,
        sessions: Store | SessionFactory,
        registry: Registry | Mapping[str, SignalType],
        *,
        variant_names: Collection[str] | None = None,
        actor: str = "system",
    ) -> None:
        """Over an open :class:`Store` or any session factory (tests pass one bound to a
        connection whose transaction they roll back). ``variant_names``: the variants the
        scan pipeline can compute; None accepts any well-formed name. ``actor``: who the audit
        log says made the changes ("key:<prefix>", "cli:<user>", "system:<part>").
        """
        self._sessions = sessions.sessions if isinstance(sessions, Store) else sessions
        self._types: Mapping[str, SignalType] = (
            registry.signal_types if isinstance(registry, Registry) else registry
        )
        self._variant_names = variant_names
        self._actor = audit.check_actor(actor)

    @property
    def actor(self) -> str:
        return self._actor

    def as_actor(self, actor: str) -> BankService:
        """This service (same database and settings) recording its changes as ``actor``."""
        other = copy.copy(self)
        other._actor = audit.check_actor(actor)
        return other

    # -- transactions ---------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with unit_of_work(self._sessions, write=True) as s:
            changes.lock_change_log(s)
            yield s

    def _read(self) -> AbstractContextManager[Session]:
        return unit_of_work(self._sessions, write=False)

    # -- banks ----------------------------------------------------------------------------

    def create_bank(
        self,
        name: str,
        *,
        description: str = "",
        action: str = "block",
        threshold: int | None = None,
        enabled: bool = True,
        source: str = "manual",
        labels: Iterable[str] = (),
        match_dihedral: bool = False,
        trim_borders: bool = False,
        variants: Iterable[str] = (),
    ) -> BankInfo:
        bank = Bank(
            name=validation.bank_name(name),
            description=description,
            action=validation.action(action),
            threshold=validation.threshold(threshold),
            enabled=bool(enabled),
            source=validation.bank_source(source),
            labels=validation.labels(labels),
            match_dihedral=bool(match_dihedral),
            trim_borders=bool(trim_borders),
            variants=validation.variants(variants, self._variant_names),
        )
        with self._write() as s:
            _rows.ensure_name_free(s, name)
            s.add(bank)
            try:
                s.flush()
            except IntegrityError as e:  # a writer on another engine got there first
                raise BankExists(name) from e
            changes.record_change(s, "bank", "create", bank.id, bank.id)
            _audit.bank_created(s, self._actor, bank)
            return _rows.bank_info(bank, (0, 0))

    def get_bank(self, name: str) -> BankInfo:
        with self._read() as s:
            bank = _rows.live_bank(s, name)
            return _rows.bank_info(bank, _rows.entry_counts(s, [bank.id]).get(bank.id, (0, 0)))

    def list_banks(self, *, include_deleted: bool = False) -> list[BankInfo]:
        """All banks by name, with entry counts (deleted ones only when asked)."""
        with self._read() as s:
            q = select(Bank).order_by(Bank.name, Bank.id)
            if not include_deleted:
                q = q.where(Bank.deleted_at.is_(None))
            banks = s.scalars(q).all()
            counts = _rows.entry_counts(s, [b.id for b in banks])
            return [_rows.bank_info(b, counts.get(b.id, (0, 0))) for b in banks]

    def update_bank(
        self,
        name: str,
        *,
        new_name: str | _Unset = UNSET,
        description: str | _Unset = UNSET,
        action: str | _Unset = UNSET,
        threshold: int | _Unset | None = UNSET,
        enabled: bool | _Unset = UNSET,
        source: str | _Unset = UNSET,
        labels: Iterable[str] | _Unset = UNSET,
        match_dihedral: bool | _Unset = UNSET,
        trim_borders: bool | _Unset = UNSET,
        variants: Iterable[str] | _Unset = UNSET,
    ) -> BankInfo:
        """Change the given fields; omitted ones stay. Enabling/disabling is its own change op."""
        given: dict[str, Any] = {
            "name": new_name,
            "description": description,
            "action": action,
            "threshold": threshold,
            "enabled": enabled,
            "source": source,
            "labels": labels,
            "match_dihedral": match_dihedral,
            "trim_borders": trim_borders,
            "variants": variants,
        }
        values = validation.bank_settings(
            {k: v for k, v in given.items() if not isinstance(v, _Unset)}, self._variant_names
        )
        with self._write() as s:
            bank = _rows.live_bank(s, name)
            changed = {k: v for k, v in values.items() if getattr(bank, k) != v}
            if "name" in changed:
                _rows.ensure_name_free(s, changed["name"])
            if changed:
                old_name, before = bank.name, _audit.bank_settings(bank, changed)
                for k, v in changed.items():
                    setattr(bank, k, v)
                try:
                    s.flush()
                except IntegrityError as e:
                    raise BankExists(str(changed.get("name", name))) from e
                op = "update"
                if set(changed) == {"enabled"}:
                    op = "enable" if bank.enabled else "disable"
                changes.record_change(s, "bank", op, bank.id, bank.id)
                _audit.bank_updated(s, self._actor, op, bank, old_name, before)
            counts = _rows.entry_counts(s, [bank.id]).get(bank.id, (0, 0))
            return _rows.bank_info(bank, counts)

    def delete_bank(self, name: str) -> BankInfo:
        """Soft delete: the bank stops matching and its name is free; rows stay for the record."""
        with self._write() as s:
            bank = _rows.live_bank(s, name)
            bank.deleted_at = utcnow()
            s.flush()
            changes.record_change(s, "bank", "delete", bank.id, bank.id)
            _audit.bank_deleted(s, self._actor, bank)
            return _rows.bank_info(bank)

    # -- entries --------------------------------------------------------------------------

    def add_entry(
        self,
        bank: str,
        signals: SignalsArg,
        *,
        labels: Iterable[str] = (),
        external_id: str | None = None,
        added_by: str | None = None,
        source: str = "manual",
    ) -> EntryInfo:
        """Bank one item. ``signals``: ``{type: value}`` or ``[(type, value, variant), ...]``.

        Raises :class:`DuplicateSignal` if the bank already holds any of the signals in an entry
        that is not deleted (a disabled one included, so a false positive stays out).
        """
        new = entries.NewEntry.of(
            self._types,
            signals,
            labels=labels,
            external_id=external_id,
            added_by=added_by,
            source=source,
        )
        with self._write() as s:
            return entries.add(s, self._actor, bank, new)

    def get_entry(self, entry_id: int) -> EntryInfo:
        """Any entry, tombstoned ones included (their timestamps say so)."""
        with self._read() as s:
            return entries.get(s, entry_id)

    def list_entries(
        self,
        bank: str,
        *,
        include_disabled: bool = True,
        include_deleted: bool = False,
        after_id: int = 0,
        limit: int = 1000,
    ) -> list[EntryInfo]:
        """One page of a bank's entries in id order; pass the last id back as ``after_id``."""
        with self._read() as s:
            return entries.page(
                s,
                bank,
                include_disabled=include_disabled,
                include_deleted=include_deleted,
                after_id=after_id,
                limit=limit,
            )

    def disable_entry(self, entry_id: int) -> EntryInfo:
        """Stop an entry matching but keep it, so re-imports do not bring it back."""
        return self._set_entry_state(entry_id, "disable")

    def enable_entry(self, entry_id: int) -> EntryInfo:
        return self._set_entry_state(entry_id, "enable")

    def delete_entry(self, entry_id: int) -> EntryInfo:
        """Remove an entry from its bank; the row stays as a tombstone for exchanges and audit."""
        return self._set_entry_state(entry_id, "delete")

    def _set_entry_state(self, entry_id: int, op: str) -> EntryInfo:
        with self._write() as s:
            return entries.set_state(s, self._actor, entry_id, op)

    # -- import / export ------------------------------------------------------------------

    def import_signals(
        self,
        bank: str,
        lines: Iterable[str],
        *,
        format: ImportFormat = "auto",
        signal_type: str | None = None,
        labels: Iterable[str] = (),
        source: str = "import",
        added_by: str | None = None,
        strict: bool = False,
        batch_size: int = 5000,
    ) -> ImportReport:
        """Load a hash list (see :mod:`childsafe.banks.formats`) into a bank, one entry a line.

        By default valid lines are kept and invalid ones reported with their line numbers:
        hash lists from vendors routinely carry a stray header or a truncated line, and
        refusing a million good hashes for one bad one helps no one. ``strict=True`` makes it
        all-or-nothing instead. Either way the import is one transaction, so a crash part way
        leaves the bank as it was, and re-running skips what is already there (duplicates).
        The audit log gets one ``bank.import`` event with the counts, not one per line.
        """
        return importer.import_lines(
            self._write,
            self._types,
            bank,
            lines,
            format=format,
            signal_type=signal_type,
            labels=labels,
            source=source,
            added_by=added_by,
            strict=strict,
            batch_size=batch_size,
            actor=self._actor,
        )

    def export_bank(self, bank: str, *, include_disabled: bool = False) -> Iterator[ExportRow]:
        """Stream a bank's signals in entry order (write with :func:`formats.write_csv`)."""
        self.get_bank(bank)  # raise BankNotFound now, not on first iteration
        return self._export(bank, include_disabled)

    def _export(self, bank: str, include_disabled: bool) -> Iterator[ExportRow]:
        with self._read() as s:
            yield from feed.export_rows(s, _rows.live_bank(s, bank).id, include_disabled)

    # -- what matchers read ---------------------------------------------------------------

    def iter_signal_batches(
        self,
        signal_type: str | None = None,
        *,
        chunk_size: int = 10_000,
        bank_ids: Sequence[int] | None = None,
    ) -> Iterator[list[SignalRow]]:
        """Live signals in enabled banks, ``chunk_size`` rows at a time, in id order.

        ``signal_type=None`` streams every installed type (one pass for a matcher that serves
        them all). Disabled or deleted entries and disabled or deleted banks are left out.
        """
        if signal_type is None:
            types = sorted(self._types)
        else:
            types = [validation.signal_type(self._types, signal_type).name]
        return self._stream(types, chunk_size, bank_ids)

    def _stream(
        self, types: list[str], chunk_size: int, bank_ids: Sequence[int] | None
    ) -> Iterator[list[SignalRow]]:
        with self._read() as s:
            yield from feed.stream_batches(s, types, chunk_size, bank_ids)

    def iter_signals(
        self,
        signal_type: str | None = None,
        *,
        chunk_size: int = 10_000,
        bank_ids: Sequence[int] | None = None,
    ) -> Iterator[SignalRow]:
        """As :meth:`iter_signal_batches`, one row at a time (still fetched in chunks)."""
        batches = self.iter_signal_batches(signal_type, chunk_size=chunk_size, bank_ids=bank_ids)
        return (row for chunk in batches for row in chunk)

    def iter_signal_chunks(
        self, signal_types: Sequence[str], bank_ids: Sequence[int], *, chunk_size: int = 50_000
    ) -> Iterator[tuple[str, list[feed.SignalTuple] | feed.SignalColumns]]:
        """The bulk feed (unordered): tuple lists, or on SQLite :class:`feed.SignalColumns`."""
        names = [validation.signal_type(self._types, t).name for t in signal_types]
        return self._stream_chunks(names, list(bank_ids), chunk_size)

    def _stream_chunks(
        self, signal_types: list[str], bank_ids: list[int], chunk_size: int
    ) -> Iterator[tuple[str, list[feed.SignalTuple] | feed.SignalColumns]]:
        with self._read() as s:
            if s.get_bind().dialect.name == "sqlite":
                yield from feed.sqlite_signal_columns(s, signal_types, bank_ids, chunk_size)
                return
            for t in signal_types:
                for chunk in feed.signal_tuples(s, t, bank_ids, chunk_size):
                    yield t, chunk

    def signals_of_entries(
        self, entry_ids: Collection[int], *, chunk_size: int = 10_000
    ) -> feed.EntrySignals:
        """Every signal id of these entries (any state) and their live signals, in a few
        queries however many entries: what an index needs to re-read entries named in the
        change log.
        """
        with self._read() as s:
            return feed.entry_signals(s, list(entry_ids), chunk_size)

    def change_marker(self) -> tuple[int, str, str]:
        """``(last seq, its time, database)``: a seq alone recurs after a rollback or restore."""
        with self._read() as s:
            seq, at = changes.last_change(s)
            url = s.get_bind().engine.url.render_as_string(hide_password=True)
            return seq, at, url

    def last_change_seq(self) -> int:
        with self._read() as s:
            return changes.last_seq(s)

    def changes_since(self, seq: int, *, limit: int = 10_000) -> Sequence[changes.ChangeRow]:
        with self._read() as s:
            return changes.changes_since(s, seq, limit)
