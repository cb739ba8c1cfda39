"""The address rule and literal-host parsing, without any network.

Publicly routable addresses are never written down here (fixtures use documentation ranges
only); the "allowed" side of the rule is checked against the standard library's ``is_global``
on random addresses instead.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network

import pytest
from hypothesis import given
from hypothesis import strategies as st

from childsafe.fetch import FetchPolicy
from childsafe.fetch.addresses import parse_literal, refusal


@pytest.mark.parametrize(
    ("address", "phrase"),
    [
        ("127.0.0.1", "loopback"),
        ("127.9.9.9", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("100.100.100.200", "metadata"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("233.252.0.1", "multicast"),
        ("ff0e::1", "multicast"),
        ("255.255.255.255", "broadcast"),
        ("240.0.0.1", "not globally routable"),
        ("192.0.2.10", "not globally routable"),
        ("2001:db8::1", "not globally routable"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "metadata"),
        ("2002:7f00:1::", "carrying 127.0.0.1, a loopback"),  # 6to4
        ("2002:a00:1::5", "carrying 10.0.0.1, a private"),
        ("64:ff9b::a9fe:a9fe", "carrying 169.254.169.254"),  # NAT64
        ("64:ff9b::c000:20a", "carrying 192.0.2.10"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "not globally routable"),  # Teredo
        ("::7f00:1", "not globally routable"),  # IPv4-compatible, deprecated
        ("fec0::1", "not globally routable"),  # site-local, deprecated
    ],
)
def test_refused_addresses(address: str, phrase: str) -> None:
    why = refusal(ip_address(address))
    assert why is not None and phrase in why


def test_allow_networks_admit_but_never_metadata_or_unspecified() -> None:
    networks = FetchPolicy(allow_networks=("0.0.0.0/0", "::/0")).networks
    for address in ("127.0.0.1", "10.1.2.3", "192.0.2.10", "::1", "::ffff:10.0.0.1"):
        assert refusal(ip_address(address), networks) is None, address
    for address in ("169.254.169.254", "fd00:ec2::254", "0.0.0.0", "::", "::ffff:0.0.0.0"):
        assert refusal(ip_address(address), networks) is not None, address


def test_allow_networks_are_exact() -> None:
    networks = FetchPolicy(allow_networks=("127.0.0.1/32", "10.20.0.0/16")).networks
    assert refusal(ip_address("10.20.3.4"), networks) is None
    assert refusal(ip_address("10.21.0.1"), networks) is not None
    assert refusal(ip_address("127.0.0.2"), networks) is not None
    assert refusal(ip_address("::ffff:127.0.0.1"), networks) is None  # same host, mapped


@given(st.ip_addresses(v=4))
def test_ipv4_rule_is_global_unicast(ip: IPv4Address) -> None:
    assert (refusal(ip) is None) == (ip.is_global and not ip.is_multicast)


@given(st.ip_addresses(v=6))
def test_ipv6_rule_is_global_unicast_with_routable_embedded_ipv4(ip: IPv6Address) -> None:
    if ip.ipv4_mapped is not None:
        return
    embedded = ip.sixtofour
    if ip in ip_network("64:ff9b::/96"):
        embedded = IPv4Address(int(ip) & 0xFFFFFFFF)
    routed = ip in ip_network("2000::/3") or ip in ip_network("64:ff9b::/96")
    expected = ip.is_global and routed
    if embedded is not None:
        expected = expected and embedded.is_global and not embedded.is_multicast
    assert (refusal(ip) is None) == expected


@given(st.ip_addresses(v=4))
def test_ipv4_mapped_addresses_follow_their_ipv4_host(ip: IPv4Address) -> None:
    mapped = IPv6Address(f"::ffff:{ip}")
    assert refusal(mapped) == refusal(ip)


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0177.0.0.01", "127.0.0.1"),
        ("169.254.43518", "169.254.169.254"),
        ("0xA9.0xFE.0xA9.0xFE", "169.254.169.254"),
        ("192.0.2.10.", "192.0.2.10"),
        ("0", "0.0.0.0"),
        ("::1", "::1"),
        ("::ffff:127.0.0.1", "::ffff:127.0.0.1"),
    ],
)
def test_literal_hosts_in_every_spelling(host: str, address: str) -> None:
    assert parse_literal(host) == ip_address(address)


@pytest.mark.parametrize("host", ["public.test", "example.org", "0x7g.test", "1.2.3.example"])
def test_names_are_not_literals(host: str) -> None:
    assert parse_literal(host) is None


@pytest.mark.parametrize(
    "host", ["1.2.3.4.5", "256.1.1.1", "1.2.3.256", "1.2.65536", "4294967296", "09", "a.1"]
)
def test_numeric_looking_hosts_that_are_not_addresses(host: str) -> None:
    with pytest.raises(ValueError, match="not a valid IPv4 address"):
        parse_literal(host)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_bytes": 0},
        {"timeout_s": 0},
        {"connect_timeout_s": -1},
        {"max_redirects": -1},
        {"allowed_schemes": ("http", "ftp")},
        {"allowed_schemes": ()},
        {"allowed_ports": (0,)},
        {"allow_networks": ("10.0.0.1/8",)},
        {"allow_networks": ("intranet",)},
    ],
)
def test_policy_rejects_bad_configuration(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        FetchPolicy(**kwargs)  # type: ignore[arg-type]


def test_policy_accepts_lists_from_configuration() -> None:
    policy = FetchPolicy(
        allow_networks=["10.20.0.0/16"],  # type: ignore[arg-type]
        allowed_schemes=["HTTPS"],  # type: ignore[arg-type]
        allowed_ports=[443],  # type: ignore[arg-type]
    )
    assert policy.allow_networks == ("10.20.0.0/16",)
    assert policy.allowed_schemes == ("https",)
    assert policy.allowed_ports == (443,)
    assert isinstance(hash(policy), int)
