"""Reading hash lists people actually have, and writing them back in the same shape.

Two inputs: a plain list with one value per line (the type given by the caller; the shape of
NCMEC's and most vendors' MD5/PDQ lists), and CSV with a header naming at least a value column
(``value`` or ``signal``) and, unless the caller gives one type for all, ``signal_type``.
Optional CSV columns: ``labels`` (separated by ``;``), ``external_id`` (alias ``note``) and
``variant``. Unknown columns are ignored so exports of other tools load. Blank lines and lines
starting with ``#`` are skipped in both formats. :func:`write_csv` writes exactly what
:func:`parse_csv` reads, so an export imports back unchanged.

Parsing never raises on a bad line: it yields an :class:`InvalidLine` with the 1-based line
number and a reason, and carries on.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, NamedTuple, TextIO

from childsafe.banks import validation
from childsafe.banks.errors import BankError, InvalidImport
from childsafe.banks.types import ExportRow, InvalidLine
from childsafe.signals.base import SignalType

ImportFormat = Literal["auto", "lines", "csv"]
CSV_COLUMNS = ("signal_type", "value", "variant", "labels", "external_id", "entry_id")
LABEL_SEPARATOR = ";"
_VALUE_COLUMNS = ("value", "signal")
_EXTERNAL_ID_COLUMNS = ("external_id", "note")
#: Longest line echoed back in an :class:`InvalidLine`.
_ECHO = 200


class ParsedRow(NamedTuple):
    """A valid row; a tuple rather than a dataclass because imports build millions of them."""

    line: int
    signal_type: str
    value: str  # canonical
    variant: str = ""
    labels: tuple[str, ...] = ()
    external_id: str | None = None


Parsed = ParsedRow | InvalidLine


def _skip(text: str) -> bool:
    s = text.strip()
    return not s or s.startswith("#")


def _strip_bom(lines: Iterable[str]) -> Iterator[str]:
    it = iter(lines)
    for first in it:
        yield first.removeprefix("\ufeff")
        break
    yield from it


def detect_format(lines: Iterable[str]) -> tuple[Literal["lines", "csv"], Iterator[str]]:
    """Guess the format from the first meaningful line; returns the lines unconsumed."""
    it = _strip_bom(lines)
    head: list[str] = []
    kind: Literal["lines", "csv"] = "lines"
    for text in it:
        head.append(text)
        if _skip(text):
            continue
        fields = {f.strip().lower() for f in next(csv.reader([text]))}
        if fields & {"signal_type", *_VALUE_COLUMNS}:
            kind = "csv"
        break
    return kind, itertools.chain(head, it)


def parse_lines(
    lines: Iterable[str], types: Mapping[str, SignalType], signal_type: str
) -> Iterator[Parsed]:
    st = validation.signal_type(types, signal_type)
    for n, raw in enumerate(_strip_bom(lines), start=1):
        if _skip(raw):
            continue
        text = raw.strip()
        try:
            yield ParsedRow(n, st.name, validation.signal_value(st, text))
        except BankError as e:
            yield InvalidLine(n, str(e), text[:_ECHO])


def _column(header: list[str], names: Iterable[str]) -> int | None:
    for name in names:
        if name in header:
            return header.index(name)
    return None


@dataclass(frozen=True)
class _Columns:
    value: int
    type: int | None
    labels: int | None
    external_id: int | None
    variant: int | None

    @classmethod
    def from_header(cls, row: list[str], line: int, default_type: str | None) -> _Columns:
        header = [h.strip().lower() for h in row]
        value = _column(header, _VALUE_COLUMNS)
        if value is None:
            raise InvalidImport(f"CSV line {line}: no 'value' (or 'signal') column in {row!r}")
        type_ = _column(header, ("signal_type",))
        if type_ is None and default_type is None:
            raise InvalidImport(
                f"CSV line {line}: no 'signal_type' column and no signal type given"
            )
        return cls(
            value,
            type_,
            _column(header, ("labels", "label")),
            _column(header, _EXTERNAL_ID_COLUMNS),
            _column(header, ("variant",)),
        )


def parse_csv(
    lines: Iterable[str], types: Mapping[str, SignalType], signal_type: str | None = None
) -> Iterator[Parsed]:
    """Rows of a CSV hash list; ``signal_type`` fills in rows with no type (or no such column)."""
    if signal_type is not None:
        validation.signal_type(types, signal_type)
    reader = csv.reader(_strip_bom(lines))
    cols: _Columns | None = None
    line = 1
    while True:
        start = line
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:  # the rest of the file cannot be framed reliably
            raise InvalidImport(f"CSV line {start}: {e}") from None
        line = reader.line_num + 1
        if not any(f.strip() for f in row) or row[0].lstrip().startswith("#"):
            continue
        if cols is None:
            cols = _Columns.from_header(row, start, signal_type)
            continue
        yield _csv_row(start, row, types, signal_type, cols)


def _csv_row(
    line: int,
    row: list[str],
    types: Mapping[str, SignalType],
    default_type: str | None,
    cols: _Columns,
) -> Parsed:
    def get(i: int | None) -> str:
        return row[i].strip() if i is not None and i < len(row) else ""

    text = ",".join(row)[:_ECHO]
    try:
        type_name = get(cols.type) or default_type
        if not type_name:
            return InvalidLine(line, "no signal type in this row", text)
        st = validation.signal_type(types, type_name)
        value = get(cols.value)
        if not value:
            return InvalidLine(line, "no value in this row", text)
        labels = [p.strip() for p in get(cols.labels).split(LABEL_SEPARATOR) if p.strip()]
        variant = get(cols.variant)
        if variant and not validation.VARIANT_RE.fullmatch(variant):
            return InvalidLine(line, f"invalid variant {variant!r}", text)
        ext = get(cols.external_id) or None
        validation.optional_text(ext, validation.EXTERNAL_ID_MAX, "external_id")
        return ParsedRow(
            line,
            st.name,
            validation.signal_value(st, value),
            variant,
            tuple(validation.entry_labels(labels)),
            ext,
        )
    except BankError as e:
        return InvalidLine(line, str(e), text)


def parse(
    lines: Iterable[str],
    types: Mapping[str, SignalType],
    *,
    format: ImportFormat = "auto",
    signal_type: str | None = None,
) -> Iterator[Parsed]:
    if format == "auto":
        format, lines = detect_format(lines)
    if format == "csv":
        return parse_csv(lines, types, signal_type)
    if format == "lines":
        if signal_type is None:
            raise InvalidImport(
                "a list with one value per line needs its signal type (e.g. pdq or md5); "
                "or give a CSV with a header including signal_type and value"
            )
        return parse_lines(lines, types, signal_type)
    raise InvalidImport(f"unknown import format {format!r}: use auto, lines or csv")


def write_csv(rows: Iterable[ExportRow], out: TextIO) -> int:
    """Write an export as CSV (the import format); returns the number of rows written."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    n = 0
    for r in rows:
        w.writerow(
            [
                r.signal_type,
                r.value,
                r.variant,
                LABEL_SEPARATOR.join(r.labels),
                r.external_id or "",
                r.entry_id,
            ]
        )
        n += 1
    return n
