"""Prometheus metrics of one app, in a registry of its own (no global state at import).

What an operator graphs and alerts on: scans by decision and source, scan latency, refused
uploads by reason, how far behind the store each process's matcher is, and chat messages,
band changes, embedding-stage calls and batch latency. Labels are small
fixed sets (never ids or content), so series stay few.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from childsafe.scan.live import LiveStatus

#: Seconds; dense below 100 ms, where the service's targets are.
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class _MatcherCollector(Collector):
    def __init__(self, status: Callable[[], LiveStatus]) -> None:
        self._status = status

    def collect(self) -> Iterator[GaugeMetricFamily]:
        st = self._status()
        yield GaugeMetricFamily(
            "childsafe_matcher_signals", "Signals held by this process's matcher.", st.signals
        )
        yield GaugeMetricFamily(
            "childsafe_matcher_change_seq", "Change-log position the matcher reflects.", st.seq
        )
        yield GaugeMetricFamily(
            "childsafe_matcher_banks", "Banks the matcher matches against.", len(st.banks)
        )
        if st.since_refresh_s is not None:
            yield GaugeMetricFamily(
                "childsafe_matcher_refresh_age_seconds",
                "Seconds since the matcher last polled the store successfully.",
                st.since_refresh_s,
            )


class Metrics:
    def __init__(self, matcher_status: Callable[[], LiveStatus] | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.scans = Counter(
            "childsafe_scans",
            "Scans answered, by decision and by what was sent (upload, url, signals).",
            ["decision", "source"],
            registry=self.registry,
        )
        self.scan_errors = Counter(
            "childsafe_scan_errors",
            "Scan requests refused, by reason (unreadable media, fetch refused, ...).",
            ["reason"],
            registry=self.registry,
        )
        self.scan_latency = Histogram(
            "childsafe_scan_latency_seconds",
            "Time from request to answer for scans, including hashing and recording.",
            ["source"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.requests = Counter(
            "childsafe_http_requests",
            "HTTP requests by route template, method and status code.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.chat_messages = Counter(
            "childsafe_chat_messages",
            "Chat messages scored (each message once, whatever its number of recipients).",
            registry=self.registry,
        )
        self.chat_duplicates = Counter(
            "childsafe_chat_duplicate_messages",
            "Chat messages resent without an Idempotency-Key and skipped as already scored.",
            registry=self.registry,
        )
        self.chat_band_changes = Counter(
            "childsafe_chat_band_changes",
            "Band changes of chat pairs and senders, by subject and new band.",
            ["subject", "band"],
            registry=self.registry,
        )
        self.chat_semantic_calls = Counter(
            "childsafe_chat_semantic_calls",
            "Messages the gate sent to the embedding stage.",
            registry=self.registry,
        )
        self.chat_latency = Histogram(
            "childsafe_chat_batch_latency_seconds",
            "Time to score and commit one chat batch.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        if matcher_status is not None:
            self.registry.register(_MatcherCollector(matcher_status))

    def render(self) -> bytes:
        return generate_latest(self.registry)
