"""The one error a fetch raises on purpose.

A single class with a stable ``reason`` code, rather than a class per cause, because every
caller (HTTP API, CLI, metrics) maps refusals to a status code or a counter by that code and
never needs to catch one cause but not another. The message names the problem (host, address
class, limit) so an operator can act on it as is; it never quotes response bodies, and names
hosts rather than whole URLs, because submitted URLs can carry signed tokens.
"""

from __future__ import annotations

from typing import Literal, get_args

FetchReason = Literal[
    "bad_url",
    "scheme_not_allowed",
    "port_not_allowed",
    "address_not_allowed",
    "dns_failed",
    "connection_failed",
    "timeout",
    "too_many_redirects",
    "too_large",
    "http_status",
    "bad_response",
]

#: Every ``reason`` a :class:`FetchError` can carry, for callers that map them exhaustively.
REASONS: tuple[FetchReason, ...] = get_args(FetchReason)


class FetchError(Exception):
    """A URL was not fetched; ``reason`` is a stable machine-readable code.

    ``host`` is the host of the hop that failed (after redirects, not necessarily the submitted
    one) when there was one; ``status`` is the HTTP status for ``http_status``.
    """

    def __init__(
        self,
        reason: FetchReason,
        message: str,
        *,
        host: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.reason: FetchReason = reason
        self.message = message
        self.host = host
        self.status = status

    def __repr__(self) -> str:
        return f"FetchError({self.reason!r}, {self.message!r})"
