"""Size and time limits: bodies that are too big, and servers or name servers that are too slow.

The time limit is a deadline for the whole fetch, so the tests use servers that never trip a
per-read timeout (one byte at a time, one slow redirect after another) and check that the
fetch still ends on time. Deadlines are a few tenths of a second to keep the suite quick.
"""

from __future__ import annotations

import time

import pytest

from childsafe.fetch import Fetcher, FetchError, FetchPolicy
from tests.fetch.conftest import Handler, Route, Serve, refused

# --- size limits ---------------------------------------------------------------------------

SMALL = FetchPolicy(allow_networks=("127.0.0.1/32",), allowed_ports=None, max_bytes=1000)


def test_declared_length_over_the_limit_is_refused_before_reading(serve: Serve) -> None:
    server = serve({"/big": lambda h: h.reply(200, b"x" * 5000)})
    error = refused(Fetcher(SMALL), server.url("/big"))
    assert error.reason == "too_large"
    assert "announces" in error.message and "1000 bytes" in error.message


def unannounced(h: Handler) -> None:
    h.send_response(200)
    h.end_headers()  # HTTP/1.0 without Content-Length: the body ends when the server closes
    h.wfile.write(b"x" * 5000)


def chunked(h: Handler) -> None:
    h.protocol_version = "HTTP/1.1"
    h.send_response(200)
    h.send_header("Transfer-Encoding", "chunked")
    h.send_header("Connection", "close")
    h.end_headers()
    for _ in range(10):
        h.wfile.write(b"200\r\n" + b"x" * 0x200 + b"\r\n")
    h.wfile.write(b"0\r\n\r\n")


@pytest.mark.parametrize("route", [unannounced, chunked])
def test_body_over_the_limit_without_length_is_cut_off(route: Route, serve: Serve) -> None:
    server = serve({"/big": route})
    error = refused(Fetcher(SMALL), server.url("/big"))
    assert error.reason == "too_large"
    assert "more than" in error.message


def test_understated_length_cannot_smuggle_more_bytes(serve: Serve) -> None:
    def liar(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "10")
        h.end_headers()
        h.wfile.write(b"x" * 5000)

    server = serve({"/liar": liar})
    assert Fetcher(SMALL).fetch(server.url("/liar")).content == b"x" * 10


def test_body_at_the_limit_is_accepted(serve: Serve) -> None:
    server = serve({"/ok": lambda h: h.reply(200, b"x" * 1000)})
    assert Fetcher(SMALL).fetch(server.url("/ok")).content == b"x" * 1000


# --- the total deadline --------------------------------------------------------------------


def quick(timeout_s: float) -> FetchPolicy:
    return FetchPolicy(allow_networks=("127.0.0.1/32",), allowed_ports=None, timeout_s=timeout_s)


def assert_times_out(fetcher: Fetcher, url: str, limit: float) -> FetchError:
    start = time.monotonic()
    error = refused(fetcher, url)
    elapsed = time.monotonic() - start
    assert error.reason == "timeout", error.message
    assert limit * 0.9 <= elapsed < limit + 1.0  # slack for busy machines only
    return error


def test_slow_drip_body_hits_the_total_deadline(serve: Serve) -> None:
    def drip(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "100000")
        h.end_headers()
        for _ in range(100):
            h.wfile.write(b"x")
            h.wfile.flush()
            if h.server.stopping.wait(0.05):
                return

    server = serve({"/drip": drip})
    error = assert_times_out(Fetcher(quick(0.5)), server.url("/drip"), 0.5)
    assert "0.5 s" in error.message


@pytest.mark.parametrize("headers_first", [True, False])
def test_stalled_server_hits_the_total_deadline(headers_first: bool, serve: Serve) -> None:
    def stall(h: Handler) -> None:
        if headers_first:
            h.send_response(200)
            h.end_headers()
            h.wfile.flush()
        h.server.stopping.wait(5)

    server = serve({"/stall": stall})
    assert_times_out(Fetcher(quick(0.3)), server.url("/stall"), 0.3)


def test_deadline_spans_redirects(serve: Serve) -> None:
    def hop(h: Handler) -> None:
        h.server.stopping.wait(0.1)
        h.redirect(f"/hop{len(h.server.requests)}")

    server = serve({})
    server.routes.update({f"/hop{i}": hop for i in range(20)})
    policy = FetchPolicy(
        allow_networks=("127.0.0.1/32",), allowed_ports=None, timeout_s=0.3, max_redirects=20
    )
    assert_times_out(Fetcher(policy), server.url("/hop0"), 0.3)


def test_slow_dns_hits_the_total_deadline() -> None:
    def slow(host: str, port: int) -> list[str]:
        time.sleep(1.0)
        return ["127.0.0.1"]

    assert_times_out(Fetcher(quick(0.3), slow), "http://slow.test/", 0.3)
