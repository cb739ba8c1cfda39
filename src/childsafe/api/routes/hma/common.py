"""What every HMA-compatible route shares: HMA's error shape, keys, and reading request bodies.

HMA answers errors as ``{"message": ...}`` with its own status codes, and its clients read that
field (the Ruby gem looks for "already exists" in a 403's message, for one). The rest of the
API answers ``{"error": {...}}``, installed app-wide; these routes use :class:`HmaRoute`, which
turns an :class:`HmaError` into HMA's shape before the app's handlers see anything. Key errors
(401/403) keep the app's shape: HMA itself has no keys, so no HMA client parses those bodies.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from childsafe.api.auth import require
from childsafe.api.bodies import MULTIPART_OVERHEAD, media_type, read_limited
from childsafe.api.errors import ApiError
from childsafe.api.services import Services
from childsafe.auth import KeyInfo
from childsafe.banks import BankService
from childsafe.settings import Settings

#: Largest JSON body the HMA routes read (bank settings, signals, metadata: all small).
MAX_JSON_BYTES = 1024 * 1024
#: HMA's content types, which are also the multipart field name an upload must use.
CONTENT_TYPES = ("photo", "video")


class HmaError(Exception):
    """An error answered as HMA answers it: ``{"message": ...}`` with HMA's status code."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class HmaRoute(APIRoute):
    """A route whose :class:`HmaError` becomes HMA's error body (see the module docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def hma_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except HmaError as e:
                return JSONResponse({"message": e.message}, status_code=e.status)

        return hma_handler


def _hma_auth_off(settings: Settings) -> bool:
    return not settings.hma_auth


#: Hashing and matching need a ``scan`` key, curation a ``curate`` key, unless
#: ``CHILDSAFE_HMA_AUTH=false`` lets keyless requests through.
ScanKey = Annotated[KeyInfo | None, Depends(require("scan", unless=_hma_auth_off))]
CurateKey = Annotated[KeyInfo | None, Depends(require("curate", unless=_hma_auth_off))]


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def banks_as(services: Services, key: KeyInfo | None) -> BankService:
    """The bank service recording changes as this key (the audit log names who did what)."""
    return services.banks.as_actor(f"key:{key.prefix}" if key is not None else "hma:no-key")


def flag(value: str | None, default: bool) -> bool:
    """HMA's ``?include_signals=true`` style flags: only the word ``true`` turns one on."""
    return default if value is None else value.strip().lower() == "true"


def bank_filter(banks: str | None) -> set[str] | None:
    """HMA's ``banks=A,B`` parameter (None: every bank)."""
    return set(banks.split(",")) if banks else None


async def read_json(request: Request) -> Any:
    """The JSON body, or None when there is none; 400 when it is not JSON, as Flask answers."""
    body = await _limited(request, MAX_JSON_BYTES)
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise HmaError(400, f"Failed to decode JSON object: {e}") from None


@dataclass
class Upload:
    """One multipart upload: HMA names the file's field after its content type."""

    content_type: str
    data: bytes
    fields: dict[str, str] = field(default_factory=dict)


def is_multipart(request: Request) -> bool:
    return media_type(request) == "multipart/form-data"


async def read_form(request: Request, services: Services, *, need_file: bool) -> Upload | None:
    """The single file of a multipart body (field ``photo`` or ``video``) and its text fields.

    HMA's rules: no file is a 400 (when one is needed), more than one file is a 400, and the
    field name must be a content type. The body is read with the upload size limit.
    """
    limit = services.settings.max_file_bytes
    if not is_multipart(request):
        if need_file:
            raise HmaError(400, "Missing multipart/form-data file upload")
        return None
    await _limited(request, limit + MULTIPART_OVERHEAD)
    try:
        async with request.form(max_files=8, max_fields=32) as form:
            files = [(k, v) for k, v in form.multi_items() if isinstance(v, UploadFile)]
            fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
            if not files:
                if need_file:
                    raise HmaError(400, "Missing multipart/form-data file upload")
                return Upload("", b"", fields)
            if len(files) > 1:
                raise HmaError(400, "Only one file allowed per request")
            name, upload = files[0]
            if name not in CONTENT_TYPES:
                raise HmaError(400, f"no such content_type: '{name}'")
            data = await upload.read()
    except StarletteHTTPException as e:  # a malformed multipart body
        raise HmaError(400, str(e.detail)) from None
    if len(data) > limit:
        raise HmaError(413, "Content too large")
    return Upload(name, data, fields)


async def _limited(request: Request, limit: int) -> bytes:
    try:
        return await read_limited(request, limit)
    except ApiError as e:
        if e.status == 413:
            raise HmaError(413, "Content too large") from None
        raise
