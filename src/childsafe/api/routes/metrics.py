"""``GET /metrics`` in the Prometheus text format.

Any valid key may read it (a scraper should get a key with no more than the ``scan`` scope);
``CHILDSAFE_METRICS_PUBLIC=true`` opens it for scrapers on a private network.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from childsafe.api.auth import require
from childsafe.api.services import Services
from childsafe.auth import KeyInfo

router = APIRouter(tags=["status"])


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(
    request: Request,
    _: KeyInfo | None = Depends(require("scan", unless=lambda s: s.metrics_public)),  # noqa: B008
) -> Response:
    services: Services = request.app.state.services
    return Response(services.metrics.render(), media_type=CONTENT_TYPE_LATEST)
