"""The HTTP service (FastAPI): the scanning API, HMA-compatible endpoints, status and metrics."""

from childsafe.api.app import create_app

__all__ = ["create_app"]
