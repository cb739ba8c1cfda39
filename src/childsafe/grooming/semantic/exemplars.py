"""Exemplar sets: the shipped handwritten exemplars, operators' own, and reviewer verdicts.

An exemplar is a short message labelled ``positive`` (it shows a warning sign of a category)
or ``negative`` (an innocent message, often with the same surface words). The shipped set
(``exemplars.jsonl`` beside this module) was written by hand for this package as paraphrases of
the published, non-explicit warning signs; it deliberately shares no phrasing with the dataset
generator (``childsafe.grooming.synth``) or the synthetic dataset, so that the held-out
evaluation measures paraphrase detection honestly. Operators add their own confirmed examples
in the same JSONL format (:func:`load_jsonl`) or as a Roblox Sentinel index
(``sentinel_index.read_sentinel_index``); reviewer verdicts become exemplars through
:func:`verdict_exemplar`. Every exemplar has a plain-dict form (:meth:`Exemplar.to_dict`) for
whoever persists it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np

from childsafe.grooming.categories import Category

Label = Literal["positive", "negative"]
LABELS: tuple[Label, ...] = ("positive", "negative")
SHIPPED_FILE = "exemplars.jsonl"


class ExemplarError(ValueError):
    """An exemplar file or record is malformed; the message names the place and the problem."""


@dataclass(frozen=True)
class Exemplar:
    """One labelled example. ``vector`` is set only when the example came as an embedding
    (a Sentinel index without its texts, or one whose vectors are kept as stored); otherwise
    the stage embeds ``text``. ``category`` is None for negatives that imitate no particular
    sign and for Sentinel positives whose category is assigned when they are added."""

    id: str
    category: Category | None
    label: Label
    text: str | None
    source: str = "shipped"
    vector: np.ndarray | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form that :func:`parse_record` reads back."""
        out: dict[str, Any] = {
            "id": self.id,
            "category": None if self.category is None else self.category.value,
            "label": self.label,
            "text": self.text,
            "source": self.source,
        }
        if self.vector is not None:
            out["vector"] = [round(float(x), 7) for x in self.vector]
        return out


def exemplar_id(source: str, label: str, text: str) -> str:
    """A stable id for an exemplar without one: its source and a hash of its label and text."""
    digest = hashlib.sha256(f"{label}\0{text}".encode()).hexdigest()[:12]
    return f"{source}.{digest}"


def parse_record(record: Any, *, source: str, where: str) -> Exemplar:
    """One exemplar from a dict ``{"category", "text", "label"[, "id", "vector"]}``."""
    if not isinstance(record, Mapping):
        raise ExemplarError(f"{where}: expected a JSON object, got {type(record).__name__}")
    label = record.get("label")
    if label not in LABELS:
        raise ExemplarError(f"{where}: label must be 'positive' or 'negative', got {label!r}")
    raw_category = record.get("category")
    category: Category | None = None
    if raw_category is not None:
        try:
            category = Category(raw_category)
        except ValueError:
            known = ", ".join(c.value for c in Category)
            raise ExemplarError(
                f"{where}: unknown category {raw_category!r} (known: {known})"
            ) from None
    if label == "positive" and category is None:
        raise ExemplarError(f"{where}: a positive exemplar needs its category")
    text = record.get("text")
    vector = record.get("vector")
    if text is not None and (not isinstance(text, str) or not text.strip()):
        raise ExemplarError(f"{where}: text must be a non-empty string")
    if text is None and vector is None:
        raise ExemplarError(f"{where}: an exemplar needs a text (or a vector)")
    array = None
    if vector is not None:
        array = _vector(vector, where)
    ident = record.get("id")
    if ident is None:
        ident = exemplar_id(source, str(label), text if text is not None else repr(vector))
    elif not isinstance(ident, str) or not ident:
        raise ExemplarError(f"{where}: id must be a non-empty string")
    return Exemplar(ident, category, label, text, str(record.get("source", source)), array)


def _vector(value: Any, where: str) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError):
        raise ExemplarError(f"{where}: vector must be a list of numbers") from None
    if array.ndim != 1 or not np.all(np.isfinite(array)):
        raise ExemplarError(f"{where}: vector must be a flat list of finite numbers")
    return array


def jsonl_records(lines: Iterable[str], name: str) -> Iterator[tuple[str, Any]]:
    """``(where, record)`` for each non-blank line, ``where`` naming the file and line for
    error messages; a line that is not JSON raises :class:`ExemplarError` naming it."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{name}, line {number}"
        try:
            yield where, json.loads(line)
        except json.JSONDecodeError as e:
            raise ExemplarError(f"{where}: not JSON ({e.msg})") from None


def read_jsonl(lines: Iterable[str], *, source: str, name: str) -> list[Exemplar]:
    return [parse_record(r, source=source, where=w) for w, r in jsonl_records(lines, name)]


def load_jsonl(path: str | Path, *, source: str = "operator") -> list[Exemplar]:
    """Exemplars from a JSONL file in this package's format, one object per line:
    ``{"category": "secrecy", "text": "...", "label": "positive"}``; ``category`` may be null
    for negatives; ``id`` is optional (a stable one is made from the text)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise ExemplarError(f"cannot read {p}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise ExemplarError(f"{p} is not UTF-8 text") from None
    exemplars = read_jsonl(text.splitlines(), source=source, name=str(p))
    if not exemplars:
        raise ExemplarError(f"{p} holds no exemplars")
    return exemplars


def shipped_exemplars() -> list[Exemplar]:
    """The handwritten exemplars shipped with the package."""
    text = resources.files(__package__).joinpath(SHIPPED_FILE).read_text(encoding="utf-8")
    return read_jsonl(text.splitlines(), source="shipped", name=SHIPPED_FILE)


def dump_jsonl(exemplars: Iterable[Exemplar]) -> Iterator[str]:
    """JSON lines for :func:`load_jsonl`."""
    for e in exemplars:
        yield json.dumps(e.to_dict(), ensure_ascii=False)


def verdict_exemplar(text: str, category: Category | str | None, confirmed: bool) -> Exemplar:
    """A reviewer's verdict on a message as an exemplar.

    ``confirmed=True``: the message does show the warning sign ``category`` (required), so it
    becomes a positive exemplar of it. ``confirmed=False``: the alert was wrong, so the message
    becomes a negative exemplar (``category`` is kept, if given, as the sign it was taken for).
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("a verdict needs the message text")
    cat = None if category is None else Category(category)
    if confirmed and cat is None:
        raise ValueError("a confirmed warning sign needs its category")
    label: Label = "positive" if confirmed else "negative"
    return Exemplar(exemplar_id("verdict", label, text), cat, label, text, "verdict")
