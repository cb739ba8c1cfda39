"""Grooming-risk state of chat pairs and senders, and the history of their bands.

Several server processes score the same platform's chat, so the scorer's memory lives here: one
row per tracked (adult side, minor side) pair and one per sender, each holding the derived
features of ``childsafe.grooming.codec`` (decayed evidence, counters, facts, opener MinHashes,
references to messages by id) and never message text. ``chat_band_changes`` is the history the
``GET`` endpoints show. Message text is kept only in a review case opened for a pair (its
``reason``), because a reviewer needs to read it.

``last_seen`` is the wall-clock time of the last message that touched a row; retention removes
rows not touched for ``chat_retention_days``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from childsafe.store.models.base import Base, one_of
from childsafe.store.types import BigId, Json, UtcDateTime, utcnow

CHAT_BANDS = ("none", "watch", "nudge_child", "restrict_adult", "urgent_review")
CHAT_SUBJECTS = ("pair", "sender")
CHAT_PAIR_KINDS = ("adult_minor", "unknown_age", "peer_minors")
CHAT_EXEMPLAR_SOURCES = ("operator", "verdict")
CHAT_EXEMPLAR_LABELS = ("positive", "negative")
#: Longest account or message id a platform may send.
CHAT_ID_MAX = 256


class ChatPair(Base):
    __tablename__ = "chat_pairs"
    __table_args__ = (
        CheckConstraint(one_of("band", CHAT_BANDS), name="band"),
        CheckConstraint(one_of("kind", CHAT_PAIR_KINDS), name="kind"),
        Index(None, "minor"),
        Index(None, "last_seen"),
    )

    adult: Mapped[str] = mapped_column(String(CHAT_ID_MAX), primary_key=True)
    minor: Mapped[str] = mapped_column(String(CHAT_ID_MAX), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    risk: Mapped[float] = mapped_column(Float, default=0.0)
    band: Mapped[str] = mapped_column(String(16), default="none")
    #: Message time (seconds since the epoch) of the last message scored for the pair.
    last_time: Mapped[float] = mapped_column(Float)
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    state: Mapped[dict[str, Any]] = mapped_column(Json)


class ChatSender(Base):
    __tablename__ = "chat_senders"
    __table_args__ = (
        CheckConstraint(one_of("band", CHAT_BANDS), name="band"),
        Index(None, "last_seen"),
    )

    account: Mapped[str] = mapped_column(String(CHAT_ID_MAX), primary_key=True)
    risk: Mapped[float] = mapped_column(Float, default=0.0)
    band: Mapped[str] = mapped_column(String(16), default="none")
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    state: Mapped[dict[str, Any]] = mapped_column(Json)


class ChatBandChange(Base):
    """One change of a pair's or a sender's band: what the webhooks announced."""

    __tablename__ = "chat_band_changes"
    __table_args__ = (
        CheckConstraint(one_of("subject", CHAT_SUBJECTS), name="subject"),
        CheckConstraint(one_of("old_band", CHAT_BANDS), name="old_band"),
        CheckConstraint(one_of("new_band", CHAT_BANDS), name="new_band"),
        Index(None, "adult", "minor"),
        Index(None, "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subject: Mapped[str] = mapped_column(String(8))
    #: The sender for a sender's change; the adult side for a pair's.
    adult: Mapped[str] = mapped_column(String(CHAT_ID_MAX))
    minor: Mapped[str | None] = mapped_column(String(CHAT_ID_MAX))
    old_band: Mapped[str] = mapped_column(String(16))
    new_band: Mapped[str] = mapped_column(String(16))
    risk: Mapped[float] = mapped_column(Float)
    #: Message time of the change, and the message that moved it.
    time: Mapped[float] = mapped_column(Float)
    message_id: Mapped[str] = mapped_column(String(CHAT_ID_MAX))
    conversation_id: Mapped[str | None] = mapped_column(String(CHAT_ID_MAX))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ChatExemplar(Base):
    """An example the operator or a reviewer gave the embedding stage, shared by every worker.

    ``source`` is ``operator`` (sent as an example) or ``verdict`` (a reviewer's decision on a
    message of a chat case: confirmed, it becomes a positive of its category; a false alarm, a
    negative). The text is stored because the stage must embed it; for a verdict it is the
    case's copy of the message, which the case already holds.
    """

    __tablename__ = "chat_exemplars"
    __table_args__ = (
        CheckConstraint(one_of("source", CHAT_EXEMPLAR_SOURCES), name="source"),
        CheckConstraint(one_of("label", CHAT_EXEMPLAR_LABELS), name="label"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(4000))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    message_id: Mapped[str | None] = mapped_column(String(CHAT_ID_MAX))
    actor: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    #: Removed: the text is erased and every worker rebuilds its stage without the row.
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ChatBatchKey(Base):
    """A batch already scored under an ``Idempotency-Key``, with the answer it got: a platform
    that resends it (its answer lost to a timeout, say) gets the same answer, and no message is
    counted twice. Kept for a day."""

    __tablename__ = "chat_batch_keys"
    __table_args__ = (Index(None, "created_at"),)

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    answer: Mapped[dict[str, Any]] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ChatSeenMessage(Base):
    """A message already scored, by a digest of its identity (conversation, sender, message
    id), never its text: a platform that resends messages without an ``Idempotency-Key`` (a
    retry after a timeout, a replayed queue) does not have them counted twice. Kept for
    ``chat_dedup_days``."""

    __tablename__ = "chat_seen_messages"
    __table_args__ = (Index(None, "created_at"),)

    digest: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
