"""One scan request, from bytes or signals to a decision and the record of it.

The HTTP API (and later the live-stream watcher and backfill) call this rather than stitching
hashing, matching and recording together themselves, so every path scans the same way. It is
synchronous and CPU-bound; servers run it in a worker thread.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from childsafe.media import DecodeLimits
from childsafe.plugins import Registry
from childsafe.scan.hashing import hash_bytes
from childsafe.scan.live import LiveScanner
from childsafe.scan.query import Query, build_query
from childsafe.scan.records import PendingScan, ScanRecorder
from childsafe.scan.service import ScanResult
from childsafe.signals import Signal
from childsafe.signals.base import InvalidSignalError
from childsafe.store.types import utcnow


class ScanRefused(ValueError):  # noqa: N818
    """The item could not be scanned; ``reason`` is a stable code, the message names why."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass
class ScanRequest:
    source: str  # "upload" | "url" | "signals"
    data: bytes | None = None
    signals: Mapping[str, str] | None = None
    content_id: str | None = None
    user_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    api_key_id: int | None = None
    #: When the request arrived (``time.perf_counter()``), so latency includes upload parsing.
    started: float = field(default_factory=time.perf_counter)
    received_at: datetime = field(default_factory=utcnow)


@dataclass
class ScanAnswer:
    result: ScanResult
    #: The matches as answered and as recorded (one serialisation for both).
    matches: list[dict[str, Any]]
    signals: dict[str, str]
    quality: dict[str, int]
    latency_ms: float
    #: Resolves to the scan record's id (None when the record mode skips it).
    record: Future[int | None]


class ScanPipeline:
    def __init__(
        self,
        live: LiveScanner,
        registry: Registry,
        recorder: ScanRecorder,
        limits: DecodeLimits | None = None,
    ) -> None:
        self.live = live
        self.registry = registry
        self.recorder = recorder
        self.limits = limits or DecodeLimits()

    def query_from_signals(self, signals: Mapping[str, str]) -> Query:
        if not signals:
            raise ScanRefused("no_signals", "no signals given: send at least one, e.g. pdq")
        query: Query = {}
        for name, value in signals.items():
            if name not in self.registry.signal_types:
                known = ", ".join(sorted(self.registry.signal_types))
                raise ScanRefused(
                    "unknown_signal_type", f"unknown signal type {name!r} (known: {known})"
                )
            if not isinstance(value, str):
                raise ScanRefused("invalid_signal", f"{name} value must be a string")
            try:
                canonical = self.registry.signal_type(name).normalize(value)
            except InvalidSignalError as e:
                raise ScanRefused("invalid_signal", str(e)) from None
            query[name] = {"": Signal(name, canonical)}
        return query

    def run(self, req: ScanRequest) -> ScanAnswer:
        quality: dict[str, int] = {}
        if req.data is not None:
            outcome = hash_bytes(req.data, self.registry, self.limits)
            if not outcome.ok:
                raise ScanRefused(outcome.reason or "unreadable", outcome.error or "unreadable")
            query = build_query(outcome, self.live.scanner.options)
            quality = {n: s.quality for n, s in outcome.signals.items() if s.quality is not None}
        else:
            query = self.query_from_signals(req.signals or {})
        result = self.live.scan(query)
        signals = {name: views[""].value for name, views in query.items()}
        latency_ms = (time.perf_counter() - req.started) * 1000.0
        matches = [m.to_json() for m in result.matches]
        record = self.recorder.submit(
            PendingScan(
                received_at=req.received_at,
                source=req.source,
                decision=result.decision.value,
                latency_ms=latency_ms,
                signals=signals,
                matches=matches,
                content_id=req.content_id,
                user_id=req.user_id,
                meta=req.meta,
                api_key_id=req.api_key_id,
            )
        )
        return ScanAnswer(result, matches, signals, quality, latency_ms, record)
