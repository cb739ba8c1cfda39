"""What bank curation writes to the audit log (:mod:`childsafe.store.audit`), in one place.

Every call runs in the transaction of the change it records. Details say what changed by name,
id and setting, never content: an entry's event lists its signal *types*, not the hash values
(a hash list may be licensed, and the entry row, which the event names, keeps them anyway).

Actions: ``bank.create``, ``bank.update``, ``bank.enable``, ``bank.disable``,
``bank.delete``, ``bank.import``, ``entry.create``, ``entry.disable``, ``entry.enable``,
``entry.delete``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from childsafe.banks.types import ImportReport
from childsafe.store import audit
from childsafe.store.models import Bank, BankEntry, EntrySignal

#: The bank columns a curator sets, in the order events list them.
BANK_SETTINGS = (
    "name",
    "description",
    "action",
    "threshold",
    "enabled",
    "source",
    "labels",
    "match_dihedral",
    "trim_borders",
    "variants",
)


def bank_settings(bank: Bank, fields: Iterable[str] = BANK_SETTINGS) -> dict[str, Any]:
    return {f: _plain(getattr(bank, f)) for f in fields}


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, list | tuple) else value


def bank_created(s: Session, actor: str, bank: Bank) -> None:
    settings = bank_settings(bank)
    del settings["name"]
    _bank_event(s, actor, "create", bank, {"settings": settings})


def bank_updated(
    s: Session, actor: str, op: str, bank: Bank, old_name: str, before: Mapping[str, Any]
) -> None:
    """``before``: the changed fields' old values; the new ones are read from ``bank``."""
    _bank_event(
        s,
        actor,
        op,
        bank,
        {
            "bank": old_name,
            "before": {k: _plain(v) for k, v in before.items()},
            "after": bank_settings(bank, before),
        },
    )


def bank_deleted(s: Session, actor: str, bank: Bank) -> None:
    _bank_event(s, actor, "delete", bank, {})


def bank_imported(
    s: Session,
    actor: str,
    bank: Bank,
    report: ImportReport,
    *,
    format: str,
    signal_type: str | None,
    source: str,
    strict: bool,
) -> None:
    """One event per import, however many lines: the counts, and where the lines said they
    came from."""
    _bank_event(
        s,
        actor,
        "import",
        bank,
        {
            "added": report.added,
            "duplicates": report.duplicates,
            "invalid": report.invalid_count,
            "lines": report.lines_read,
            "format": format,
            "signal_type": signal_type,
            "source": source,
            "strict": strict,
        },
    )


def _bank_event(s: Session, actor: str, verb: str, bank: Bank, details: Mapping[str, Any]) -> None:
    audit.append(
        s,
        actor=actor,
        action=f"bank.{verb}",
        subject_type="bank",
        subject_id=bank.id,
        details={"bank": bank.name, **details},
    )


def entry_created(
    s: Session, actor: str, entry: BankEntry, bank_name: str, signals: Iterable[EntrySignal]
) -> None:
    _entry_event(
        s,
        actor,
        "create",
        entry,
        bank_name,
        {
            "signals": [
                {"type": sig.signal_type, "variant": sig.variant}
                for sig in sorted(signals, key=lambda x: x.id)
            ],
            "labels": list(entry.labels),
            "source": entry.source,
            "added_by": entry.added_by,
        },
    )


def entry_changed(s: Session, actor: str, op: str, entry: BankEntry, bank_name: str) -> None:
    _entry_event(s, actor, op, entry, bank_name, {})


def _entry_event(
    s: Session,
    actor: str,
    verb: str,
    entry: BankEntry,
    bank_name: str,
    details: Mapping[str, Any],
) -> None:
    audit.append(
        s,
        actor=actor,
        action=f"entry.{verb}",
        subject_type="entry",
        subject_id=entry.id,
        details={"bank": bank_name, "bank_id": entry.bank_id, **details},
    )
