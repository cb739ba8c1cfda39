from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from childsafe.actions import WebhookService
from childsafe.store import Store, create_engine_for, make_session_factory
from childsafe.store.types import utcnow
from tests.actions.receiver import Receiver, running_receiver


class Clock:
    """Time that moves only when a test says so (it starts at the real now, so signatures
    made with it still verify against the receiver's real clock)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now

    def to(self, when: datetime) -> None:
        self.now = max(self.now, when)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def webhooks(session_factory: sessionmaker[Session], clock: Clock) -> WebhookService:
    return WebhookService(session_factory, actor="tester", clock=clock)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as r:
        yield r


@pytest.fixture
def own_store(make_database: Callable[..., str]) -> Iterator[Store]:
    """A database of the current backend with real commits (for threads and engines)."""
    engine = create_engine_for(make_database())
    yield Store(engine=engine, sessions=make_session_factory(engine))
    engine.dispose()
