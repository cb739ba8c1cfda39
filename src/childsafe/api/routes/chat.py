"""``/v1/chat/*``: send chat messages, read a pair's or a sender's grooming risk.

``POST /v1/chat/messages`` takes a batch (``childsafe.chat.batch``) and answers, for every pair
and sender the batch touched, its risk and recommended intervention (band), plus every band
change with its review case. Band changes are recorded, announced by webhook
(``chat.band_changed``) and, from ``chat_case_band`` up, opened as review cases before the
answer is sent. The ``GET`` endpoints explain a pair's or a sender's current risk and list its
band history. Account ids go in the query string, so ids containing ``/`` work.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from childsafe.api.auth import require
from childsafe.api.bodies import read_limited
from childsafe.api.errors import ApiError
from childsafe.api.schemas import ErrorOut
from childsafe.api.services import Services
from childsafe.chat.batch import ChatBatch, example
from childsafe.chat.service import ChatService

router = APIRouter(tags=["chat"])

#: 1,000 messages of 4,000 characters, with room for ids and facts.
MAX_BODY = 8 * 1024 * 1024

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut},
    403: {"model": ErrorOut},
    404: {"model": ErrorOut},
    413: {"model": ErrorOut},
    422: {"model": ErrorOut},
}

_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/ChatBatch"},
                "example": example(),
            }
        },
    }
}


def _service(request: Request) -> ChatService:
    services: Services = request.app.state.services
    return services.chat


def _problems(e: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in e.errors()
    )


@router.post(
    "/v1/chat/messages",
    summary="Score a batch of chat messages for grooming risk",
    openapi_extra=_BODY,
    responses=_ERRORS,
)
async def post_messages(
    request: Request,
    _: Any = Depends(require("chat")),  # noqa: B008
) -> dict[str, Any]:
    """Score the batch and answer each touched pair's and sender's risk and band.

    A batch is all or nothing: if it is refused (422) or fails (500), none of it was scored,
    and it can be sent again. Send an ``Idempotency-Key`` header (any unique text, at most 128
    characters) to make resending always safe: a batch already scored under that key in the
    last day is not scored again, and its first answer comes back with ``replayed: true``.
    Without a key, messages already scored (same conversation, sender and id, within
    ``CHILDSAFE_CHAT_DEDUP_DAYS``) are skipped, and their ids come back in ``duplicates``.
    """
    body = await read_limited(request, MAX_BODY)
    try:
        batch = ChatBatch.model_validate_json(body)
    except ValidationError as e:
        raise ApiError(422, "invalid_request", _problems(e)) from None
    key = request.headers.get("idempotency-key")
    if key is not None and not (1 <= len(key) <= 128 and key.isprintable()):
        raise ApiError(
            422, "invalid_request", "Idempotency-Key: must be 1 to 128 printable characters"
        )
    services: Services = request.app.state.services
    started = time.perf_counter()
    result = await run_in_threadpool(lambda: services.chat.ingest(batch, key=key))
    if not result.replayed:
        metrics = services.metrics
        metrics.chat_latency.observe(time.perf_counter() - started)
        metrics.chat_messages.inc(result.messages - len(result.duplicates))
        metrics.chat_duplicates.inc(len(result.duplicates))
        metrics.chat_semantic_calls.inc(result.semantic_calls)
        for change in result.band_changes:
            metrics.chat_band_changes.labels(change.subject, change.new_band).inc()
    return result.to_dict()


@router.get(
    "/v1/chat/pair",
    summary="A pair's grooming risk, explanation and band history",
    responses=_ERRORS,
)
async def get_pair(
    request: Request,
    adult: str = Query(min_length=1, max_length=256, description="the adult side's account"),
    minor: str = Query(min_length=1, max_length=256, description="the minor side's account"),
    at: float | None = Query(
        default=None, description="seconds since the epoch (default: now, decayed to it)"
    ),
    _: Any = Depends(require("chat")),  # noqa: B008
) -> dict[str, Any]:
    view = await run_in_threadpool(_service(request).pair, adult, minor, at)
    if view is None:
        raise ApiError(
            404,
            "pair_not_found",
            "no tracked pair with this adult and minor side (pairs are tracked once a message "
            "between an adult or unknown-age account and a minor is sent)",
        )
    return view.to_dict()


@router.get(
    "/v1/chat/sender",
    summary="A sender's grooming risk across its pairs, and band history",
    responses=_ERRORS,
)
async def get_sender(
    request: Request,
    account: str = Query(min_length=1, max_length=256),
    at: float | None = Query(default=None, description="seconds since the epoch (default: now)"),
    _: Any = Depends(require("chat")),  # noqa: B008
) -> dict[str, Any]:
    view = await run_in_threadpool(_service(request).sender, account, at)
    if view is None:
        raise ApiError(
            404,
            "sender_not_found",
            "no tracked sender with this account (senders are tracked once they write to a "
            "minor as an adult or unknown-age account)",
        )
    return view.to_dict()
