"""Domain errors of the bank service, each carrying a message fit to show a T&S engineer as is.

Callers (CLI, HTTP API) map these to exit codes and status codes by class, never by parsing the
message. They subclass ``LookupError``/``ValueError`` where that is what they are, so generic
handlers still do the right thing. Names read as the condition (``BankNotFound``), not as
``...Error``, because that is how callers and API error codes refer to them.
"""

from __future__ import annotations

from collections.abc import Iterable


class BankError(Exception):
    """Base of every error the bank service raises on purpose."""


class BankNotFound(BankError, LookupError):  # noqa: N818
    def __init__(self, name: str) -> None:
        super().__init__(f"no bank named {name!r}")
        self.name = name


class BankExists(BankError):  # noqa: N818
    def __init__(self, name: str) -> None:
        super().__init__(f"a bank named {name!r} already exists")
        self.name = name


class InvalidBankName(BankError, ValueError):  # noqa: N818
    def __init__(self, name: str) -> None:
        super().__init__(
            f"invalid bank name {name!r}: use 1 to 64 characters from A-Z a-z 0-9 _ . -"
        )
        self.name = name


class InvalidBankSetting(BankError, ValueError):  # noqa: N818
    """A bank field (action, threshold, source, labels, variants) has a value it cannot take."""


class EntryNotFound(BankError, LookupError):  # noqa: N818
    def __init__(self, entry_id: int) -> None:
        super().__init__(f"no bank entry with id {entry_id}")
        self.entry_id = entry_id


class InvalidEntry(BankError, ValueError):  # noqa: N818
    """An entry's fields are unusable (no signals, bad labels, overlong external id, ...)."""


class UnknownSignalType(BankError, ValueError):  # noqa: N818
    def __init__(self, name: str, known: Iterable[str]) -> None:
        known_list = ", ".join(sorted(known)) or "none installed"
        super().__init__(f"unknown signal type {name!r} (known: {known_list})")
        self.name = name


class InvalidSignalValue(BankError, ValueError):  # noqa: N818
    """A value does not parse as its signal type; the message comes from the signal type."""

    def __init__(self, signal_type: str, reason: str) -> None:
        super().__init__(reason)
        self.signal_type = signal_type


class DuplicateSignal(BankError):  # noqa: N818
    """The bank already holds this signal in a live (possibly disabled) entry."""

    def __init__(self, bank: str, signal_type: str, value: str, entry_id: int) -> None:
        super().__init__(
            f"bank {bank!r} already holds {signal_type} {value} (entry {entry_id}); "
            "disable or delete that entry first, or change its labels"
        )
        self.entry_id = entry_id


class InvalidImport(BankError, ValueError):  # noqa: N818
    """The import as a whole is unusable (no header, no value column, unknown format)."""
