"""Retention in the server: prune chat state once an hour in a background thread.

Every server process runs one; deleting what is already deleted is harmless, so they need no
coordination. A failed prune is logged by exception class only (the message could quote ids)
and retried at the next interval.
"""

from __future__ import annotations

import logging
import threading

from childsafe.chat.service import ChatService

log = logging.getLogger(__name__)

INTERVAL_S = 3600.0


class Pruner:
    def __init__(self, service: ChatService, interval_s: float = INTERVAL_S) -> None:
        self.service = service
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="chat-pruner", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                report = self.service.prune()
            except Exception as e:  # keep the server up; try again next time
                log.warning("chat prune failed: %s", type(e).__name__)
                continue
            if report.pairs or report.senders or report.band_changes or report.seen_messages:
                log.info(
                    "chat prune: %d pairs, %d senders, %d band changes, %d message digests removed",
                    report.pairs,
                    report.senders,
                    report.band_changes,
                    report.seen_messages,
                )

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
