"""The network layer under httpx: the single place where a fetch resolves names and connects.

httpcore asks its network backend for a TCP stream to ``(host, port)`` for every new
connection, whether for the first request or for a redirect hop. Our backend answers by
resolving the host itself, refusing the whole connection if *any* resolved address is not
allowed, and then connecting to one of exactly those addresses. The address that was checked
is therefore the address connected to: a DNS server that answers differently the second time
(rebinding) gets no second question. TLS is started by httpcore on top of the stream we return,
with the URL's hostname as SNI and for certificate checks, so connecting by IP loses nothing.

Every stream is also bound to the fetch's deadline: each read, write, connect and handshake
may wait only for what is left of the total time, so a server that drips one byte at a time
cannot stretch a fetch past its limit the way per-read timeouts alone would allow.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from ipaddress import ip_address
from typing import Any

import httpcore
import httpx

from childsafe.fetch.addresses import IPAddress, normalise, parse_literal, refusal
from childsafe.fetch.errors import FetchError, FetchReason
from childsafe.fetch.policy import FetchPolicy

#: ``resolver(host, port)`` returns the host's addresses as strings and raises ``OSError``
#: (``socket.gaierror``) when the name does not resolve.
Resolver = Callable[[str, int], Iterable[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """The operating system's resolver (``getaddrinfo``), addresses in its preference order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class Deadline:
    """The moment a fetch must be finished by, shared by all its hops and streams."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        return self._end - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def clamp(self, timeout: float | None, expired: type[Exception]) -> float:
        """``timeout`` shortened to the time left; raises ``expired`` when none is left."""
        remaining = self.remaining()
        if remaining <= 0:
            raise expired(f"the total time limit of {self.seconds:g} s ran out")
        return remaining if timeout is None else min(timeout, remaining)

    def message(self, host: str) -> str:
        return f"{host}: the fetch did not finish within the total time limit of {self.seconds:g} s"


class GuardedBackend(httpcore.NetworkBackend):
    """Resolves, checks and connects; nothing else in a fetch opens a socket."""

    def __init__(self, policy: FetchPolicy, resolver: Resolver, deadline: Deadline) -> None:
        self._policy = policy
        self._resolver = resolver
        self._deadline = deadline
        self._sockets = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self.admit(host, port)
        limit = self._policy.connect_timeout_s if timeout is None else timeout
        failures: list[str] = []
        timed_out = 0
        for ip in addresses:
            try:
                stream = self._sockets.connect_tcp(
                    str(ip),
                    port,
                    timeout=self._deadline.clamp(limit, httpcore.ConnectTimeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectTimeout:
                timed_out += 1
                failures.append(f"{ip}: no answer within {limit:g} s")
            except httpcore.ConnectError as exc:
                failures.append(f"{ip}: {exc}")
            else:
                return DeadlineStream(stream, self._deadline)
        if self._deadline.expired():
            raise FetchError("timeout", self._deadline.message(host), host=host)
        reason: FetchReason = "timeout" if timed_out == len(addresses) else "connection_failed"
        raise FetchError(
            reason, f"could not connect to {host} port {port} ({'; '.join(failures)})", host=host
        )

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        # Never configured; refusing keeps this class the only way out of the process.
        raise FetchError("connection_failed", "fetching over unix sockets is not supported")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def admit(self, host: str, port: int) -> list[IPAddress]:
        """The addresses ``host`` may be reached at, all checked; raises ``FetchError``."""
        if not self._policy.port_allowed(port):
            allowed = ", ".join(map(str, self._policy.allowed_ports or ()))
            raise FetchError(
                "port_not_allowed",
                f"refused {host} port {port}: only ports {allowed} are allowed",
                host=host,
            )
        try:
            literal = parse_literal(host)
        except ValueError as exc:
            raise FetchError("bad_url", f"bad host in URL: {exc}", host=host) from None
        addresses = [literal] if literal is not None else self._resolve(host, port)
        for ip in addresses:
            why = refusal(ip, self._policy.networks)
            if why is not None:
                shown = normalise(ip)
                if literal is None:
                    what = f"it resolves to {shown}, {why}"
                elif str(shown) != host:
                    what = f"it means {shown}, {why}"
                else:
                    what = f"it is {why}"
                raise FetchError(
                    "address_not_allowed",
                    f"refused {host}: {what}; only publicly routable addresses and the "
                    "configured allow_networks may be fetched from",
                    host=host,
                )
        return list(dict.fromkeys(normalise(ip) for ip in addresses))

    def _resolve(self, host: str, port: int) -> list[IPAddress]:
        try:
            names = _resolve_within(self._resolver, host, port, self._deadline)
        except OSError as exc:
            detail = exc.strerror or str(exc) or type(exc).__name__
            raise FetchError("dns_failed", f"cannot resolve {host}: {detail}", host=host) from exc
        addresses = []
        for name in names:
            try:
                addresses.append(ip_address(name))
            except ValueError:
                raise FetchError(
                    "dns_failed", f"resolving {host} gave {name!r}, not an IP address", host=host
                ) from None
        if not addresses:
            raise FetchError("dns_failed", f"{host} has no addresses", host=host)
        return addresses


def _resolve_within(resolver: Resolver, host: str, port: int, deadline: Deadline) -> list[str]:
    # getaddrinfo cannot be interrupted and takes as long as the slowest name server it
    # asks, which an attacker can own. Waiting on a thread keeps the deadline; a lookup
    # that outlives it finishes on its own and is discarded.
    remaining = deadline.remaining()
    if remaining <= 0:
        raise FetchError("timeout", deadline.message(host), host=host)
    answer: list[list[str]] = []
    failure: list[BaseException] = []
    done = threading.Event()

    def lookup() -> None:
        try:
            answer.append(list(resolver(host, port)))
        except BaseException as exc:
            failure.append(exc)
        finally:
            done.set()

    threading.Thread(target=lookup, name="childsafe-fetch-dns", daemon=True).start()
    if not done.wait(remaining):
        raise FetchError("timeout", deadline.message(host), host=host)
    if failure:
        raise failure[0]
    return answer[0]


class DeadlineStream(httpcore.NetworkStream):
    """A stream whose every wait is cut to the time left before the fetch's deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        limit = self._deadline.clamp(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, limit), self._deadline
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedTransport(httpx.BaseTransport):
    """httpx's transport over an httpcore pool that connects only through :class:`GuardedBackend`.

    httpx's own ``HTTPTransport`` does not take a network backend, hence this small twin of
    it; it also turns httpcore's errors into :class:`FetchError` so callers see one error type.
    """

    def __init__(
        self, backend: GuardedBackend, ssl_context: ssl.SSLContext, deadline: Deadline
    ) -> None:
        self._deadline = deadline
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context, http1=True, http2=False, retries=0, network_backend=backend
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        host = request.url.host
        with self._errors(host):
            response = self._pool.handle_request(core_request)
        assert isinstance(response.stream, Iterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream, lambda: self._errors(host)),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()

    @contextmanager
    def _errors(self, host: str) -> Iterator[None]:
        try:
            yield
        except httpcore.TimeoutException as exc:
            message = (
                self._deadline.message(host)
                if self._deadline.expired()
                else f"{host}: timed out ({type(exc).__name__})"
            )
            raise FetchError("timeout", message, host=host) from exc
        except httpcore.ProtocolError as exc:
            raise FetchError(
                "bad_response", f"{host} did not answer with valid HTTP/1.1: {exc}", host=host
            ) from exc
        except httpcore.NetworkError as exc:
            raise FetchError(
                "connection_failed", f"connection to {host} failed: {exc}", host=host
            ) from exc
        except httpcore.UnsupportedProtocol as exc:
            raise FetchError("scheme_not_allowed", f"{host}: {exc}", host=host) from exc


class _ResponseStream(httpx.SyncByteStream):
    def __init__(
        self, inner: Iterable[bytes], errors: Callable[[], AbstractContextManager[None]]
    ) -> None:
        self._inner = inner
        self._errors = errors

    def __iter__(self) -> Iterator[bytes]:
        with self._errors():
            yield from self._inner

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()
