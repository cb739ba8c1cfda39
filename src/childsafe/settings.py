"""Typed settings, read from ``CHILDSAFE_*`` environment variables and passed in explicitly."""

from __future__ import annotations

from pathlib import Path

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

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'childsafe.db'}"
