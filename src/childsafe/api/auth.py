"""``Authorization: Bearer <key>`` on every endpoint but health, as a FastAPI dependency.

Checking a key is a database read; at hundreds of scans a second that read would cost more
than the match, so a successful check is remembered for ``KEY_CACHE_S`` seconds by the hash of
the secret (never the secret). The price: a revoked key keeps working for at most that long
in a process that saw it recently, the same bound bank changes have. Failures are never
cached, so a newly created key works at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from childsafe.api.errors import ApiError
from childsafe.auth import KeyInfo, KeyService, MissingScope, hash_secret
from childsafe.settings import Settings

KEY_CACHE_S = 5.0
_MAX_CACHED = 10_000

#: Parses the header and documents the scheme in OpenAPI; errors are ours, not its 403.
bearer = HTTPBearer(auto_error=False, description="An API key from `childsafe keys create`.")


class KeyChecker:
    def __init__(self, keys: KeyService, *, ttl_s: float = KEY_CACHE_S) -> None:
        self.keys = keys
        self.ttl_s = ttl_s
        self._cache: dict[str, tuple[float, KeyInfo]] = {}
        self._lock = threading.Lock()

    def check(self, secret: str, scope: str) -> KeyInfo:
        digest = hash_secret(secret)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(digest)
        if hit is not None and hit[0] > now:
            key = hit[1]
            if not key.allows(scope):
                raise MissingScope(key.name, scope, key.scopes)
            return key
        key = self.keys.authenticate(secret, scope)
        with self._lock:
            if len(self._cache) >= _MAX_CACHED:
                self._cache.clear()
            self._cache[digest] = (now + self.ttl_s, key)
        return key


def require(
    scope: str, *, unless: Callable[[Settings], bool] | None = None
) -> Callable[..., Awaitable[KeyInfo | None]]:
    """A dependency that admits a request only with a live key holding ``scope``.

    ``unless``: a test on the settings that, when true, lets requests through without a key
    (an operator's explicit choice, e.g. for HMA clients that cannot send one).
    """

    async def dependency(
        request: Request,
        creds: HTTPAuthorizationCredentials | None = Depends(bearer),  # noqa: B008
    ) -> KeyInfo | None:
        services = request.app.state.services
        if unless is not None and unless(services.settings):
            return None
        if creds is None or not creds.credentials:
            error = ApiError(
                401,
                "missing_key",
                "no API key: send 'Authorization: Bearer <key>' (create one with "
                "'childsafe keys create NAME --scope SCOPE')",
            )
            error.headers["WWW-Authenticate"] = "Bearer"
            raise error
        key: KeyInfo = await run_in_threadpool(services.key_checker.check, creds.credentials, scope)
        request.state.api_key = key
        return key

    return dependency
