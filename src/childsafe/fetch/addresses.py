"""Which addresses a fetch may connect to, and which address a URL host names literally.

The rule is "globally routable, or inside an operator's ``allow_networks``". ``is_global``
already encodes IANA's special-purpose registries, so new reserved ranges arrive with Python
upgrades rather than with edits here. On top of it we refuse what ``is_global`` lets through
yet still reaches inside: multicast, and IPv6 forms that carry an IPv4 address (IPv4-mapped,
6to4, NAT64) whose IPv4 part is not routable. A few addresses are refused even when an
allowlist covers them, because no image lives there and a too-broad allowlist must not expose
them: the unspecified addresses (which Linux connects to the local host) and cloud metadata
endpoints (which hand out credentials).

Literal hosts are read the way browsers and ``inet_aton`` read them (``2130706433``,
``0x7f.1``, ``017700000001``, ``127.1``), so an unusual spelling is classified as the address
the network stack would actually connect to instead of being passed to a resolver that might
interpret it differently.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import (
    IPv4Address,
    IPv4Network,
    IPv6Address,
    IPv6Network,
    ip_address,
    ip_network,
)

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

#: Instance-metadata endpoints (AWS/GCP/Azure/OpenStack, AWS IPv6, AWS ECS, Alibaba).
METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "169.254.170.2", "100.100.100.200")
)

_PRIVATE = tuple(
    ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
_SHARED = ip_network("100.64.0.0/10")
_NAT64 = ip_network("64:ff9b::/96")
#: IANA's global unicast allocation; IPv6 outside it (IPv4-compatible ``::a.b.c.d``,
#: deprecated site-local ``fec0::/10``, unallocated space) is not routed on the internet,
#: though some Python versions call parts of it ``is_global``.
_GLOBAL_UNICAST_V6 = ip_network("2000::/3")
_BROADCAST = IPv4Address("255.255.255.255")


def normalise(ip: IPAddress) -> IPAddress:
    """The address a socket really reaches: ``::ffff:a.b.c.d`` is the IPv4 host ``a.b.c.d``."""
    if isinstance(ip, IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def refusal(ip: IPAddress, allowed: Iterable[IPNetwork] = ()) -> str | None:
    """Why ``ip`` must not be connected to, as a phrase for messages; ``None`` if it may.

    ``allowed`` overrides the routability rule only, never the always-refused addresses.
    """
    ip = normalise(ip)
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata endpoint"
    if ip.is_unspecified:
        return "the unspecified address"
    if any(ip.version == net.version and ip in net for net in allowed):
        return None
    return _address_class(ip)


def _address_class(ip: IPAddress) -> str | None:
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip == _BROADCAST:
        return "the broadcast address"
    if ip in _SHARED:
        return "a shared (carrier-grade NAT) address"
    if any(ip.version == net.version and ip in net for net in _PRIVATE):
        return "a private address"
    if not ip.is_global or (
        isinstance(ip, IPv6Address) and ip not in _GLOBAL_UNICAST_V6 and ip not in _NAT64
    ):
        return "a special-purpose address that is not globally routable"
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        inner = _address_class(embedded)
        if inner is not None:
            return f"an IPv6 address carrying {embedded}, {inner}"
    return None


def _embedded_ipv4(ip: IPAddress) -> IPv4Address | None:
    """The IPv4 host a 6to4 or NAT64 address is translated to on the way out."""
    if not isinstance(ip, IPv6Address):
        return None
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def parse_literal(host: str) -> IPAddress | None:
    """The address ``host`` spells out, or ``None`` if it is a name to resolve.

    Raises ``ValueError`` for hosts that look numeric but are not a valid address
    (``1.2.3.4.5``, ``256.1.1.1``): browsers refuse those too, and sending them to a resolver
    would leave their meaning to the platform.
    """
    try:
        return ip_address(host)
    except ValueError:
        pass
    return _parse_ipv4_like_a_browser(host)


def _parse_ipv4_like_a_browser(host: str) -> IPv4Address | None:
    # The WHATWG URL standard's IPv4 parser: a host whose last label is a number is an IPv4
    # address, each label in decimal, octal (leading 0) or hex (0x), the last one filling the
    # remaining bytes. This is also what inet_aton accepts.
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    last = parts[-1]
    if not (last.isascii() and last.isdigit()) and _parse_number(last) is None:
        return None
    numbers = [_parse_number(p) for p in parts]
    if len(numbers) > 4 or any(n is None for n in numbers):
        raise ValueError(f"{host!r} is not a valid IPv4 address")
    values = [n for n in numbers if n is not None]
    *head, tail = values
    if any(n > 255 for n in head) or tail >= 256 ** (5 - len(values)):
        raise ValueError(f"{host!r} is not a valid IPv4 address")
    value = tail
    for i, n in enumerate(head):
        value += n * 256 ** (3 - i)
    return IPv4Address(value)


def _parse_number(label: str) -> int | None:
    if label[:2].lower() == "0x":
        digits, base = label[2:], 16
        if digits == "":
            return 0
    elif len(label) > 1 and label.startswith("0"):
        digits, base = label[1:], 8
    else:
        digits, base = label, 10
    if digits == "" or not digits.isascii() or not digits.isalnum():
        return None
    try:
        return int(digits, base)
    except ValueError:
        return None
