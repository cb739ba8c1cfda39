"""What every command needs, built once per invocation from the global options."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape

from childsafe.media import DecodeLimits
from childsafe.plugins import Registry, load_registry
from childsafe.settings import Settings

if TYPE_CHECKING:
    from childsafe.auth import KeyService
    from childsafe.banks import BankService
    from childsafe.store import Store


def cli_actor() -> str:
    """Who the audit log says made a change from the command line: ``cli:<os user>``."""
    try:
        user = getpass.getuser()
    except Exception:  # no login name (some containers): still a valid actor
        user = ""
    return f"cli:{user or 'unknown'}"[:128]


@dataclass
class CliContext:
    settings: Settings
    out: Console = field(default_factory=lambda: Console(soft_wrap=True, highlight=False))
    err: Console = field(
        default_factory=lambda: Console(stderr=True, highlight=False, soft_wrap=True)
    )

    @classmethod
    def create(cls, home: Path | None) -> CliContext:
        settings = Settings(home=home) if home is not None else Settings()
        return cls(settings)

    def fail(self, e: Exception | str, code: int = 2) -> typer.Exit:
        """Print ``error: <message>`` to stderr and return the exit to raise.

        The message is escaped: file names and values must never be read as Rich markup.
        """
        self.err.print(f"[red]error:[/red] {escape(str(e))}")
        return typer.Exit(code)

    @cached_property
    def registry(self) -> Registry:
        return load_registry()

    @property
    def limits(self) -> DecodeLimits:
        return DecodeLimits(
            max_bytes=self.settings.max_file_bytes, max_pixels=self.settings.max_pixels
        )

    def prepare_hashing(self) -> None:
        """Compile (or load) the hashing kernels once, saying so, before any worker starts."""
        if self.__dict__.get("_warm"):
            return
        from childsafe.scan.warmup import warm_up

        with self.err.status("preparing the hashing kernels (compiled once, on first use)…"):
            warm_up(self.registry)
        self.__dict__["_warm"] = True

    @cached_property
    def store(self) -> Store:
        """One engine per invocation, however many services a command uses."""
        from childsafe.store import open_store

        return open_store(self.settings)

    @cached_property
    def banks(self) -> BankService:
        from childsafe.banks import BankService

        return BankService(self.store, self.registry, actor=cli_actor())

    @cached_property
    def keys(self) -> KeyService:
        from childsafe.auth import KeyService

        return KeyService(self.store, actor=cli_actor())
