"""One error shape for the whole ``/v1`` API, and the mapping from domain errors to statuses.

Every error answer is ``{"error": {"code": ..., "message": ...}}`` (plus ``reason`` where the
cause has a stable code, e.g. why an image could not be read), so clients branch on ``code``
and show ``message``. Domain errors map by class, never by parsing their text. Messages never
carry content or secrets; they are what the domain error says, which is written for operators.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from childsafe.auth import AuthError, InvalidKey, KeyRevoked, MissingScope
from childsafe.banks import BankError, BankExists, DuplicateSignal
from childsafe.banks.errors import EntryNotFound

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error the API raises itself: status, stable code, and operator-readable message."""

    def __init__(
        self, status: int, code: str, message: str, *, reason: str | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.reason = reason
        self.extra = extra
        self.headers: dict[str, str] = {}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def error_body(code: str, message: str, reason: str | None = None, **extra: Any) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": message}
    if reason is not None:
        err["reason"] = reason
    err.update(extra)
    return {"error": err}


def _auth_status(e: AuthError) -> int:
    if isinstance(e, InvalidKey | KeyRevoked):
        return 401
    if isinstance(e, MissingScope):
        return 403
    return 400


def _bank_status(e: BankError) -> int:
    if isinstance(e, LookupError):
        return 404
    if isinstance(e, BankExists | DuplicateSignal):
        return 409
    return 422


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(ApiError)
    async def _api(_: Request, e: ApiError) -> JSONResponse:
        return JSONResponse(
            error_body(e.code, e.message, e.reason, **e.extra), e.status, headers=e.headers
        )

    @app.exception_handler(AuthError)
    async def _auth(_: Request, e: AuthError) -> JSONResponse:
        status = _auth_status(e)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(error_body(_snake(type(e).__name__), str(e)), status, headers=headers)

    @app.exception_handler(BankError)
    async def _bank(_: Request, e: BankError) -> JSONResponse:
        extra: dict[str, Any] = {}
        if isinstance(e, DuplicateSignal | EntryNotFound):
            extra["entry_id"] = e.entry_id
        return JSONResponse(error_body(_snake(type(e).__name__), str(e), **extra), _bank_status(e))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, e: RequestValidationError) -> JSONResponse:
        problems = [
            f"{'.'.join(str(p) for p in err.get('loc', ()) if p != 'body') or 'body'}: "
            f"{err.get('msg', 'invalid')}"
            for err in e.errors()
        ]
        return JSONResponse(
            error_body("invalid_request", "; ".join(problems) or "invalid request"), 422
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, e: Exception) -> JSONResponse:
        # The message may quote internals; the class name goes to the log, nothing to the client.
        log.error("unhandled %s in a request", type(e).__name__)
        return JSONResponse(
            error_body("internal_error", "internal error; the request was not completed"), 500
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, e: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(e.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(e.detail)), e.status_code, headers=getattr(e, "headers", None)
        )
