"""The HTTP service: ``create_app(settings)`` builds one FastAPI app over one store.

Everything the app runs (the matcher and its refresh thread, the scan-record writer, the
webhook dispatcher) is built and started in the lifespan and stopped with it; see
:class:`childsafe.api.services.Services`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from childsafe import __version__
from childsafe.api import errors
from childsafe.api.routes import chat, chat_feedback, hma, metrics, scan, status
from childsafe.api.schemas import ScanJson
from childsafe.api.services import Services
from childsafe.chat.batch import ChatBatch
from childsafe.settings import Settings

DESCRIPTION = """\
Scan uploads against hash banks of known abuse material, before anyone sees them.

Score chat for the warning signs of grooming, per adult-to-minor pair and per sender
(`/v1/chat/*`).

Every endpoint except `/healthz`, `/status` and `/status/live` needs
`Authorization: Bearer <key>`; create keys with `childsafe keys create NAME --scope scan`
(`--scope chat` for the chat endpoints).
The `/h`, `/m` and `/c` endpoints answer as Hasher-Matcher-Actioner 2.0 does, so HMA clients
work unchanged (see docs/hma.md for the differences kept on purpose).
"""


class _CountRequests:
    """Counts requests by route template (not path: ids would explode the series)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status_code = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            services: Services | None = getattr(scope["app"].state, "services", None)
            if services is not None:
                template = getattr(route, "path", None) or "unmatched"
                services.metrics.requests.labels(template, scope["method"], str(status_code)).inc()


#: Request bodies read by hand (to limit their size as they arrive) and so not declared as
#: parameters: their schemas are added to the OpenAPI document here, for the routes' ``$ref``.
BODY_MODELS: tuple[type[BaseModel], ...] = (ScanJson, ChatBatch)


def _install_body_schemas(app: FastAPI) -> None:
    default = app.openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = default()
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        for model in BODY_MODELS:
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            schemas[model.__name__] = schema
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(
    settings: Settings | None = None,
    *,
    services_factory: Callable[[Settings], Services] | None = None,
) -> FastAPI:
    """An app that builds its services at startup (``services_factory`` lets tests share a
    store or registry)."""
    settings = settings or Settings()
    factory = services_factory or Services.build
    # httpx logs each request's full URL at INFO; URLs of uploads can carry signed tokens.
    logging.getLogger("httpx").setLevel(logging.WARNING)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = factory(settings)
        app.state.services = services
        services.start()
        try:
            yield
        finally:
            services.stop()

    app = FastAPI(
        title="childsafe",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    errors.install(app)
    _install_body_schemas(app)
    for module in (scan, chat, chat_feedback, status, metrics, hma):
        app.include_router(module.router)
    app.add_middleware(_CountRequests)
    return app
