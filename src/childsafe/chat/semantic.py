"""The embedding stage in the server: chosen by settings, loaded once, shared by requests.

``CHILDSAFE_CHAT_SEMANTIC``: ``auto`` (the default) uses the stage when the ``semantic`` extra
is installed and goes without it otherwise; ``on`` requires it (the server refuses to start
without it); ``off`` never loads it. ``CHILDSAFE_CHAT_SEMANTIC_PRECISION`` picks the model:
``int8`` (the default, about half the CPU) or ``fp32``. The model takes a few seconds and
about 100 MB to load, so a server loads it in the background at start; batches that arrive
before it is ready are scored by the lexical stage alone, and the answer says so
(``semantic: false``).

Requests of one worker run in a thread pool, and the stage (its cache, its counters) is not
thread-safe, so one lock serialises its calls; with one model thread per worker the model
would run one call at a time anyway. (Embedding a batch's likely candidates in one call before
scoring was tried and removed: with ONNX Runtime a single call is cheap enough that embedding
messages the gate would have refused cost more than batching saved, 2,257 against 2,702
messages per server CPU-second on the chat benchmark.)
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from childsafe.grooming.categories import Hit
from childsafe.grooming.detectors import LexicalDetector
from childsafe.grooming.normalize import Normalized
from childsafe.grooming.scoring_messages import ChatMessage

if TYPE_CHECKING:
    from childsafe.chat.feedback import ExemplarFeed
    from childsafe.grooming.semantic import EmbeddingStage
    from childsafe.grooming.semantic.onnx_model import Precision

log = logging.getLogger(__name__)

Mode = Literal["auto", "on", "off"]


class SharedStage:
    """A :class:`~childsafe.grooming.scoring_messages.SemanticStage` safe to share between
    request threads, loaded in the background."""

    def __init__(
        self,
        detector: LexicalDetector,
        exemplars: Sequence[Path] = (),
        feed: ExemplarFeed | None = None,
        precision: Precision = "int8",
    ) -> None:
        self.detector = detector
        self.feed = feed
        self.precision: Precision = precision
        self.exemplars = tuple(exemplars)
        self.loaded_exemplars = 0
        self._lock = threading.Lock()
        self._stage: EmbeddingStage | None = None
        self._ready = threading.Event()
        self.error: str | None = None

    def _fresh(self) -> EmbeddingStage:
        """The shipped exemplars plus the operator's files (``CHILDSAFE_CHAT_EXEMPLARS``)."""
        from childsafe.grooming.semantic import EmbeddingStage
        from childsafe.grooming.semantic.embedder import shared_embedder

        embedder = shared_embedder(self.precision)
        stage = EmbeddingStage(embedder, normalizer=self.detector.normalizer)
        loaded = 0
        for path in self.exemplars:
            added = stage.load_sentinel_index(path) if path.is_dir() else stage.load_jsonl(path)
            loaded += len(added)
        self.loaded_exemplars = loaded
        return stage

    def load(self) -> None:
        """Build the stage (loads the model); called once, from a background thread."""
        try:
            stage = self._fresh()
            stage.detect_text("warming up the model")
            self._stage = stage
            # The model's objects would otherwise be walked by every full collection, a pause
            # in whatever request is running (see Services.start): freeze them too, once.
            gc.collect()
            gc.freeze()
        except Exception as e:  # the server runs on, lexical only
            self.error = f"{type(e).__name__}: {e}"
            log.warning("semantic stage unavailable, scoring chat lexically: %s", self.error)
        finally:
            self._ready.set()

    def start(self) -> None:
        threading.Thread(target=self.load, name="semantic-load", daemon=True).start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the load to end; true if the stage is usable."""
        self._ready.wait(timeout)
        return self._stage is not None

    @property
    def ready(self) -> bool:
        return self._stage is not None

    @property
    def state(self) -> str:
        """``ready``, ``loading`` or ``failed`` (``error`` says why), for ``/v1/status``."""
        if self._stage is not None:
            return "ready"
        return "failed" if self._ready.is_set() else "loading"

    @property
    def max_strength(self) -> float:
        return self._stage.max_strength if self._stage is not None else 1.0

    @property
    def operator_positives(self) -> bool:
        stage = self._stage
        return stage is not None and stage.operator_positives

    def sync(self) -> int:
        """Bring the stage up to date with stored verdicts and examples (at most every few
        seconds): new rows are added; if any was removed since, the stage is rebuilt from the
        shipped and file exemplars plus every live row (vectors come from the embedder's
        cache, so this costs little). Returns how many rows were applied."""
        stage, feed = self._stage, self.feed
        if stage is None or feed is None or not feed.due():
            return 0
        update = feed.pull()
        if update.rebuild:  # built aside, then swapped in: requests keep the old one meanwhile
            try:
                fresh = self._fresh()
                for row in update.rows:
                    fresh.add_verdict(row.text, row.category, row.label == "positive")
            except Exception as e:  # an exemplar file broken since start: keep the old stage
                log.warning("chat exemplars not reloaded, will retry: %s", type(e).__name__)
                feed.retry_rebuild()
                return 0
            with self._lock:
                self._stage = fresh
        else:
            with self._lock:
                for row in update.rows:
                    stage.add_verdict(row.text, row.category, row.label == "positive")
        return len(update.rows)

    def detect(
        self, message: ChatMessage, normalized: Normalized, lexical: Sequence[Hit]
    ) -> Sequence[Hit]:
        stage = self._stage
        if stage is None:
            return ()
        with self._lock:
            return stage.detect(message, normalized, lexical)


def build(
    mode: Mode,
    detector: LexicalDetector,
    exemplars: Sequence[Path] = (),
    feed: ExemplarFeed | None = None,
    precision: Precision = "int8",
) -> SharedStage | None:
    """The stage the settings ask for, not yet loaded (call ``start``), or ``None``."""
    if not check(mode, exemplars, precision):
        return None
    return SharedStage(detector, exemplars, feed, precision)


def check(mode: Mode, exemplars: Sequence[Path] = (), precision: Precision = "int8") -> bool:
    """Whether the stage will be used; raises ``RuntimeError`` naming the setting when the
    settings cannot work. Exemplar paths are checked here, so a mistyped one stops the server
    at start; what is in them is read when the stage loads (``state`` ``failed`` and ``error``
    if it is bad)."""
    for path in exemplars:
        if not path.exists():
            raise RuntimeError(f"CHILDSAFE_CHAT_EXEMPLARS: {path} does not exist")
        if path.is_file() and path.suffix != ".jsonl":
            raise RuntimeError(
                f"CHILDSAFE_CHAT_EXEMPLARS: {path} is neither a .jsonl file nor a Sentinel "
                "index directory"
            )
    if mode == "off":
        return False
    from childsafe.grooming.semantic.embedder import (
        INSTALL_HINT,
        onnx_available,
        semantic_available,
    )

    if not semantic_available():
        if mode == "on":
            raise RuntimeError(
                f"CHILDSAFE_CHAT_SEMANTIC=on but the semantic extra is missing: {INSTALL_HINT}"
            )
        return False
    if precision == "int8" and not onnx_available():
        if mode == "on":
            raise RuntimeError(
                "CHILDSAFE_CHAT_SEMANTIC_PRECISION=int8 needs onnxruntime and onnx, part of the "
                f"semantic extra ({INSTALL_HINT}); or set it to fp32"
            )
        return False
    return True
