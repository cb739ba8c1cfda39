"""``POST /v1/scan``: what a platform calls on every upload.

One route takes three kinds of body, told apart by Content-Type: a multipart upload (field
``file``), or JSON with ``url`` or precomputed ``signals``. Uploads are read with a size limit
as they arrive, so an oversized body is refused without being held in full.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from childsafe.api.auth import require
from childsafe.api.bodies import MULTIPART_OVERHEAD, media_type, read_limited, too_large
from childsafe.api.errors import ApiError
from childsafe.api.schemas import ErrorOut, ScanJson, ScanOut
from childsafe.api.services import Services
from childsafe.auth import KeyInfo
from childsafe.fetch import FetchError
from childsafe.scan.pipeline import ScanAnswer, ScanRefused, ScanRequest

router = APIRouter(tags=["scan"])


_BODIES = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "content_id": {"type": "string", "maxLength": 256},
                        "user_id": {"type": "string", "maxLength": 256},
                        "metadata": {"type": "string", "description": "a JSON object"},
                    },
                }
            },
            "application/json": {"schema": {"$ref": "#/components/schemas/ScanJson"}},
        },
    }
}


def fetch_status(reason: str) -> int:
    """Refusals of the URL itself are the caller's (422); the far side's failures are 502/504."""
    if reason == "too_large":
        return 413
    if reason == "timeout":
        return 504
    if reason in ("dns_failed", "connection_failed", "http_status", "bad_response"):
        return 502
    return 422


def _text(value: object, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 256:
        raise ApiError(422, "invalid_request", f"{name}: must be text of at most 256 characters")
    return value


def _metadata(raw: object) -> dict[str, Any]:
    if raw is None or raw == "":
        return {}
    try:
        value = json.loads(raw) if isinstance(raw, str) else None
    except json.JSONDecodeError as e:
        raise ApiError(422, "invalid_request", f"metadata: not valid JSON ({e.msg})") from None
    if not isinstance(value, dict):
        raise ApiError(422, "invalid_request", "metadata: must be a JSON object")
    return value


async def _from_multipart(request: Request, services: Services) -> ScanRequest:
    limit = services.settings.max_file_bytes
    await read_limited(request, limit + MULTIPART_OVERHEAD)
    async with request.form(max_files=1, max_fields=16) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ApiError(422, "invalid_request", "file: missing (send the upload as 'file')")
        data = await upload.read()
        if len(data) > limit:
            raise too_large(limit)
        content_id = _text(form.get("content_id"), "content_id")
        user_id = _text(form.get("user_id"), "user_id")
        meta = _metadata(form.get("metadata"))
    return ScanRequest("upload", data=data, meta=meta, content_id=content_id, user_id=user_id)


async def _from_json(request: Request, services: Services) -> ScanRequest:
    body = await read_limited(request, 1024 * 1024)
    try:
        parsed = ScanJson.model_validate_json(body)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in e.errors()
        )
        raise ApiError(422, "invalid_request", problems) from None
    common = {"content_id": parsed.content_id, "user_id": parsed.user_id, "meta": parsed.metadata}
    if parsed.signals is not None:
        return ScanRequest("signals", signals=parsed.signals, **common)  # type: ignore[arg-type]
    assert parsed.url is not None
    try:
        fetched = await run_in_threadpool(services.fetcher.fetch, parsed.url)
    except FetchError as e:
        services.metrics.scan_errors.labels(f"fetch_{e.reason}").inc()
        raise ApiError(fetch_status(e.reason), "fetch_failed", e.message, reason=e.reason) from None
    return ScanRequest("url", data=fetched.content, **common)  # type: ignore[arg-type]


@router.post(
    "/v1/scan",
    response_model=ScanOut,
    summary="Scan an upload, a URL or precomputed signals against the banks",
    openapi_extra=_BODIES,
    responses={
        401: {"model": ErrorOut},
        403: {"model": ErrorOut},
        413: {"model": ErrorOut},
        415: {"model": ErrorOut},
        422: {"model": ErrorOut, "description": "unreadable media, bad fields, fetch refused"},
    },
)
async def scan(request: Request, key: KeyInfo = Depends(require("scan"))) -> JSONResponse:  # noqa: B008
    """Hash the item, match it against every enabled bank, and decide.

    ``block`` and ``review`` decisions are recorded with their webhook deliveries (and, for
    ``review``, a case) before the answer is sent.
    """
    services: Services = request.app.state.services
    ctype = media_type(request)
    if ctype == "multipart/form-data":
        req = await _from_multipart(request, services)
    elif ctype == "application/json":
        req = await _from_json(request, services)
    else:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"Content-Type {ctype or '(none)'!r}: send multipart/form-data with a 'file' field, "
            "or application/json with 'url' or 'signals'",
        )
    req.api_key_id = key.id
    try:
        answer: ScanAnswer = await run_in_threadpool(services.pipeline.run, req)
    except ScanRefused as e:
        services.metrics.scan_errors.labels(e.reason).inc()
        raise ApiError(
            422, "unreadable_media" if req.data else "invalid_signals", e.message, reason=e.reason
        ) from None
    scan_id = await asyncio.wrap_future(answer.record)
    decision = answer.result.decision.value
    services.metrics.scans.labels(decision, req.source).inc()
    services.metrics.scan_latency.labels(req.source).observe(time.perf_counter() - req.started)
    # Returned as built (the model documents it): absent variants stay absent, not null.
    return JSONResponse(
        {
            "scan_id": scan_id,
            "decision": decision,
            "matches": answer.matches,
            "signals": answer.signals,
            "quality": answer.quality,
            "content_id": req.content_id,
            "latency_ms": round(answer.latency_ms, 3),
        }
    )
