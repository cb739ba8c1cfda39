"""Reading request bodies within limits, shared by the ``/v1`` and the HMA routes.

Uploads are counted as they arrive, so an oversized body is refused without being held in full,
and the body read is cached on the request, where Starlette's form parser finds it.
"""

from __future__ import annotations

from fastapi import Request

from childsafe.api.errors import ApiError

#: Room for the multipart framing and small fields around the file itself.
MULTIPART_OVERHEAD = 64 * 1024


def media_type(request: Request) -> str:
    """The Content-Type without its parameters, lower-cased ("" when absent)."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def too_large(limit: int) -> ApiError:
    return ApiError(413, "too_large", f"request body is larger than the limit of {limit} bytes")


async def read_limited(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # starlette's form parser reads the cached body
    return body
