"""Fetching against real local servers: what is refused, when, and what gets through.

Loopback plays both parts. ``127.0.0.1/32`` is allowlisted and stands in for "the public
internet"; every other address (``127.0.0.2``, metadata, private ranges) is what an attacker
wants to reach. Refusals are checked for their ``reason`` and for the absence of any
connection, since a guard that connects first and complains later has already done the harm.
"""

from __future__ import annotations

import pytest

from childsafe.fetch import Fetcher, FetchPolicy
from tests.factories.images import encode, gradient
from tests.fetch.conftest import (
    ALLOW_LOOPBACK,
    Connections,
    FakeResolver,
    Handler,
    Serve,
    loopback_alias_available,
    refused,
)

PNG = encode(gradient(64, 48), "PNG")

needs_loopback_alias = pytest.mark.skipif(
    not loopback_alias_available(), reason="127.0.0.2 is not a loopback address here"
)


def image(h: Handler) -> None:
    h.reply(200, PNG, {"Content-Type": "image/png"})


# --- what gets through ---------------------------------------------------------------------


def test_allowlisted_local_image_is_fetched(serve: Serve, connections: Connections) -> None:
    server = serve({"/cat.png": image})
    got = Fetcher(ALLOW_LOOPBACK).fetch(server.url("/cat.png"))
    assert got.content == PNG
    assert got.content_type == "image/png"
    assert got.final_url == server.url("/cat.png")
    assert got.redirects == 0
    assert connections == [("127.0.0.1", server.port)]
    assert "bytes" in repr(got) and "\\x89PNG" not in repr(got)


def test_redirects_within_the_policy_are_followed(serve: Serve) -> None:
    resolver = FakeResolver({"public.test": ["127.0.0.1"]})
    server = serve({})
    server.routes.update(
        {
            "/start": lambda h: h.redirect("/middle", 301),
            "/middle": lambda h: h.redirect(server.url("/img.png", host="public.test"), 307),
            "/img.png": image,
        }
    )
    got = Fetcher(ALLOW_LOOPBACK, resolver).fetch(server.url("/start"))
    assert got.content == PNG
    assert got.redirects == 2
    assert got.final_url == server.url("/img.png", host="public.test")
    assert resolver.calls == ["public.test"]


# --- addresses refused before connecting ---------------------------------------------------

INTERNAL_HOSTS = [
    "127.0.0.1",
    "localhost",
    "[::1]",
    "2130706433",  # 127.0.0.1 as one decimal number
    "017700000001",  # ... in octal
    "0x7f.1",  # ... in hex, short form
    "127.1",
    "[::ffff:127.0.0.1]",  # IPv4-mapped IPv6
    "0.0.0.0",
    "[::]",
    "169.254.169.254",
    "[fd00:ec2::254]",
    "metadata.test",  # a name that resolves to the metadata endpoint
    "10.0.0.5",
    "100.64.1.1",
    "[fe80::1]",
    "[2002:7f00:1::]",  # 6to4 wrapping 127.0.0.1
]


@pytest.mark.parametrize("host", INTERNAL_HOSTS)
def test_default_policy_refuses_internal_addresses(
    host: str, serve: Serve, connections: Connections
) -> None:
    server = serve({"/": image})
    resolver = FakeResolver(
        {"localhost": ["127.0.0.1", "::1"], "metadata.test": ["169.254.169.254"]}
    )
    fetcher = Fetcher(FetchPolicy(allowed_ports=None), resolver)
    error = refused(fetcher, f"http://{host}:{server.port}/")
    assert error.reason == "address_not_allowed"
    assert connections == []
    assert server.connections == 0
    if not host[0].isalpha():
        assert resolver.calls == [], "a literal address must never go to the resolver"


def test_refusal_names_host_address_and_class() -> None:
    resolver = FakeResolver({"metadata.test": ["169.254.169.254"]})
    error = refused(Fetcher(resolver=resolver), "http://metadata.test/latest/")
    assert "metadata.test: it resolves to 169.254.169.254" in error.message
    assert "metadata" in error.message
    assert error.host == "metadata.test"
    assert "loopback" in refused(Fetcher(), "http://2130706433/").message
    assert "127.0.0.1" in refused(Fetcher(), "http://2130706433/").message


@needs_loopback_alias
def test_allowlist_is_exact(serve: Serve, connections: Connections) -> None:
    other = serve({"/": image}, host="127.0.0.2")
    error = refused(Fetcher(ALLOW_LOOPBACK), other.url("/"))
    assert error.reason == "address_not_allowed"
    assert connections == [] and other.connections == 0


# --- redirects -----------------------------------------------------------------------------


@needs_loopback_alias
def test_redirect_to_a_disallowed_address_is_refused(
    serve: Serve, connections: Connections
) -> None:
    inside = serve({"/": image}, host="127.0.0.2")
    outside = serve({"/go": lambda h: h.redirect(inside.url("/"))})
    error = refused(Fetcher(ALLOW_LOOPBACK), outside.url("/go"))
    assert error.reason == "address_not_allowed"
    assert "after 1 redirect" in error.message
    assert inside.connections == 0
    assert connections == [("127.0.0.1", outside.port)]


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://2130706434/",  # 127.0.0.2: only 127.0.0.1 is allowlisted
        "http://internal.test/",
    ],
)
def test_redirect_to_internal_targets_is_refused(
    target: str, serve: Serve, connections: Connections
) -> None:
    resolver = FakeResolver({"internal.test": ["10.1.2.3"]})
    server = serve({"/go": lambda h: h.redirect(target)})
    error = refused(Fetcher(ALLOW_LOOPBACK, resolver), server.url("/go"))
    assert error.reason == "address_not_allowed"
    assert connections == [("127.0.0.1", server.port)]


@pytest.mark.parametrize(
    "target", ["file:///cat.png", "gopher://127.0.0.1:70/", "ftp://public.test/x"]
)
def test_redirect_to_another_scheme_is_refused(target: str, serve: Serve) -> None:
    server = serve({"/go": lambda h: h.redirect(target)})
    error = refused(Fetcher(ALLOW_LOOPBACK), server.url("/go"))
    assert error.reason == "scheme_not_allowed"
    assert "after 1 redirect" in error.message


def test_too_many_redirects(serve: Serve) -> None:
    def onwards(h: Handler) -> None:
        h.redirect(f"/r{len(h.server.requests)}")

    server = serve({f"/r{i}": onwards for i in range(10)})
    policy = FetchPolicy(allow_networks=("127.0.0.1/32",), allowed_ports=None, max_redirects=3)
    error = refused(Fetcher(policy), server.url("/r0"))
    assert error.reason == "too_many_redirects"
    assert "3" in error.message
    assert server.requests == ["/r0", "/r1", "/r2", "/r3"]


def test_zero_redirects_allowed(serve: Serve) -> None:
    server = serve({"/go": lambda h: h.redirect("/img"), "/img": image})
    policy = FetchPolicy(allow_networks=("127.0.0.1/32",), allowed_ports=None, max_redirects=0)
    assert refused(Fetcher(policy), server.url("/go")).reason == "too_many_redirects"


# --- DNS rebinding -------------------------------------------------------------------------


@needs_loopback_alias
def test_rebinding_name_connects_only_where_it_was_checked(
    serve: Serve, connections: Connections
) -> None:
    # A name server that answers "allowed" first and "internal" afterwards. A guard that
    # checks one lookup and lets the HTTP client do another would connect to 127.0.0.2.
    good = serve({"/": image, "/again": lambda h: h.redirect("/")})
    evil = serve({"/": image}, host="127.0.0.2", port=good.port)
    answers = iter([["127.0.0.1"]])
    resolver = FakeResolver({"rebind.test": lambda: next(answers, ["127.0.0.2"])})

    got = Fetcher(ALLOW_LOOPBACK, resolver).fetch(good.url("/", host="rebind.test"))
    assert got.content == PNG
    assert resolver.calls == ["rebind.test"]  # one lookup, used for the check and the connect
    assert connections == [("127.0.0.1", good.port)]

    # A redirect back to the same name opens a new connection, which asks again and is refused.
    answers = iter([["127.0.0.1"]])
    error = refused(Fetcher(ALLOW_LOOPBACK, resolver), good.url("/again", host="rebind.test"))
    assert error.reason == "address_not_allowed"
    assert "127.0.0.2" in error.message
    assert evil.connections == 0
    assert set(connections) == {("127.0.0.1", good.port)}


@pytest.mark.parametrize(
    "answer", [["127.0.0.1", "127.0.0.2"], ["127.0.0.2", "127.0.0.1"], ["127.0.0.1", "::1"]]
)
def test_a_name_with_any_disallowed_address_is_refused_entirely(
    answer: list[str], serve: Serve, connections: Connections
) -> None:
    server = serve({"/": image})
    resolver = FakeResolver({"mixed.test": answer})
    error = refused(Fetcher(ALLOW_LOOPBACK, resolver), server.url("/", host="mixed.test"))
    assert error.reason == "address_not_allowed"
    assert connections == [] and server.connections == 0
