"""An app per test over a database of its own (real commits: the app runs threads)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from childsafe.api import create_app
from childsafe.api.services import Services
from childsafe.banks import BankInfo
from childsafe.plugins import Registry
from childsafe.scan.hashing import banked_signals, hash_bytes
from childsafe.settings import Settings
from tests.factories.images import encode, shapes


def jpeg(seed: int, w: int = 400, h: int = 300) -> bytes:
    return encode(shapes(w, h, seed=seed), "JPEG", quality=92)


@dataclass
class Api:
    client: TestClient
    services: Services
    settings: Settings

    def key(self, *scopes: str, name: str | None = None) -> dict[str, str]:
        """Headers carrying a fresh key with ``scopes``."""
        _, secret = self.services.keys.create(name or f"k{len(self.services.keys.list())}", scopes)
        return {"Authorization": f"Bearer {secret}"}

    def bank(self, name: str, images: Sequence[bytes] = (), **fields: Any) -> BankInfo:
        """A bank holding ``images``, applied to the matcher before returning."""
        info = self.services.banks.create_bank(name, **fields)
        for i, data in enumerate(images):
            outcome = hash_bytes(data, self.services.registry)
            signals, _ = banked_signals(outcome, (), min_quality=0)
            self.services.banks.add_entry(name, signals, external_id=f"{name}-{i}", labels=["B1"])
        self.services.live.refresh()
        return info

    def scan(self, data: bytes, headers: dict[str, str], **fields: str) -> Any:
        return self.client.post(
            "/v1/scan",
            files={"file": ("upload.jpg", data, "image/jpeg")},
            data=fields,
            headers=headers,
        )


@pytest.fixture
def make_api(
    make_database: Callable[..., str], tmp_path: Path, registry: Registry
) -> Iterator[Callable[..., Api]]:
    clients: list[TestClient] = []

    def make(**overrides: Any) -> Api:
        fields: dict[str, Any] = {"refresh_interval_s": 0.05, "dispatch_webhooks": False}
        fields.update(overrides)
        settings = Settings(
            home=tmp_path / f"home{len(clients)}", database_url=make_database(), **fields
        )
        app = create_app(settings, services_factory=lambda s: Services.build(s, registry=registry))
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return Api(client, app.state.services, settings)

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    return make_api()
