"""``/v1/chat/verdicts`` and ``/v1/chat/exemplars``: teaching the embedding stage.

A reviewer's verdict on a message of a chat case (scope ``review``), or an operator's own
confirmed example (scope ``curate``), is stored, audited, and reaches every worker's embedding
stage within a few seconds (``childsafe.chat.feedback``); ``DELETE /v1/chat/exemplars/{id}``
(scope ``curate``) removes one, erasing its text. Answers never echo the text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from childsafe.api.auth import require
from childsafe.api.errors import ApiError
from childsafe.api.schemas import ErrorOut
from childsafe.api.services import Services
from childsafe.auth import KeyInfo
from childsafe.chat.feedback import (
    ExemplarRow,
    FeedbackError,
    record_example,
    record_verdict,
    remove_exemplar,
)
from childsafe.store import SessionFactory

router = APIRouter(tags=["chat"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut},
    403: {"model": ErrorOut},
    404: {"model": ErrorOut},
    422: {"model": ErrorOut},
}


class VerdictIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_id: int = Field(description="a chat case")
    message_id: str = Field(min_length=1, max_length=256, description="a message of the case")
    confirmed: bool = Field(description="true: the sign was there; false: a false alarm")
    category: str | None = Field(
        default=None, description="the warning-sign category (required when confirmed)"
    )


class ExampleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000)
    label: str = Field(description="'positive' (a sign) or 'negative' (a look-alike)")
    category: str | None = Field(default=None, description="required for a positive")


def _actor(key: KeyInfo | None) -> str:
    return f"key:{key.prefix}" if key is not None else "api"


async def _run(request: Request, call: Callable[[SessionFactory], ExemplarRow]) -> ExemplarRow:
    """``call`` with the store's sessions, off the event loop; refusals as API errors."""
    services: Services = request.app.state.services
    try:
        return await run_in_threadpool(call, services.store.sessions)
    except FeedbackError as e:
        if e.not_found:
            raise ApiError(404, "not_found", str(e)) from None
        raise ApiError(422, "invalid_request", str(e)) from None


@router.post(
    "/v1/chat/verdicts",
    summary="A reviewer's verdict on a message of a chat case",
    responses=_ERRORS,
)
async def post_verdict(
    body: VerdictIn,
    request: Request,
    key: KeyInfo | None = Depends(require("review")),  # noqa: B008
) -> dict[str, Any]:
    row = await _run(
        request,
        lambda sessions: record_verdict(
            sessions,
            case_id=body.case_id,
            message_id=body.message_id,
            category=body.category,
            confirmed=body.confirmed,
            actor=_actor(key),
        ),
    )
    return row.to_dict()


@router.post(
    "/v1/chat/exemplars",
    summary="An operator's own example for the embedding stage",
    responses=_ERRORS,
)
async def post_exemplar(
    body: ExampleIn,
    request: Request,
    key: KeyInfo | None = Depends(require("curate")),  # noqa: B008
) -> dict[str, Any]:
    row = await _run(
        request,
        lambda sessions: record_example(
            sessions, text=body.text, category=body.category, label=body.label, actor=_actor(key)
        ),
    )
    return row.to_dict()


@router.delete(
    "/v1/chat/exemplars/{exemplar_id}",
    summary="Remove a verdict or example (its text is erased)",
    responses=_ERRORS,
)
async def delete_exemplar(
    exemplar_id: int,
    request: Request,
    key: KeyInfo | None = Depends(require("curate")),  # noqa: B008
) -> dict[str, Any]:
    row = await _run(
        request, lambda sessions: remove_exemplar(sessions, exemplar_id, actor=_actor(key))
    )
    return {**row.to_dict(), "removed": True}
