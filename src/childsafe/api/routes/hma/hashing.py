"""``/h/hash``: HMA's hasher, plus the hashing the lookup and curation routes share.

Content reaches these routes as a URL (``?url=``, fetched through the SSRF-guarded fetcher,
never a plain HTTP client) or as a multipart upload whose field name is the content type
(``photo`` or ``video``), as HMA takes it. Hashing goes through :func:`hash_bytes`, the one
place childsafe turns content into signals, so a hash from ``/h/hash`` is the hash ``/v1/scan``
and ``childsafe hash`` compute for the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from childsafe.api.routes.hma.common import (
    CONTENT_TYPES,
    HmaError,
    HmaRoute,
    ScanKey,
    Upload,
    read_form,
    services_of,
)
from childsafe.api.routes.hma.shapes import names_for
from childsafe.api.services import Services
from childsafe.fetch import FetchError
from childsafe.media import MediaError
from childsafe.scan.hashing import HashOutcome, hash_bytes
from childsafe.signals import Content, Signal

router = APIRouter(prefix="/h", route_class=HmaRoute)

#: Fetch refusals HMA answers as an unsafe URL rather than a failed fetch.
_UNSAFE = frozenset({"bad_url", "scheme_not_allowed", "port_not_allowed", "address_not_allowed"})


@dataclass
class Hashed:
    """One item's signals by reported name, and what banking it needs."""

    content_type: str
    #: reported name → signal (see :func:`names_for`).
    signals: dict[str, Signal]
    #: reported name → childsafe name, for the types computed.
    names: dict[str, str]
    #: The photo hashing outcome (its decoded raster serves query views and banked variants).
    outcome: HashOutcome | None = None

    def values(self) -> dict[str, str]:
        return {name: sig.value for name, sig in self.signals.items()}


def content_type_of(hint: str | None, mime: str | None) -> str:
    """HMA's rule: ``content_type`` if given, else ``image/*`` is a photo, ``video/*`` a video."""
    if hint:
        if hint not in CONTENT_TYPES:
            raise HmaError(400, f"no such content_type: '{hint}'")
        return hint
    m = (mime or "").lower()
    if m.startswith("image"):
        return "photo"
    if m.startswith("video"):
        return "video"
    raise HmaError(
        400,
        f"unsupported url ContentType: '{mime or ''}', if you know the expected type, "
        "provide it with the content_type query param",
    )


def select_types(services: Services, content_type: str, types: str | None) -> dict[str, str]:
    """The signal types to compute (reported → ours): all for the content type, or ``types``."""
    available = names_for(services.registry, content_type)
    if not available:
        raise HmaError(500, "No signal types configured!")
    if types is None:
        return available
    chosen: dict[str, str] = {}
    for raw in types.split(","):
        name = raw.strip()
        if not name:
            continue
        if name not in available:
            raise HmaError(400, f"signal type '{name}' doesn't exist or is disabled")
        chosen[name] = available[name]
    if not chosen:
        raise HmaError(400, "empty signal type selection")
    return chosen


def hash_content(
    services: Services, data: bytes, content_type: str, names: dict[str, str]
) -> Hashed:
    """Hash ``data`` as ``content_type`` into the ``names`` types (blocking: run in a thread)."""
    if content_type == "photo":
        outcome = hash_bytes(data, services.registry, services.limits, list(names.values()))
        if not outcome.ok:
            raise HmaError(400, f"could not hash the photo: {outcome.error}")
        signals = {rep: outcome.signals[ours] for rep, ours in names.items()}
        return Hashed(content_type, signals, dict(names), outcome)
    content = Content(data, services.limits)
    try:
        signals = {
            rep: services.registry.signal_type(ours).compute(content) for rep, ours in names.items()
        }
    except MediaError as e:
        raise HmaError(400, f"could not hash the video: {e.message}") from None
    return Hashed(content_type, signals, dict(names))


async def hash_url(
    services: Services, url: str, *, content_type: str | None, types: str | None
) -> Hashed:
    """Fetch ``url`` (SSRF-guarded) and hash it; HMA's 400/413 codes for refusals."""
    try:
        fetched = await run_in_threadpool(services.fetcher.fetch, url)
    except FetchError as e:
        services.metrics.scan_errors.labels(f"fetch_{e.reason}").inc()
        if e.reason == "too_large":
            raise HmaError(413, "Content too large") from None
        if e.reason in _UNSAFE:
            raise HmaError(400, f"Invalid or unsafe URL provided: {e.message}") from None
        raise HmaError(400, f"Failed to fetch URL: {e.message}") from None
    ctype = content_type_of(content_type, fetched.content_type)
    names = select_types(services, ctype, types)
    return await run_in_threadpool(hash_content, services, fetched.content, ctype, names)


async def hash_upload(services: Services, upload: Upload, types: str | None) -> Hashed:
    names = select_types(services, upload.content_type, types)
    return await run_in_threadpool(hash_content, services, upload.data, upload.content_type, names)


@router.get("/hash", summary="HMA: hash the content at a URL")
async def hash_get(
    request: Request,
    _key: ScanKey,
    url: str = Query(description="Media to fetch and hash (image or video)."),
    content_type: str | None = Query(None, description="photo or video (default: from the URL)"),
    types: str | None = Query(None, description="Comma-separated signal types to compute"),
) -> dict[str, Any]:
    """Signal type → hash for the content at ``url``, as HMA's ``GET /h/hash``."""
    services = services_of(request)
    hashed = await hash_url(services, url, content_type=content_type, types=types)
    return hashed.values()


@router.post("/hash", summary="HMA: hash an uploaded file")
async def hash_post(
    request: Request,
    _key: ScanKey,
    types: str | None = Query(None, description="Comma-separated signal types to compute"),
) -> dict[str, Any]:
    """Signal type → hash for one multipart file sent as field ``photo`` or ``video``."""
    services = services_of(request)
    upload = await read_form(request, services, need_file=True)
    assert upload is not None
    hashed = await hash_upload(services, upload, types)
    return hashed.values()
