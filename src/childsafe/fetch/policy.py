"""What a fetch may do: where it may connect, how much it may read, how long it may take.

Ports and networks are separate knobs on purpose. Allowlisting an internal CDN's network
should let the fetcher read images from its web port, not reach every other service on the
same hosts (a cache on 6379, an admin UI on 8081); an operator whose CDN listens on 9000 adds
9000 to ``allowed_ports`` as well. Restricting ports also keeps the service from being used
to probe arbitrary TCP services on public hosts.

The policy validates itself when built, so a typo in configuration fails at start-up rather
than on the first fetch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import ip_network

from childsafe import __version__
from childsafe.fetch.addresses import IPNetwork

#: Schemes the transport can speak at all; ``allowed_schemes`` narrows these.
SUPPORTED_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for fetching one URL, shared by every fetch of a :class:`Fetcher`."""

    #: Largest body accepted, in bytes (after which the download is abandoned).
    max_bytes: int = 100 * 1024 * 1024
    #: Total time for the whole fetch: DNS, connects, TLS, every redirect hop and the body.
    timeout_s: float = 10.0
    #: Longest wait for one TCP connect (and TLS handshake), within ``timeout_s``.
    connect_timeout_s: float = 3.0
    #: Redirects followed before giving up; 0 refuses any redirect.
    max_redirects: int = 5
    #: CIDRs that may be fetched from although they are not globally routable (an internal
    #: CDN, or loopback in tests). Metadata endpoints and unspecified addresses stay refused.
    allow_networks: tuple[str, ...] = ()
    #: URL schemes accepted, a subset of ``("http", "https")``; redirects are held to it too.
    allowed_schemes: tuple[str, ...] = SUPPORTED_SCHEMES
    #: Destination ports accepted, for every host; ``None`` accepts any port.
    allowed_ports: tuple[int, ...] | None = (80, 443, 8080, 8443)
    #: ``User-Agent`` header sent with every request.
    user_agent: str = f"childsafe/{__version__}"
    #: ``allow_networks`` parsed, for the address checks.
    networks: tuple[IPNetwork, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Configuration often arrives as lists; keep the frozen policy hashable.
        schemes = tuple(s.lower() for s in self.allowed_schemes)
        ports = None if self.allowed_ports is None else tuple(self.allowed_ports)
        object.__setattr__(self, "allow_networks", tuple(self.allow_networks))
        object.__setattr__(self, "allowed_schemes", schemes)
        object.__setattr__(self, "allowed_ports", ports)

        if self.max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, not {self.max_bytes}")
        if self.timeout_s <= 0 or self.connect_timeout_s <= 0:
            raise ValueError("timeout_s and connect_timeout_s must be positive")
        if self.max_redirects < 0:
            raise ValueError(f"max_redirects must be 0 or more, not {self.max_redirects}")
        unknown = [s for s in schemes if s not in SUPPORTED_SCHEMES]
        if unknown or not schemes:
            raise ValueError(
                f"allowed_schemes must be a non-empty subset of {SUPPORTED_SCHEMES}, "
                f"not {self.allowed_schemes!r}"
            )
        if ports is not None and any(not 0 < p < 65536 for p in ports):
            raise ValueError(f"allowed_ports must be TCP ports (1-65535), not {ports!r}")

        networks = []
        for cidr in self.allow_networks:
            try:
                networks.append(ip_network(cidr))
            except ValueError as exc:
                raise ValueError(f"allow_networks entry {cidr!r} is not a network: {exc}") from None
        object.__setattr__(self, "networks", tuple(networks))

    def port_allowed(self, port: int) -> bool:
        return self.allowed_ports is None or port in self.allowed_ports
