"""Plain values the bank service returns: no ORM objects escape a transaction.

Handing back frozen dataclasses instead of mapped objects means callers can keep, compare and
serialise results after the session is gone, and cannot change the database by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple


@dataclass(frozen=True)
class BankInfo:
    id: int
    name: str
    description: str
    action: str
    threshold: int | None
    enabled: bool
    source: str
    labels: tuple[str, ...]
    match_dihedral: bool
    trim_borders: bool
    variants: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    #: Live, enabled entries (None when not counted).
    entry_count: int | None = None
    #: Live entries that are disabled (None when not counted).
    disabled_count: int | None = None


@dataclass(frozen=True)
class SignalInfo:
    id: int
    signal_type: str
    value: str
    variant: str


@dataclass(frozen=True)
class EntryInfo:
    id: int
    bank_id: int
    bank_name: str
    external_id: str | None
    labels: tuple[str, ...]
    source: str
    added_by: str | None
    created_at: datetime
    disabled_at: datetime | None
    deleted_at: datetime | None
    signals: tuple[SignalInfo, ...] = ()

    @property
    def live(self) -> bool:
        """Takes part in matching (bank state aside)."""
        return self.disabled_at is None and self.deleted_at is None


class SignalRow(NamedTuple):
    """One matchable signal, as index builders consume them."""

    id: int
    entry_id: int
    bank_id: int
    signal_type: str
    value: str
    variant: str


class ExportRow(NamedTuple):
    signal_type: str
    value: str
    variant: str
    labels: tuple[str, ...]
    external_id: str | None
    entry_id: int


@dataclass(frozen=True)
class InvalidLine:
    """A line of an import that was refused, with its 1-based line number in the input."""

    line: int
    reason: str
    text: str


@dataclass
class ImportReport:
    added: int = 0
    duplicates: int = 0
    #: Refused lines; at most ``MAX_REPORTED_INVALID`` are kept, ``invalid_count`` counts all.
    invalid: list[InvalidLine] = field(default_factory=list)
    invalid_count: int = 0
    #: Lines read (blank and comment lines included).
    lines_read: int = 0
    #: True when ``strict`` refused the whole import because of invalid lines.
    rolled_back: bool = False

    @property
    def ok(self) -> bool:
        return self.invalid_count == 0
