"""A chat service on the test database, and dataset conversations as batches, for tests that
compare the service with the scorer."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from childsafe.chat import ChatBatch, ChatService
from childsafe.grooming.evaluate_data import select, to_messages
from childsafe.grooming.scoring_messages import ChatMessage

DATASET = Path(__file__).resolve().parents[2] / "datasets" / "chat" / "synthetic-v1.jsonl"


@cache
def dev_messages(limit: int) -> tuple[ChatMessage, ...]:
    """Messages of the first ``limit`` dev conversations, merged in time order."""
    with DATASET.open(encoding="utf-8") as f:
        conversations = select((json.loads(line) for line in f), "dev")[:limit]
    return tuple(m for _, _, m in to_messages(conversations))


@pytest.fixture
def service(session_factory: sessionmaker[Session]) -> ChatService:
    return ChatService(session_factory)


def ingest(service: ChatService, data: dict[str, Any]) -> Any:
    return service.ingest(ChatBatch.model_validate(data))


@pytest.fixture
def threaded_service(make_database: Callable[..., str]) -> Iterator[ChatService]:
    """A service on a database of its own with a real connection pool, for tests that send
    batches from several threads at once, as several workers would."""
    from childsafe.store.engine import create_engine_for, make_session_factory

    engine = create_engine_for(make_database())
    try:
        yield ChatService(make_session_factory(engine))
    finally:
        engine.dispose()
