"""Reviewers' verdicts and operators' examples, stored once and fed to every worker's stage.

A reviewer who reads a chat case decides, message by message, whether a warning sign was
really there. A confirmed sign becomes a positive exemplar of its category, a false alarm a
negative one: the next paraphrase of a confirmed sign is found, the next look-alike of a false
alarm is not (``EmbeddingStage.add_verdict``). Operators can also send their own confirmed
examples. Both are rows of ``chat_exemplars``, appended to the audit log, and each server
process adds new rows to its stage before it scores a batch (:meth:`ExemplarFeed.sync`, at most
every ``interval_s``).

The verdict names the case and the message, not the text: the text comes from the case (the
only place chat text is stored), so a verdict cannot smuggle in text that nobody reviewed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from childsafe.grooming.categories import Category
from childsafe.store import SessionFactory, unit_of_work
from childsafe.store.audit import append as audit
from childsafe.store.models import Case, ChatExemplar
from childsafe.store.types import utcnow

MAX_TEXT = 4000


class FeedbackError(ValueError):
    """A verdict or example that cannot be recorded; the message says why."""

    def __init__(self, message: str, *, not_found: bool = False) -> None:
        super().__init__(message)
        self.not_found = not_found


@dataclass(frozen=True)
class ExemplarRow:
    id: int
    source: str
    label: str
    category: str | None
    text: str
    case_id: int | None
    message_id: str | None

    def to_dict(self) -> dict[str, Any]:
        """What the API answers: everything but the text."""
        return {
            "id": self.id,
            "source": self.source,
            "label": self.label,
            "category": self.category,
            "case_id": self.case_id,
            "message_id": self.message_id,
        }


def _category(value: str | None, *, required: bool) -> str | None:
    if value is None:
        if required:
            raise FeedbackError("category: a confirmed sign needs its category")
        return None
    try:
        return Category(value).value
    except ValueError:
        known = ", ".join(c.value for c in Category)
        raise FeedbackError(f"category: unknown {value!r}; use one of {known}") from None


def _row(r: ChatExemplar) -> ExemplarRow:
    return ExemplarRow(int(r.id), r.source, r.label, r.category, r.text, r.case_id, r.message_id)


def record_verdict(
    sessions: SessionFactory,
    *,
    case_id: int,
    message_id: str,
    category: str | None,
    confirmed: bool,
    actor: str,
) -> ExemplarRow:
    """A reviewer's verdict on one message of a chat case."""
    cat = _category(category, required=confirmed)
    with unit_of_work(sessions) as s:
        case = s.get(Case, case_id)
        if case is None or case.kind not in ("chat", "chat_sender"):
            raise FeedbackError(f"no chat case {case_id}", not_found=True)
        messages = (case.reason or {}).get("messages", [])
        text = next((m.get("text") for m in messages if m.get("id") == message_id), None)
        if not isinstance(text, str):
            raise FeedbackError(
                f"case {case_id} holds no message {message_id!r} (verdicts are given on the "
                "messages attached to the case)",
                not_found=True,
            )
        row = ChatExemplar(
            source="verdict",
            label="positive" if confirmed else "negative",
            category=cat,
            text=text[:MAX_TEXT],
            case_id=case_id,
            message_id=message_id,
            actor=actor,
        )
        s.add(row)
        s.flush()
        audit(
            s,
            actor=actor,
            action="chat.verdict",
            subject_type="case",
            subject_id=case_id,
            details={"exemplar_id": row.id, "message_id": message_id, "label": row.label,
                     "category": cat},
        )  # fmt: skip
        return _row(row)


def record_example(
    sessions: SessionFactory, *, text: str, category: str | None, label: str, actor: str
) -> ExemplarRow:
    """An operator's own confirmed example (``positive`` needs a category)."""
    if label not in ("positive", "negative"):
        raise FeedbackError(f"label: {label!r}; use 'positive' or 'negative'")
    cat = _category(category, required=label == "positive")
    if not text.strip() or len(text) > MAX_TEXT:
        raise FeedbackError(f"text: must be 1 to {MAX_TEXT} characters")
    with unit_of_work(sessions) as s:
        row = ChatExemplar(source="operator", label=label, category=cat, text=text, actor=actor)
        s.add(row)
        s.flush()
        audit(s, actor=actor, action="chat.exemplar", subject_type="chat_exemplar",
              subject_id=row.id, details={"label": label, "category": cat})  # fmt: skip
        return _row(row)


def remove_exemplar(sessions: SessionFactory, exemplar_id: int, *, actor: str) -> ExemplarRow:
    """Remove a verdict or example: its text is erased now, and every worker's stage drops it
    at its next sync. The row stays as a tombstone (what was removed, by whom, when)."""
    with unit_of_work(sessions) as s:
        row = s.get(ChatExemplar, exemplar_id)
        if row is None or row.deleted_at is not None:
            raise FeedbackError(f"no chat exemplar {exemplar_id}", not_found=True)
        row.deleted_at = utcnow()
        row.text = ""
        audit(
            s,
            actor=actor,
            action="chat.exemplar_removed",
            subject_type="chat_exemplar",
            subject_id=exemplar_id,
            details={"label": row.label, "category": row.category},
        )
        return _row(row)


def _live() -> Any:
    return ChatExemplar.deleted_at.is_(None)


def rows_after(sessions: SessionFactory, after: int, limit: int = 1000) -> list[ExemplarRow]:
    """Live rows with ids above ``after``, oldest first."""
    with unit_of_work(sessions, write=False) as s:
        q = select(ChatExemplar).where(ChatExemplar.id > after, _live())
        return [_row(r) for r in s.scalars(q.order_by(ChatExemplar.id).limit(limit))]


def all_rows_after(sessions: SessionFactory, after: int = 0) -> list[ExemplarRow]:
    """Every live row with an id above ``after``, read a page at a time."""
    out: list[ExemplarRow] = []
    while page := rows_after(sessions, after):
        out.extend(page)
        after = page[-1].id
    return out


def removal_mark(sessions: SessionFactory) -> tuple[int, str]:
    """Changes whenever a row is removed: (how many are removed, the latest removal time)."""
    with unit_of_work(sessions, write=False) as s:
        count, latest = s.execute(
            select(func.count(ChatExemplar.id), func.max(ChatExemplar.deleted_at)).where(
                ChatExemplar.deleted_at.is_not(None)
            )
        ).one()
        return int(count), str(latest)


@dataclass(frozen=True)
class FeedUpdate:
    #: True: build the stage again from scratch with ``rows`` (every live row); a row was
    #: removed. False: add ``rows`` (the new ones).
    rebuild: bool
    rows: list[ExemplarRow]


class ExemplarFeed:
    """Brings a worker's stage up to date with ``chat_exemplars``, at most every
    ``interval_s`` (a verdict or a removal reaches every worker within that time)."""

    def __init__(self, sessions: SessionFactory, interval_s: float = 5.0) -> None:
        self.sessions = sessions
        self.interval_s = interval_s
        self.last_id = 0
        self._mark: tuple[int, str] = (0, "None")
        self._next = 0.0

    def due(self) -> bool:
        return time.monotonic() >= self._next

    def retry_rebuild(self) -> None:
        """Make the next pull ask for a rebuild again (the last one could not be applied)."""
        self._mark = (-1, "")

    def pull(self) -> FeedUpdate:
        self._next = time.monotonic() + self.interval_s
        mark = removal_mark(self.sessions)
        rebuild = mark != self._mark
        self._mark = mark
        rows = all_rows_after(self.sessions, 0 if rebuild else self.last_id)
        if rows:
            self.last_id = max(self.last_id, rows[-1].id)
        return FeedUpdate(rebuild, rows)
