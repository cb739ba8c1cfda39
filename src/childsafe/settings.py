"""Typed settings, read from ``CHILDSAFE_*`` environment variables and passed in explicitly."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_home() -> Path:
    return Path(platformdirs.user_data_dir("childsafe", appauthor=False))


class Settings(BaseSettings):
    """Everything an operator can configure. One instance is built at start and passed down."""

    model_config = SettingsConfigDict(env_prefix="CHILDSAFE_", extra="ignore")

    #: Data directory: the embedded SQLite database and local state live here.
    home: Path = Field(default_factory=default_home)
    #: SQLAlchemy URL; empty means SQLite (WAL) at ``<home>/childsafe.db``.
    database_url: str = ""
    #: Largest file accepted for hashing, in bytes.
    max_file_bytes: int = 100 * 1024 * 1024
    #: Largest decoded image accepted, in pixels (decompression-bomb guard).
    max_pixels: int = 150_000_000

    # -- the HTTP service (``childsafe serve``) ------------------------------------------
    #: Address to listen on. Loopback by default: exposing the service is a deliberate step.
    host: str = "127.0.0.1"
    port: int = 8000
    #: Worker processes; each holds its own matcher and follows the store on its own.
    workers: int = 1
    #: Seconds between polls of the change log; bank changes reach every worker within this
    #: plus the time to apply them.
    refresh_interval_s: float = Field(default=1.0, gt=0, le=60)
    #: Which scans get a scan record: every one, only those that matched, or none (records
    #: of ``block`` and ``review`` decisions are always written: their actions hang off them).
    scan_records: Literal["all", "matches", "none"] = "all"
    #: Send webhooks from the server processes (switch off to run ``childsafe webhooks
    #: dispatch`` separately).
    dispatch_webhooks: bool = True
    #: Require an API key on the HMA-compatible endpoints (``/h``, ``/m``, ``/c``). Turning this
    #: off is for HMA clients that cannot send a header; do it only on a private network.
    hma_auth: bool = True
    #: Serve ``/metrics`` without a key (for scrapers on a private network).
    metrics_public: bool = False
    #: Chat: open a review case when a pair (or a sender, above all its pairs) rises to this
    #: band or higher. Every band change is recorded and sent as a webhook regardless.
    chat_case_band: Literal["watch", "nudge_child", "restrict_adult", "urgent_review"] = (
        "nudge_child"
    )
    #: Chat: the risk at which each band starts (any of watch, nudge_child, restrict_adult,
    #: urgent_review, hysteresis), e.g. ``{"nudge_child": 0.6}``; the rest keep their
    #: defaults (0.25, 0.5, 0.7, 0.88; hysteresis 0.05). Checked at start.
    chat_bands: dict[str, float] = Field(default_factory=dict)
    #: Chat: the embedding stage (``semantic`` extra). ``auto``: used when installed; ``on``:
    #: required; ``off``: lexical rules only.
    chat_semantic: Literal["auto", "on", "off"] = "auto"
    #: Chat: the embedding model's precision. ``int8`` (ONNX Runtime's dynamically quantised
    #: copy) costs about half the CPU of ``fp32`` per message and, with its own calibrated
    #: thresholds, made the same decisions on every sign-free and test text measured
    #: (docs/grooming-semantic.md); ``fp32`` gives sentence-transformers' exact vectors.
    chat_semantic_precision: Literal["int8", "fp32"] = "int8"
    #: Chat: the operator's own confirmed examples for the embedding stage, loaded at start:
    #: JSONL files (``{"category", "text", "label"}``) or Roblox Sentinel index directories.
    chat_exemplars: list[Path] = Field(default_factory=list)
    #: Chat: the learned family register that lowers the risk of pairs whose adult side
    #: writes the way family writes to a child (docs/grooming.md). ``shipped``: the one
    #: trained on the repository's dev data; ``off``; or the path of a register trained on
    #: the operator's own labelled conversations (``scripts/train_family_register.py``).
    chat_family_register: str = "shipped"
    #: Chat: the learned sign model that finds warning signs in wording the rules do not know,
    #: where one more sign could move a pair's band (docs/grooming.md). ``shipped``: the one
    #: trained on the repository's dev data; ``off``; or the path of a model trained on the
    #: operator's own labelled conversations (``scripts/train_sign_model.py``).
    chat_sign_model: str = "shipped"
    #: Chat: a rule's match that the sign model gives less than this probability counts at
    #: half strength (``unbacked:`` in explanations; docs/grooming.md, "backing the rules").
    #: 0 counts every match in full; with the sign model off, nothing is discounted.
    chat_unbacked_below: float = Field(default=0.5, ge=0, lt=1)
    #: Chat: between two declared minors, a rule's match that the sign model gives at least
    #: this probability counts at more than the peer weight (``vouched:`` in explanations;
    #: docs/grooming.md, "vouching between minors"). 0 turns it off.
    chat_vouched_above: float = Field(default=0.9, ge=0, lt=1)
    #: Chat: between two declared minors, one whose messages the sign model reads as this
    #: many different signs (at 0.8 or more) is scored as a possible adult from then on
    #: (docs/grooming.md, "signs the model reads between minors"). 0 turns it off.
    chat_suspect_model_signs: int = Field(default=3, ge=0, le=12)
    #: Chat: messages of the batch attached to a case, at most (the only text ever stored).
    chat_case_messages: int = Field(default=50, ge=0, le=1000)
    #: Chat: forget pairs and senders untouched for this many days, and older band history
    #: (0 keeps them forever). The server prunes once an hour; ``childsafe chat prune`` too.
    chat_retention_days: float = Field(default=180.0, ge=0)
    #: Chat: how long a scored message is recognised when resent without an
    #: ``Idempotency-Key`` and skipped (a 16-byte digest of its conversation, sender and id is
    #: kept, never text); 0 turns it off, and resent messages then count again.
    chat_dedup_days: float = Field(default=1.0, ge=0)

    # -- fetching URLs to scan (``{"url": ...}``, HMA's ``?url=``) -----------------------
    #: Only publicly routable addresses are fetched from, unless listed here as CIDRs (an
    #: internal CDN, say). As an environment variable: JSON, e.g. ``'["10.20.0.0/16"]'``.
    fetch_allow_networks: list[str] = Field(default_factory=list)
    #: Ports fetched from; opening a network does not open every port on it. Empty: any.
    fetch_allowed_ports: list[int] = Field(default_factory=lambda: [80, 443, 8080, 8443])
    fetch_allowed_schemes: list[str] = Field(default_factory=lambda: ["http", "https"])
    #: Whole fetch, across redirects, DNS and slow bodies.
    fetch_timeout_s: float = Field(default=10.0, gt=0)
    fetch_connect_timeout_s: float = Field(default=3.0, gt=0)
    fetch_max_redirects: int = Field(default=5, ge=0)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'childsafe.db'}"
