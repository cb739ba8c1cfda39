"""Hasher-Matcher-Actioner 2.0's API (``/h``, ``/m``, ``/c``, ``/status``), so HMA clients work
pointed at childsafe unchanged. Shapes and status codes are HMA's; the differences kept on
purpose (keys on by default, bank names, signal type names, no matching ratios) are listed in
docs/hma.md. Tagged ``hma`` in the OpenAPI document.
"""

from fastapi import APIRouter

from childsafe.api.routes.hma import banking, curation, hashing, matching, status

router = APIRouter(tags=["hma"])
for _module in (hashing, matching, curation, banking, status):
    router.include_router(_module.router)

__all__ = ["router"]
