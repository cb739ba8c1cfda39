"""``/status`` and ``/status/live``: HMA's health checks, with HMA's plain-text bodies.

No key, like ``/healthz``: load balancers and orchestrators probe them. ``/status`` is
readiness (503 ``INDEX-STALE`` when this process's matcher has lost touch with the store, by the
same rule as ``/healthz``); ``/status/live`` is liveness and never looks at the matcher, so a
cold start or a database outage does not get the process restarted in a loop.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from childsafe.api.routes.hma.common import HmaRoute, services_of
from childsafe.api.routes.status import matcher_fresh

router = APIRouter(route_class=HmaRoute)

ALIVE = "I-AM-ALIVE"


@router.get("/status", response_class=PlainTextResponse, summary="HMA: readiness (no key)")
def status(request: Request) -> PlainTextResponse:
    """``I-AM-ALIVE`` (200), ``INDEX-NOT-LOADED`` or ``INDEX-STALE`` (503)."""
    services = services_of(request)
    if services.live.status().since_refresh_s is None:
        return PlainTextResponse("INDEX-NOT-LOADED", status_code=503)
    if not matcher_fresh(services):
        return PlainTextResponse("INDEX-STALE", status_code=503)
    return PlainTextResponse(ALIVE)


@router.get("/status/live", response_class=PlainTextResponse, summary="HMA: liveness (no key)")
def status_live() -> PlainTextResponse:
    return PlainTextResponse(ALIVE)
