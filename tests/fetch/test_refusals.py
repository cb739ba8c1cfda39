"""Refusals that are not about addresses: schemes, malformed URLs, ports, statuses, failures."""

from __future__ import annotations

import socket

import pytest

from childsafe.fetch import Fetcher, FetchPolicy
from tests.fetch.conftest import ALLOW_LOOPBACK, Connections, FakeResolver, Handler, Serve, refused

# --- other refusals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["file:///cat.png", "gopher://public.test/", "ftp://public.test/a.png", "data:,hello"],
)
def test_other_schemes_are_refused(url: str, connections: Connections) -> None:
    resolver = FakeResolver({})
    assert refused(Fetcher(ALLOW_LOOPBACK, resolver), url).reason == "scheme_not_allowed"
    assert connections == [] and resolver.calls == []


def test_https_only_policy_refuses_http(connections: Connections) -> None:
    policy = FetchPolicy(allowed_schemes=("https",))
    assert refused(Fetcher(policy), "http://public.test/").reason == "scheme_not_allowed"
    assert connections == []


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a url",
        "/relative/path.png",
        "http://",
        "http://user:secret@public.test/",
        "http://1.2.3.4.5/",
        "http://256.1.1.1/",
        "http://public.test/" + "a" * 9000,
    ],
)
def test_bad_urls(url: str, connections: Connections) -> None:
    resolver = FakeResolver({"public.test": ["127.0.0.1"]})
    assert refused(Fetcher(ALLOW_LOOPBACK, resolver), url).reason == "bad_url"
    assert connections == [] and resolver.calls == []


def test_ports_are_limited_even_on_allowlisted_networks(
    serve: Serve, connections: Connections
) -> None:
    server = serve(
        {"/": lambda h: h.reply(200, b"ok"), "/go": lambda h: h.redirect("http://127.0.0.1:6379/")}
    )
    restricted = FetchPolicy(allow_networks=("127.0.0.1/32",))
    error = refused(Fetcher(restricted), server.url("/"))
    assert error.reason == "port_not_allowed"
    assert str(server.port) in error.message and "8443" in error.message
    assert connections == []

    opened = FetchPolicy(allow_networks=("127.0.0.1/32",), allowed_ports=(server.port,))
    assert refused(Fetcher(opened), server.url("/go")).reason == "port_not_allowed"
    assert connections == [("127.0.0.1", server.port)]


@pytest.mark.parametrize("status", [404, 500])
def test_error_status(status: int, serve: Serve) -> None:
    server = serve({"/x": lambda h: h.reply(status, b"nope")})
    error = refused(Fetcher(ALLOW_LOOPBACK), server.url("/x"))
    assert error.reason == "http_status"
    assert error.status == status
    assert str(status) in error.message


def test_unresolvable_name() -> None:
    error = refused(Fetcher(ALLOW_LOOPBACK, FakeResolver({})), "http://nowhere.test/")
    assert error.reason == "dns_failed"
    assert "nowhere.test" in error.message
    empty = FakeResolver({"empty.test": []})
    assert refused(Fetcher(ALLOW_LOOPBACK, empty), "http://empty.test/").reason == "dns_failed"


def test_closed_port_is_a_connection_failure() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: connects are refused
        error = refused(Fetcher(ALLOW_LOOPBACK), f"http://127.0.0.1:{port}/")
    assert error.reason == "connection_failed"
    assert str(port) in error.message


def test_garbage_response_is_a_bad_response(serve: Serve) -> None:
    def garbage(h: Handler) -> None:
        h.wfile.write(b"this is not HTTP\r\n\r\n")

    server = serve({"/": garbage})
    assert refused(Fetcher(ALLOW_LOOPBACK), server.url("/")).reason == "bad_response"


def test_system_resolver_is_the_default(serve: Serve, connections: Connections) -> None:
    # "localhost" through the real resolver: refused by default, whatever it resolves to.
    error = refused(Fetcher(FetchPolicy(allowed_ports=None)), "http://localhost:1/")
    assert error.reason == "address_not_allowed"
    assert connections == []


def test_compressed_responses_are_refused(serve: Serve) -> None:
    server = serve({"/gz": lambda h: h.reply(200, b"\x1f\x8b", {"Content-Encoding": "gzip"})})
    assert refused(Fetcher(ALLOW_LOOPBACK), server.url("/gz")).reason == "bad_response"
