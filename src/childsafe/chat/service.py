"""Chat risk as a service: batches in, pair and sender risk out, state kept in the store.

Every server process can take any batch. For one batch, in one transaction: lock the pairs and
senders it touches (:mod:`childsafe.chat.locks`), load their states, let a fresh
:class:`~childsafe.grooming.scoring.Scorer` update them, write back what changed, and record
every band change with its webhook and, when a pair or sender rises to ``case_band`` or above,
a review case. If anything fails the whole batch rolls back and the platform can resend it:
nothing half-scored is kept.

Only derived features are stored (``childsafe.grooming.codec``); message text is stored only in
a review case, where a reviewer must read it: the case gets the batch's messages between the
two accounts (at most ``case_messages``), and earlier evidence is referenced by message id.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, TypeVar

from sqlalchemy import delete
from sqlalchemy.orm import Session

from childsafe.actions import CHAT_BAND_CHANGED, enqueue, open_case
from childsafe.chat.batch import ChatBatch, MessageIn, to_scorer_messages
from childsafe.chat.dedup import claim_new, forget_before
from childsafe.chat.locks import lock_chat_state
from childsafe.chat.queries import band_history, open_case_of, pair_rows, sender_rows
from childsafe.chat.views import BandChangeOut, PairView, SenderView, band_change_out
from childsafe.grooming.bands import Band, BandChange
from childsafe.grooming.codec import decode_pair, decode_sender, encode_pair, encode_sender
from childsafe.grooming.detectors import LexicalDetector
from childsafe.grooming.metadata import pair_kind
from childsafe.grooming.scoring import Scorer, ScorerConfig, SemanticStage
from childsafe.grooming.scoring_messages import ChatMessage
from childsafe.grooming.scoring_reports import PairReport, SenderReport
from childsafe.grooming.state import PairState, SenderState
from childsafe.store import SessionFactory, unit_of_work
from childsafe.store.models import ChatBandChange, ChatBatchKey, ChatPair, ChatSender
from childsafe.store.types import utcnow

K = TypeVar("K")
S = TypeVar("S")
R = TypeVar("R", ChatPair, ChatSender)

#: Case priority by the band that opened or raised it.
CASE_PRIORITY = {Band.NUDGE_CHILD: 1, Band.RESTRICT_ADULT: 2, Band.URGENT_REVIEW: 3}
#: How long an idempotency key is remembered (pruned with the rest; kept whatever retention).
BATCH_KEY_DAYS = 1.0


@dataclass(frozen=True)
class IngestResult:
    messages: int
    pairs: list[dict[str, Any]]
    senders: list[dict[str, Any]]
    band_changes: list[BandChangeOut]
    semantic_calls: int
    #: Whether the embedding stage was available for this batch.
    semantic: bool
    #: True when the batch's ``Idempotency-Key`` had been seen: this is the first answer again.
    replayed: bool = False
    #: Ids of the batch's messages scored before (resent without a key): skipped.
    duplicates: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The HTTP answer (and what is kept under an idempotency key)."""
        return {
            "messages": self.messages,
            "pairs": self.pairs,
            "senders": self.senders,
            "band_changes": [c.to_dict() for c in self.band_changes],
            "semantic": self.semantic,
            "semantic_calls": self.semantic_calls,
            "replayed": self.replayed,
            "duplicates": self.duplicates,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, replayed: bool) -> IngestResult:
        return cls(
            messages=int(d["messages"]),
            pairs=list(d["pairs"]),
            senders=list(d["senders"]),
            band_changes=[BandChangeOut(**c) for c in d["band_changes"]],
            semantic_calls=int(d["semantic_calls"]),
            semantic=bool(d["semantic"]),
            replayed=replayed,
            duplicates=list(d.get("duplicates", [])),
        )


@dataclass(frozen=True)
class PruneReport:
    pairs: int
    senders: int
    band_changes: int
    seen_messages: int = 0


class ChatService:
    def __init__(
        self,
        sessions: SessionFactory,
        config: ScorerConfig | None = None,
        *,
        semantic: SemanticStage | None = None,
        case_band: Band = Band.NUDGE_CHILD,
        case_messages: int = 50,
        retention_days: float = 180.0,
        dedup_days: float = 1.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        base = config or ScorerConfig()
        if base.keep_quotes:  # reports quote nothing: quotes would be message text
            base = replace(base, keep_quotes=False)
        self.config = base
        self.sessions = sessions
        self.semantic = semantic
        self.case_band = case_band
        self.case_messages = case_messages
        self.retention_days = retention_days
        #: How long scored messages are recognised when resent without a key (0: never).
        self.dedup_days = dedup_days
        self.clock = clock

    @cached_property
    def detector(self) -> LexicalDetector:
        """Built once, on first use (compiling the phrase rules takes about 140 ms; pruning
        never needs it); read-only once built, so every request's scorer shares it."""
        return LexicalDetector()

    # -- ingest --------------------------------------------------------------------------------

    def ingest(self, batch: ChatBatch, *, key: str | None = None) -> IngestResult:
        """Score a batch. With ``key`` (the request's ``Idempotency-Key``), a batch already
        scored under that key is not scored again: its first answer comes back. Without one,
        messages scored in the last ``dedup_days`` are skipped (``duplicates``)."""
        sync = getattr(self.semantic, "sync", None)
        if sync is not None:  # reviewers' verdicts given on any worker since the last batch
            sync()
        items = to_scorer_messages(batch)
        pair_keys, sender_keys, tracked = _touched(items)
        now = self.clock()
        with unit_of_work(self.sessions) as s:
            lock_chat_state(s, pair_keys, sender_keys, batch_key=key)
            if key is not None:
                seen = s.get(ChatBatchKey, key)
                if seen is not None:
                    return IngestResult.from_dict(seen.answer, replayed=True)
            duplicates: list[str] = []
            if self.dedup_days > 0:
                # Only messages that can change a state need recognising: two declared adults'
                # chat leaves nothing to count twice.
                candidates = [m for m in batch.messages if id(m) in tracked]
                new = claim_new(s, candidates, now) if candidates else []
                if not all(new):
                    pairs_ = zip(candidates, new, strict=True)
                    skip = {id(m): m.id for m, fresh in pairs_ if not fresh}
                    duplicates = [m.id for m in batch.messages if id(m) in skip]
                    items = [(src, cm) for src, cm in items if id(src) not in skip]
            loaded_pairs = pair_rows(s, pair_keys)
            loaded_senders = sender_rows(s, sender_keys)
            pairs: dict[tuple[str, str], PairState] = {
                k: decode_pair(r.state) for k, r in loaded_pairs.items()
            }
            senders: dict[str, SenderState] = {
                k: decode_sender(r.state) for k, r in loaded_senders.items()
            }
            scorer = Scorer(self.config, self.detector, self.semantic, pairs=pairs, senders=senders)
            events: list[tuple[BandChange, MessageIn]] = []
            semantic_calls = 0
            for source, cm in items:
                outcome = scorer.process(cm)
                semantic_calls += outcome.semantic
                events.extend((e, source) for e in outcome.events)
            touched_pairs = self._write_pairs(s, pairs, loaded_pairs, now)
            touched_senders = self._write_senders(s, senders, loaded_senders, now)
            s.flush()
            changes = [self._record(s, scorer, e, src, items, now) for e, src in events]
            result = IngestResult(
                messages=len(batch.messages),
                pairs=[
                    {
                        "adult": a,
                        "minor": m,
                        "kind": st.kind.value,
                        "risk": round(st.risk, 4),
                        "band": st.band.value,
                    }
                    for (a, m), st in sorted(touched_pairs.items())
                ],
                senders=[
                    {"account": a, "risk": round(st.risk, 4), "band": st.band.value}
                    for a, st in sorted(touched_senders.items())
                ],
                band_changes=changes,
                semantic_calls=semantic_calls,
                semantic=self.semantic is not None and bool(getattr(self.semantic, "ready", True)),
                duplicates=duplicates,
            )
            if key is not None:
                s.add(ChatBatchKey(key=key, answer=result.to_dict(), created_at=now))
        return result

    def _write_pairs(
        self,
        s: Session,
        states: Mapping[tuple[str, str], PairState],
        rows: Mapping[tuple[str, str], ChatPair],
        now: datetime,
    ) -> dict[tuple[str, str], PairState]:
        def fill(row: ChatPair | None, key: tuple[str, str], st: PairState) -> ChatPair:
            row = row or ChatPair(adult=key[0], minor=key[1])
            row.kind, row.risk, row.band, row.last_time = (
                st.kind.value, st.risk, st.band.value, st.last_time,
            )  # fmt: skip
            return row

        return _write_changed(s, states, rows, encode_pair, fill, now)

    def _write_senders(
        self,
        s: Session,
        states: Mapping[str, SenderState],
        rows: Mapping[str, ChatSender],
        now: datetime,
    ) -> dict[str, SenderState]:
        def fill(row: ChatSender | None, key: str, st: SenderState) -> ChatSender:
            row = row or ChatSender(account=key)
            row.risk, row.band = st.risk, st.band.value
            return row

        return _write_changed(s, states, rows, encode_sender, fill, now)

    def _record(
        self,
        s: Session,
        scorer: Scorer,
        event: BandChange,
        source: MessageIn,
        items: list[tuple[MessageIn, ChatMessage]],
        now: datetime,
    ) -> BandChangeOut:
        """The change's history row, its webhook and, when it rises far enough, its case."""
        case_id = None
        if (
            event.new.rank >= self.case_band.rank
            and event.new.rank > event.old.rank
            and (event.other is not None or _sender_above_pairs(scorer, event))
        ):
            case_id = self._case(s, scorer, event, items, now)
        row = ChatBandChange(
            subject=event.subject,
            adult=event.account,
            minor=event.other,
            old_band=event.old.value,
            new_band=event.new.value,
            risk=event.risk,
            time=event.time,
            message_id=event.message_id,
            conversation_id=source.conversation_id,
            case_id=case_id,
            created_at=now,
        )
        s.add(row)
        s.flush()
        out = band_change_out(row)
        enqueue(s, CHAT_BAND_CHANGED, out.to_dict(), now=now)
        return out

    def _case(
        self,
        s: Session,
        scorer: Scorer,
        event: BandChange,
        items: list[tuple[MessageIn, ChatMessage]],
        now: datetime,
    ) -> int:
        """Open the pair's (or sender's) case, or raise the priority of the open one, and
        attach this batch's messages between the accounts concerned."""
        report: PairReport | SenderReport | None
        if event.other is not None:
            report = scorer.pair_report(event.account, event.other, event.time)
            accounts = {event.account, event.other}
        else:
            report = scorer.sender_report(event.account, event.time)
            accounts = {event.account}
        texts = [
            {"id": cm.id, "conversation_id": src.conversation_id, "time": cm.time,
             "from": cm.sender, "to": cm.recipient, "text": cm.text}
            for src, cm in items
            if cm.sender in accounts and (event.other is None or cm.recipient in accounts)
        ]  # fmt: skip
        priority = CASE_PRIORITY.get(event.new, 0)
        existing = open_case_of(s, event.account, event.other)
        if existing is not None:
            reason = dict(existing.reason)
            known = {m["id"] for m in reason.get("messages", [])}
            reason["messages"] = self._last(
                [*reason.get("messages", []), *(m for m in texts if m["id"] not in known)]
            )
            reason.update(band=event.new.value, risk=round(event.risk, 4))
            reason["report"] = None if report is None else report.to_dict()
            existing.reason = reason
            existing.priority = max(existing.priority, priority)
            existing.updated_at = now
            return int(existing.id)
        return open_case(
            s,
            kind="chat" if event.other is not None else "chat_sender",
            scan_id=None,
            content_id=None,
            user_id=event.account,
            reason={
                "subject": event.subject,
                "adult": event.account,
                "minor": event.other,
                "band": event.new.value,
                "risk": round(event.risk, 4),
                "report": None if report is None else report.to_dict(),
                "messages": self._last(texts),
            },
            priority=priority,
            now=now,
        )

    def _last(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The newest ``case_messages`` of a case's messages (none when it is 0)."""
        n = self.case_messages
        return messages[len(messages) - n :] if n > 0 else []

    # -- reading -------------------------------------------------------------------------------

    def pair(self, adult: str, minor: str, at: float | None = None) -> PairView | None:
        """The pair's risk and explanation at ``at`` (default: now, or its last message if
        later), with its band history."""
        with unit_of_work(self.sessions, write=False) as s:
            row = s.get(ChatPair, (adult, minor))
            if row is None:
                return None
            sender = s.get(ChatSender, adult)
            senders = {} if sender is None else {adult: decode_sender(sender.state)}
            pairs = {(adult, minor): decode_pair(row.state)}
            scorer = Scorer(self.config, self.detector, pairs=pairs, senders=senders)
            when = _when(at, row.last_time)
            report = scorer.pair_report(adult, minor, when)
            assert report is not None
            history = band_history(s, adult, minor)
        return PairView(report, when, history)

    def sender(self, account: str, at: float | None = None) -> SenderView | None:
        with unit_of_work(self.sessions, write=False) as s:
            row = s.get(ChatSender, account)
            if row is None:
                return None
            state = decode_sender(row.state)
            minors = list(state.pair_risks)
            rows = pair_rows(s, {(account, m) for m in minors})
            pairs = {k: decode_pair(r.state) for k, r in rows.items()}
            scorer = Scorer(self.config, self.detector, pairs=pairs, senders={account: state})
            last = max((r.last_time for r in rows.values()), default=0.0)
            when = _when(at, last)
            report = scorer.sender_report(account, when)
            assert report is not None
            history = band_history(s, account, None)
        return SenderView(report, when, history)

    # -- retention -----------------------------------------------------------------------------

    def prune(self, *, older_than_days: float | None = None) -> PruneReport:
        """Forget pairs and senders not touched for the retention period (``retention_days``;
        0 keeps them) or for ``older_than_days``, and their older band history. Idempotency
        keys and digests of scored messages expire whatever the retention (after a day and
        ``dedup_days``), and go sooner with the pairs. Cases keep their messages: closing and
        purging cases belongs to the review queue."""
        days = older_than_days
        if days is None and self.retention_days > 0:
            days = self.retention_days
        now = self.clock()
        removed = [0, 0, 0]
        with unit_of_work(self.sessions) as s:
            if days is not None:
                cutoff = now - timedelta(days=days)
                removed = [
                    _count(s.execute(delete(ChatPair).where(ChatPair.last_seen < cutoff))),
                    _count(s.execute(delete(ChatSender).where(ChatSender.last_seen < cutoff))),
                    _count(
                        s.execute(delete(ChatBandChange).where(ChatBandChange.created_at < cutoff))
                    ),
                ]
            key_days = BATCH_KEY_DAYS if days is None else min(BATCH_KEY_DAYS, days)
            s.execute(
                delete(ChatBatchKey).where(ChatBatchKey.created_at < now - timedelta(days=key_days))
            )
            seen_days = self.dedup_days if days is None else min(self.dedup_days, days)
            seen = forget_before(s, now - timedelta(days=seen_days))
        pairs, senders, changes = removed
        return PruneReport(pairs, senders, changes, seen)


def _write_changed(
    s: Session,
    states: Mapping[K, S],
    rows: Mapping[K, R],
    encode: Callable[[S], dict[str, Any]],
    fill: Callable[[R | None, K, S], R],
    now: datetime,
) -> dict[K, S]:
    """Write back the states whose encoding changed (a new row for a new state); return
    them. ``fill`` sets the row's searchable columns from the state."""
    touched: dict[K, S] = {}
    for key, st in states.items():
        data = encode(st)
        row = rows.get(key)
        if row is not None and row.state == data:
            continue
        touched[key] = st
        filled = fill(row, key, st)
        filled.state, filled.last_seen = data, now
        if row is None:
            s.add(filled)
    return touched


def _sender_above_pairs(scorer: Scorer, event: BandChange) -> bool:
    """Whether a sender's band is above every one of its pairs' bands: only then does the
    sender need a case of its own (fan-out); otherwise the pair's case already covers it."""
    sender = scorer.sender_state(event.account)
    if sender is None:
        return True
    for minor in sender.pair_risks:
        pair = scorer.pair_state(event.account, minor)
        if pair is not None and pair.band.rank >= event.new.rank:
            return False
    return True


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _when(at: float | None, last_time: float) -> float:
    return max(time.time(), last_time) if at is None else at


def _touched(
    items: Iterable[tuple[MessageIn, ChatMessage]],
) -> tuple[set[tuple[str, str]], set[str], set[int]]:
    """Every pair a batch may create or update, every adult side (whose sender state the
    scorer reads for fan-out and updates with pair risks), and the ``id()`` of every message
    that belongs to such a pair (the ones worth recognising when resent)."""
    pairs: set[tuple[str, str]] = set()
    tracked: set[int] = set()
    for src, cm in items:
        s_role, r_role = cm.sender_facts.role, cm.recipient_facts.role
        if pair_kind(s_role, r_role) is not None:
            pairs.add((cm.sender, cm.recipient))
            tracked.add(id(src))
        if pair_kind(r_role, s_role) is not None:
            pairs.add((cm.recipient, cm.sender))
            tracked.add(id(src))
    return pairs, {a for a, _ in pairs}, tracked
