"""Writing scan records, and the webhooks and cases they trigger, with group commit.

Each scan's record is committed before its answer is sent, so a decision the platform acted on
is never missing from the record, and a ``block`` or ``review`` decision's webhook delivery and
case are in the same transaction as the record (see :mod:`childsafe.actions`). One transaction
per request would cap a SQLite deployment at a few hundred scans a second and make every
request wait for the disk; instead one writer thread takes whatever requests are waiting and
commits them together, so under load many scans share one commit and at low load a scan waits
for just its own. Requests wait on a future; the event loop is never blocked.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from childsafe.actions import enqueue, open_case
from childsafe.store import ScanRecord, SessionFactory, unit_of_work

log = logging.getLogger(__name__)

#: What gets a row: every scan, only those that matched something, or none.
RECORD_MODES = ("all", "matches", "none")


@dataclass
class PendingScan:
    received_at: datetime
    source: str
    decision: str
    latency_ms: float
    signals: dict[str, str] = field(default_factory=dict)
    matches: list[dict[str, Any]] = field(default_factory=list)
    content_id: str | None = None
    user_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    api_key_id: int | None = None


_STOP = object()


class ScanRecorder:
    def __init__(
        self,
        sessions: SessionFactory,
        *,
        mode: str = "all",
        max_batch: int = 256,
    ) -> None:
        if mode not in RECORD_MODES:
            raise ValueError(f"scan record mode {mode!r}: use one of {', '.join(RECORD_MODES)}")
        self._sessions = sessions
        self.mode = mode
        self.max_batch = max_batch
        self._queue: queue.Queue[object] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.commits = 0
        self.written = 0

    def wants(self, decision: str, matches: Sequence[object]) -> bool:
        """Whether a scan with this outcome is written (actions always are)."""
        if decision != "allow":
            return True
        return self.mode == "all" or (self.mode == "matches" and bool(matches))

    # -- the writer thread ----------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="childsafe-scan-records", daemon=True
            )
            self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Write everything already submitted, then stop."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout_s)
            self._thread = None

    def submit(self, scan: PendingScan) -> Future[int | None]:
        """Queue ``scan``; the future gives its record id (None when not recorded)."""
        fut: Future[int | None] = Future()
        if not self.wants(scan.decision, scan.matches):
            fut.set_result(None)
        elif self._thread is None:  # not started (CLI, tests): write inline
            self._write([(scan, fut)])
        else:
            self._queue.put((scan, fut))
        return fut

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            stopping = False
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)
            self._write(batch)  # type: ignore[arg-type]
            if stopping:
                return

    def _write(self, batch: list[tuple[PendingScan, Future[int | None]]]) -> None:
        try:
            with unit_of_work(self._sessions) as s:
                ids = [write_scan(s, scan) for scan, _ in batch]
            self.commits += 1
            self.written += len(batch)
            for (_, fut), sid in zip(batch, ids, strict=True):
                fut.set_result(sid)
        except Exception as e:
            if len(batch) > 1:  # one bad item must not fail the others
                for item in batch:
                    self._write([item])
                return
            log.error("scan record not written (%s)", type(e).__name__)
            batch[0][1].set_exception(e)


def write_scan(session: Session, scan: PendingScan) -> int:
    """Insert one scan record and its actions in ``session``'s transaction; returns its id."""
    row = ScanRecord(
        received_at=scan.received_at,
        content_id=scan.content_id,
        user_id=scan.user_id,
        meta=scan.meta,
        source=scan.source,
        signals=scan.signals,
        matches=scan.matches,
        decision=scan.decision,
        latency_ms=scan.latency_ms,
        api_key_id=scan.api_key_id,
    )
    session.add(row)
    session.flush()
    if scan.decision in ("block", "review"):
        data = {
            "scan_id": row.id,
            "decision": scan.decision,
            "content_id": scan.content_id,
            "user_id": scan.user_id,
            "metadata": scan.meta,
            "matches": scan.matches,
            "received_at": scan.received_at.isoformat(),
        }
        enqueue(session, f"scan.{scan.decision}", data)
        if scan.decision == "review":
            open_case(
                session,
                kind="scan",
                scan_id=row.id,
                content_id=scan.content_id,
                user_id=scan.user_id,
                reason={"matches": scan.matches},
            )
    return row.id
