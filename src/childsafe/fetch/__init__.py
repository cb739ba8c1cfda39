"""Fetching a URL for scanning without letting the URL reach inside the network (SSRF guard).

A submitted URL is attacker-chosen. The fetcher refuses loopback, private, link-local, metadata
and other non-public addresses however they are spelled, after every redirect and whatever a
name server answers the second time, and keeps to size and total-time limits.
"""

from childsafe.fetch.errors import REASONS, FetchError, FetchReason
from childsafe.fetch.fetcher import Fetched, Fetcher
from childsafe.fetch.network import Resolver, system_resolver
from childsafe.fetch.policy import FetchPolicy

__all__ = [
    "REASONS",
    "FetchError",
    "FetchPolicy",
    "FetchReason",
    "Fetched",
    "Fetcher",
    "Resolver",
    "system_resolver",
]
