"""A scanner that follows the store on its own: the matcher of a long-running server process.

Each API worker process owns one :class:`LiveScanner`. A daemon thread polls the change log
every ``interval_s`` and applies what it finds (:class:`MatcherRefresher`), so a bank change
made through any worker, the CLI or an exchange reaches every process within one interval plus
the time to apply it, without restarting or rebuilding the index. A failed poll (database
restarting, say) is logged by class only and retried with backoff; matching goes on with the
last good state meanwhile, and :meth:`status` reports how stale it is.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from childsafe.banks import BankService
from childsafe.plugins import Registry
from childsafe.scan.query import Query
from childsafe.scan.refresh import MatcherRefresher, RefreshReport
from childsafe.scan.service import Scanner, ScanResult

log = logging.getLogger(__name__)

#: Longest wait between polls after repeated failures.
MAX_BACKOFF_S = 30.0


@dataclass(frozen=True)
class LiveStatus:
    seq: int
    signals: int
    banks: tuple[str, ...]
    #: Monotonic seconds since the last poll that reached the database (None: never polled).
    since_refresh_s: float | None
    #: Class name of the last poll's error, None when it succeeded.
    last_error: str | None
    refreshes: int
    rebuilds: int

    def fresh(self, max_age_s: float) -> bool:
        return self.since_refresh_s is not None and self.since_refresh_s <= max_age_s


class LiveScanner:
    def __init__(
        self, scanner: Scanner, service: BankService, registry: Registry, **refresh_options: int
    ) -> None:
        self.scanner = scanner
        self.refresher = MatcherRefresher(scanner, service, registry, **refresh_options)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_ok: float | None = time.monotonic()
        self._last_error: str | None = None
        self._refreshes = 0
        self._rebuilds = 0

    @classmethod
    def load(
        cls,
        service: BankService,
        registry: Registry,
        bank_names: Sequence[str] | None = None,
        *,
        cache_dir: Path | None = None,
    ) -> LiveScanner:
        return cls(
            Scanner.load(service, registry, bank_names, cache_dir=cache_dir), service, registry
        )

    def scan(self, query: Query) -> ScanResult:
        return self.scanner.scan(query)

    def refresh(self) -> RefreshReport:
        """One poll now (the thread calls this; tests and ``/status`` may too)."""
        try:
            report = self.refresher.refresh()
        except Exception as e:
            self._last_error = type(e).__name__
            raise
        self._last_ok = time.monotonic()
        self._last_error = None
        if report.changes or report.rebuilt:
            self._refreshes += 1
            self._rebuilds += int(report.rebuilt)
        return report

    def start(self, interval_s: float = 1.0) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(interval_s,), name="childsafe-refresh", daemon=True
        )
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _run(self, interval_s: float) -> None:
        delay = interval_s
        while not self._stop.wait(delay):
            try:
                report = self.refresh()
            except Exception as e:  # keep serving the last good state
                log.warning("matcher refresh failed (%s); retrying", type(e).__name__)
                delay = min(MAX_BACKOFF_S, max(delay * 2, interval_s))
                continue
            delay = interval_s
            if report.changes or report.rebuilt:
                log.info(
                    "matcher at change %d: +%d -%d signals%s",
                    report.seq,
                    report.signals_added,
                    report.signals_removed,
                    " (rebuilt)" if report.rebuilt else "",
                )

    def status(self) -> LiveStatus:
        s = self.scanner
        age = None if self._last_ok is None else time.monotonic() - self._last_ok
        return LiveStatus(
            seq=s.seq,
            signals=len(s.matcher),
            banks=tuple(b.name for b in s.banks),
            since_refresh_s=age,
            last_error=self._last_error,
            refreshes=self._refreshes,
            rebuilds=self._rebuilds,
        )
