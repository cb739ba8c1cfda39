"""Local HTTP servers, a fake resolver and a connection recorder for the fetcher's tests.

Servers listen on loopback addresses with ephemeral ports and answer from a table of routes,
so each test states exactly what the "remote" side does. Names like ``public.test`` resolve
through :class:`FakeResolver`, never through DNS. :func:`connections` records every outgoing
``connect()`` in the process, which is how tests prove that a refusal happened before any
connection was opened and that a fetch connected only where it was allowed to.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from childsafe.fetch import REASONS, Fetcher, FetchError, FetchPolicy

#: Loopback stands in for "the internet": allowed, on any port; everything else is refused.
ALLOW_LOOPBACK = FetchPolicy(allow_networks=("127.0.0.1/32",), allowed_ports=None)

Route = Callable[["Handler"], None]
Connections = list[tuple[str, int]]


class Handler(BaseHTTPRequestHandler):
    server: LocalServer
    protocol_version = "HTTP/1.0"  # one request per connection: every hop is a new connect

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        route = self.server.routes.get(self.path.split("?")[0])
        if route is None:
            self.reply(404, b"not found")
        else:
            route(self)

    def reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        headers = {"Content-Length": str(len(body)), **(headers or {})}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str, status: int = 302) -> None:
        self.reply(status, headers={"Location": location})

    def log_message(self, format: str, *args: Any) -> None:
        pass


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    scheme = "http"

    def __init__(self, host: str, port: int, routes: dict[str, Route]) -> None:
        super().__init__((host, port), Handler)
        self.host = host
        self.routes = routes
        self.requests: list[str] = []
        self.connections = 0
        self.stopping = threading.Event()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, path: str = "/", host: str | None = None) -> str:
        return f"{self.scheme}://{host or self.host}:{self.port}{path}"

    def process_request(self, request: Any, client_address: Any) -> None:
        self.connections += 1
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up on slow handlers is what several tests do on purpose


@pytest.fixture
def serve() -> Iterator[Callable[..., LocalServer]]:
    """``serve(routes, host="127.0.0.1", port=0, tls=None)`` starts a server for the test."""
    servers: list[LocalServer] = []

    def start(
        routes: dict[str, Route],
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> LocalServer:
        server = LocalServer(host, port, routes)
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
            server.scheme = "https"
        servers.append(server)
        threading.Thread(target=server.serve_forever, args=(0.005,), daemon=True).start()
        return server

    yield start
    for server in servers:
        server.stopping.set()
        server.shutdown()
        server.server_close()


class FakeResolver:
    """Resolves names from a table; a value may be a callable for answers that change."""

    def __init__(self, table: dict[str, list[str] | Callable[[], list[str]]]) -> None:
        self.table = table
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        answer = self.table.get(host)
        if answer is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return answer() if callable(answer) else list(answer)


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> Connections:
    """Every address a socket in this process connects to during the test."""
    seen: Connections = []
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        seen.append((str(address[0]), int(address[1])))
        real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


def loopback_alias_available() -> bool:
    """Whether 127.0.0.2 can be bound (Linux routes all of 127/8 to loopback; macOS does not)."""
    try:
        with socket.socket() as s:
            s.bind(("127.0.0.2", 0))
    except OSError:
        return False
    return True


Serve = Callable[..., LocalServer]


def refused(fetcher: Fetcher, url: str) -> FetchError:
    """The error fetching ``url`` raises; the test fails if it does not raise one."""
    with pytest.raises(FetchError) as info:
        fetcher.fetch(url)
    assert info.value.reason in REASONS
    return info.value
