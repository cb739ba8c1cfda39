"""Fetching one URL for scanning: redirects, limits and refusals, over the guarded network layer.

Redirects are followed here, one hop at a time, rather than by httpx, so that each hop's URL
is held to the same scheme rule as the submitted one and the hops can be counted against
``max_redirects``. Address and port checks need no repeating per hop: every new connection
goes through :class:`~childsafe.fetch.network.GuardedBackend`, whichever hop opens it.

Each fetch gets its own connection pool. Fetches are independent (the API runs them on a
threadpool), a connection opened for one URL is never lent to another, and no cookies or
connection state outlive the fetch.
"""

from __future__ import annotations

import functools
import ssl
from dataclasses import dataclass, field

import httpx

from childsafe.fetch.errors import FetchError
from childsafe.fetch.network import (
    Deadline,
    GuardedBackend,
    GuardedTransport,
    Resolver,
    system_resolver,
)
from childsafe.fetch.policy import FetchPolicy

#: Longest URL accepted; real image URLs, signed ones included, are far shorter.
MAX_URL_CHARS = 8192


@dataclass(frozen=True)
class Fetched:
    """A fetched body and where it finally came from."""

    #: The body, as sent (no Content-Encoding is accepted, so it is the file itself).
    content: bytes = field(repr=False)
    #: The ``Content-Type`` header, if any; a hint only, the decoder sniffs the bytes.
    content_type: str | None
    #: The URL the body came from, after redirects.
    final_url: str
    #: How many redirects were followed to get there.
    redirects: int

    def __repr__(self) -> str:
        # Never the bytes: reprs end up in logs and tracebacks.
        return (
            f"Fetched({len(self.content)} bytes, content_type={self.content_type!r}, "
            f"redirects={self.redirects})"
        )


class Fetcher:
    """Fetches URLs under one :class:`FetchPolicy`; safe to share between threads.

    ``resolver`` maps ``(host, port)`` to addresses (default: the system's ``getaddrinfo``);
    tests and deployments with their own DNS inject one. ``ssl_context`` verifies servers
    (default: httpx's, with the certifi bundle); pass one that trusts a private CA to fetch
    from an internal CDN over HTTPS.
    """

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        resolver: Resolver | None = None,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.policy = policy if policy is not None else FetchPolicy()
        self._resolver = resolver if resolver is not None else system_resolver
        self._ssl_context = ssl_context if ssl_context is not None else _default_ssl_context()

    def fetch(self, url: str) -> Fetched:
        """GET ``url`` within the policy; raises :class:`FetchError` with the reason if not."""
        policy = self.policy
        deadline = Deadline(policy.timeout_s)
        current = self._parse(url)
        backend = GuardedBackend(policy, self._resolver, deadline)
        transport = GuardedTransport(backend, self._ssl_context, deadline)
        headers = {"User-Agent": policy.user_agent, "Accept-Encoding": "identity"}
        timeout = httpx.Timeout(policy.timeout_s, connect=policy.connect_timeout_s)
        redirects = 0
        with httpx.Client(
            transport=transport,
            headers=headers,
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,  # no proxies, no .netrc credentials from the environment
        ) as client:
            while True:
                try:
                    self._check(current)
                    response = self._send(client, current)
                    try:
                        if response.next_request is not None:
                            if redirects >= policy.max_redirects:
                                raise FetchError(
                                    "too_many_redirects",
                                    f"{current.host} redirected again after {redirects} "
                                    f"redirect(s); the limit is {policy.max_redirects}",
                                    host=current.host,
                                )
                            redirects += 1
                            current = response.next_request.url
                            continue
                        content = self._read(response, deadline)
                    finally:
                        response.close()
                except FetchError as exc:
                    if redirects and exc.reason != "too_many_redirects":
                        raise _after_redirects(exc, redirects) from exc
                    raise
                return Fetched(
                    content=content,
                    content_type=response.headers.get("content-type"),
                    final_url=str(current),
                    redirects=redirects,
                )

    def _parse(self, url: str) -> httpx.URL:
        if len(url) > MAX_URL_CHARS:
            raise FetchError(
                "bad_url", f"URL is {len(url)} characters; the limit is {MAX_URL_CHARS}"
            )
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            raise FetchError("bad_url", f"not a valid URL: {exc}") from None
        if not parsed.scheme:
            raise FetchError("bad_url", "not an absolute URL (it needs a scheme and a host)")
        return parsed

    def _check(self, url: httpx.URL) -> None:
        """URL-level rules, for the submitted URL and every redirect target alike."""
        allowed = self.policy.allowed_schemes
        if url.scheme not in allowed:
            raise FetchError(
                "scheme_not_allowed",
                f"scheme {url.scheme!r} is not allowed (allowed: {', '.join(allowed)})",
                host=url.host or None,
            )
        if not url.host:
            raise FetchError("bad_url", "the URL has no host")
        if url.userinfo:
            # Credentials in submitted URLs would be sent on to whoever they point at.
            raise FetchError(
                "bad_url", "URLs with a user name or password are refused", host=url.host
            )

    def _send(self, client: httpx.Client, url: httpx.URL) -> httpx.Response:
        try:
            return client.send(client.build_request("GET", url), stream=True)
        except httpx.RemoteProtocolError as exc:
            # httpx itself raises this for a Location header that is not a URL.
            raise FetchError("bad_response", f"{url.host}: {exc}", host=url.host) from exc
        except httpx.InvalidURL as exc:
            raise FetchError("bad_url", f"{url.host}: {exc}", host=url.host) from exc

    def _read(self, response: httpx.Response, deadline: Deadline) -> bytes:
        host = response.url.host
        if not response.is_success:
            raise FetchError(
                "http_status",
                f"{host} answered HTTP {response.status_code} {response.reason_phrase}".rstrip(),
                host=host,
                status=response.status_code,
            )
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            # We ask for identity: images are compressed already, and decoding gzip here
            # would let a small download inflate past max_bytes in memory.
            raise FetchError(
                "bad_response",
                f"{host} sent Content-Encoding {encoding!r} although none was accepted",
                host=host,
            )
        limit = self.policy.max_bytes
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise FetchError(
                "too_large",
                f"{host} announces {_size(int(declared))}; the limit is {_size(limit)}",
                host=host,
            )
        body = bytearray()
        for chunk in response.iter_raw():
            body += chunk
            if len(body) > limit:
                raise FetchError(
                    "too_large", f"{host} sent more than the limit of {_size(limit)}", host=host
                )
            if deadline.expired():
                raise FetchError("timeout", deadline.message(host), host=host)
        return bytes(body)


@functools.cache
def _default_ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle takes tens of milliseconds; contexts are safe to share, and
    # httpcore only ever sets the same ALPN list on them.
    return httpx.create_ssl_context()


def _after_redirects(exc: FetchError, redirects: int) -> FetchError:
    """``exc`` with the redirect count in its message: the refused host was not the one asked."""
    return FetchError(
        exc.reason,
        f"{exc.message} (after {redirects} redirect{'s' if redirects > 1 else ''})",
        host=exc.host,
        status=exc.status,
    )


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"
