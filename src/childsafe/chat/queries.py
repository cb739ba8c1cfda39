"""The chat service's queries: the rows a batch touches, a pair's open case, band history."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from childsafe.chat.views import BandChangeOut, band_change_out
from childsafe.store.models import Case, ChatBandChange, ChatPair, ChatSender

HISTORY_LIMIT = 100


def pair_rows(s: Session, keys: set[tuple[str, str]]) -> dict[tuple[str, str], ChatPair]:
    if not keys:
        return {}
    adults = sorted({a for a, _ in keys})
    minors = sorted({m for _, m in keys})
    rows = s.scalars(select(ChatPair).where(ChatPair.adult.in_(adults), ChatPair.minor.in_(minors)))
    return {(r.adult, r.minor): r for r in rows if (r.adult, r.minor) in keys}


def sender_rows(s: Session, keys: set[str]) -> dict[str, ChatSender]:
    if not keys:
        return {}
    rows = s.scalars(select(ChatSender).where(ChatSender.account.in_(sorted(keys))))
    return {r.account: r for r in rows}


def open_case_of(s: Session, adult: str, minor: str | None) -> Case | None:
    q = (
        select(Case)
        .join(ChatBandChange, ChatBandChange.case_id == Case.id)
        .where(Case.status == "open", ChatBandChange.adult == adult)
        .order_by(Case.id.desc())
        .limit(1)
    )
    q = q.where(ChatBandChange.minor.is_(None) if minor is None else ChatBandChange.minor == minor)
    return s.scalars(q).first()


def band_history(s: Session, adult: str, minor: str | None) -> list[BandChangeOut]:
    q = select(ChatBandChange).where(ChatBandChange.adult == adult)
    if minor is None:
        q = q.where(ChatBandChange.subject == "sender")
    else:
        q = q.where(ChatBandChange.subject == "pair", ChatBandChange.minor == minor)
    rows = s.scalars(q.order_by(ChatBandChange.id.desc()).limit(HISTORY_LIMIT)).all()
    return [band_change_out(r) for r in reversed(rows)]
