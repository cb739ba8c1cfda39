"""What the chat service hands back: band changes, and a pair's or sender's risk with history.

The same dictionaries go into the HTTP answers and the ``chat.band_changed`` webhook payload,
so a receiver and a caller of ``GET /v1/chat/pair`` read one shape. None carries message text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from childsafe.actions.events import iso
from childsafe.grooming.scoring_reports import PairReport, SenderReport
from childsafe.store.models import ChatBandChange


@dataclass(frozen=True)
class BandChangeOut:
    id: int
    subject: str
    adult: str
    minor: str | None
    old_band: str
    new_band: str
    risk: float
    time: float
    message_id: str
    conversation_id: str | None
    case_id: int | None
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "subject": self.subject,
            "adult": self.adult,
            "minor": self.minor,
            "old_band": self.old_band,
            "new_band": self.new_band,
            "risk": round(self.risk, 4),
            "time": self.time,
            "message_id": self.message_id,
            "conversation_id": self.conversation_id,
            "case_id": self.case_id,
            "created_at": self.created_at,
        }


def band_change_out(row: ChatBandChange) -> BandChangeOut:
    return BandChangeOut(
        id=int(row.id),
        subject=row.subject,
        adult=row.adult,
        minor=row.minor,
        old_band=row.old_band,
        new_band=row.new_band,
        risk=row.risk,
        time=row.time,
        message_id=row.message_id,
        conversation_id=row.conversation_id,
        case_id=row.case_id,
        created_at=iso(row.created_at),
    )


@dataclass(frozen=True)
class PairView:
    report: PairReport
    at: float
    history: list[BandChangeOut]

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.report.to_dict(),
            "at": self.at,
            "explanation_text": self.report.explanation.lines(self.report.risk),
            "history": [h.to_dict() for h in self.history],
        }


@dataclass(frozen=True)
class SenderView:
    report: SenderReport
    at: float
    history: list[BandChangeOut]

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.report.to_dict(),
            "at": self.at,
            "explanation_text": self.report.lines(),
            "history": [h.to_dict() for h in self.history],
        }
