"""Banks: named hash lists, the items banked in them, and how lists get in and out."""

from childsafe.banks.errors import (
    BankError,
    BankExists,
    BankNotFound,
    DuplicateSignal,
    EntryNotFound,
    InvalidBankName,
    InvalidBankSetting,
    InvalidEntry,
    InvalidImport,
    InvalidSignalValue,
    UnknownSignalType,
)
from childsafe.banks.formats import CSV_COLUMNS, write_csv
from childsafe.banks.service import UNSET, BankService
from childsafe.banks.types import (
    BankInfo,
    EntryInfo,
    ExportRow,
    ImportReport,
    InvalidLine,
    SignalInfo,
    SignalRow,
)

__all__ = [
    "CSV_COLUMNS",
    "UNSET",
    "BankError",
    "BankExists",
    "BankInfo",
    "BankNotFound",
    "BankService",
    "DuplicateSignal",
    "EntryInfo",
    "EntryNotFound",
    "ExportRow",
    "ImportReport",
    "InvalidBankName",
    "InvalidBankSetting",
    "InvalidEntry",
    "InvalidImport",
    "InvalidLine",
    "InvalidSignalValue",
    "SignalInfo",
    "SignalRow",
    "UnknownSignalType",
    "write_csv",
]
