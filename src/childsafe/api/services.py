"""Everything one server process runs, built from settings and started and stopped together.

Built in the app's lifespan rather than at import, so tests build as many apps as they like
(each over its own database) and nothing opens a database or starts a thread by being imported.
"""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from childsafe.api.auth import KeyChecker
from childsafe.api.metrics import Metrics
from childsafe.auth import KeyService
from childsafe.banks import BankService
from childsafe.chat import ChatService
from childsafe.chat.config import scorer_config
from childsafe.chat.feedback import ExemplarFeed
from childsafe.chat.pruner import Pruner
from childsafe.chat.semantic import SharedStage
from childsafe.chat.semantic import build as build_semantic
from childsafe.grooming.bands import Band
from childsafe.media import DecodeLimits
from childsafe.plugins import Registry, load_registry
from childsafe.scan.live import LiveScanner
from childsafe.scan.pipeline import ScanPipeline
from childsafe.scan.records import ScanRecorder
from childsafe.settings import Settings
from childsafe.store import Store, open_store

if TYPE_CHECKING:
    from childsafe.actions import Dispatcher
    from childsafe.fetch import Fetcher, FetchPolicy

log = logging.getLogger(__name__)


def fetch_policy(settings: Settings) -> FetchPolicy:
    """The URL fetcher's policy; a bad network or scheme fails here, at start-up."""
    from childsafe.fetch import FetchPolicy

    return FetchPolicy(
        max_bytes=settings.max_file_bytes,
        timeout_s=settings.fetch_timeout_s,
        connect_timeout_s=settings.fetch_connect_timeout_s,
        max_redirects=settings.fetch_max_redirects,
        allow_networks=tuple(settings.fetch_allow_networks),
        allowed_schemes=tuple(settings.fetch_allowed_schemes),
        allowed_ports=tuple(settings.fetch_allowed_ports) or None,
    )


@dataclass
class Services:
    settings: Settings
    store: Store
    registry: Registry
    banks: BankService
    keys: KeyService
    live: LiveScanner
    recorder: ScanRecorder
    key_checker: KeyChecker
    metrics: Metrics
    fetcher: Fetcher
    pipeline: ScanPipeline
    chat: ChatService
    pruner: Pruner | None = None
    dispatcher: Dispatcher | None = None
    limits: DecodeLimits = field(default_factory=DecodeLimits)
    owns_store: bool = True

    @classmethod
    def build(
        cls, settings: Settings, *, store: Store | None = None, registry: Registry | None = None
    ) -> Services:
        from childsafe.actions import Dispatcher
        from childsafe.fetch import Fetcher
        from childsafe.scan.warmup import warm_up

        owns = store is None
        store = store or open_store(settings)
        registry = registry or load_registry()
        warm_up(registry)  # load the compiled kernels now, not in the first upload's latency
        banks = BankService(store, registry)
        keys = KeyService(store)
        live = LiveScanner.load(banks, registry, cache_dir=settings.home / "cache")
        limits = DecodeLimits(max_bytes=settings.max_file_bytes, max_pixels=settings.max_pixels)
        recorder = ScanRecorder(store.sessions, mode=settings.scan_records)
        chat = ChatService(
            store.sessions,
            scorer_config(
                settings.chat_bands,
                settings.chat_family_register,
                settings.chat_sign_model,
                settings.chat_unbacked_below,
                settings.chat_vouched_above,
                settings.chat_suspect_model_signs,
            ),
            case_band=Band(settings.chat_case_band),
            case_messages=settings.chat_case_messages,
            retention_days=settings.chat_retention_days,
            dedup_days=settings.chat_dedup_days,
        )
        chat.semantic = build_semantic(
            settings.chat_semantic,
            chat.detector,
            settings.chat_exemplars,
            ExemplarFeed(store.sessions, interval_s=settings.refresh_interval_s * 5),
            settings.chat_semantic_precision,
        )
        return cls(
            settings=settings,
            store=store,
            registry=registry,
            banks=banks,
            keys=keys,
            live=live,
            recorder=recorder,
            key_checker=KeyChecker(keys),
            metrics=Metrics(live.status),
            fetcher=Fetcher(fetch_policy(settings)),
            dispatcher=Dispatcher(store.sessions) if settings.dispatch_webhooks else None,
            pipeline=ScanPipeline(live, registry, recorder, limits),
            chat=chat,
            # Always: idempotency keys and message digests expire even when retention is off.
            pruner=Pruner(chat),
            limits=limits,
            owns_store=owns,
        )

    def start(self) -> None:
        # Everything built so far (libraries, the matcher, the app) lives as long as the
        # process. A full garbage collection walks all of it: over 200k objects, 50-130 ms on
        # a 2-core machine, a pause that lands on whichever uploads are in flight. Freezing
        # moves it out of the collector's sight; only objects made by requests are walked.
        gc.collect()
        gc.freeze()
        self.live.start(self.settings.refresh_interval_s)
        self.recorder.start()
        if self.dispatcher is not None:
            self.dispatcher.start()
        if self.pruner is not None:
            self.pruner.start()
        if isinstance(self.chat.semantic, SharedStage):
            self.chat.semantic.start()  # loads the model in the background

    def stop(self) -> None:
        if self.pruner is not None:
            self.pruner.stop()
        if self.dispatcher is not None:
            self.dispatcher.close()
        self.live.stop()
        self.recorder.stop()  # after the matcher: answers already given get their records
        if self.owns_store:
            self.store.close()
