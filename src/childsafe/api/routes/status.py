"""Health (no key needed, for load balancers and orchestrators) and the matcher's state."""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from childsafe import __version__
from childsafe.api.auth import require
from childsafe.api.services import Services

router = APIRouter(tags=["status"])

#: A matcher that has not reached the store for this many refresh intervals is unhealthy.
STALE_INTERVALS = 10


def matcher_fresh(services: Services) -> bool:
    max_age = max(5.0, STALE_INTERVALS * services.settings.refresh_interval_s)
    return services.live.status().fresh(max_age)


@router.get("/healthz", summary="Liveness and readiness (no key)")
def healthz(request: Request) -> JSONResponse:
    """200 while the matcher follows the store; 503 when it has lost touch with it."""
    services: Services = request.app.state.services
    ok = matcher_fresh(services)
    return JSONResponse({"status": "ok" if ok else "stale"}, status_code=200 if ok else 503)


@router.get("/v1/status", summary="Version, matcher and bank state of this process")
def status(request: Request, _: Any = Depends(require("scan"))) -> dict[str, Any]:  # noqa: B008
    services: Services = request.app.state.services
    st = services.live.status()
    return {
        "version": __version__,
        "pid": os.getpid(),
        "healthy": matcher_fresh(services),
        "matcher": {
            "signals": st.signals,
            "change_seq": st.seq,
            "banks": list(st.banks),
            "seconds_since_refresh": None
            if st.since_refresh_s is None
            else round(st.since_refresh_s, 3),
            "last_error": st.last_error,
        },
        "scan_records": services.settings.scan_records,
        "chat": semantic_status(services),
    }


def semantic_status(services: Services) -> dict[str, Any]:
    """The chat embedding stage: ``off``, ``loading``, ``ready`` or ``failed`` (and why)."""
    stage = services.chat.semantic
    if stage is None:
        return {"semantic": "off"}
    return {
        "semantic": str(getattr(stage, "state", "ready")),
        "semantic_error": getattr(stage, "error", None),
        "semantic_precision": getattr(stage, "precision", None),
        "operator_exemplars": getattr(stage, "loaded_exemplars", 0),
    }
