"""Checks on what operators type in: webhook names, URLs, event lists and secrets.

Everything is validated before a transaction starts, so a typo costs no database work and the
error names the field and the fix instead of surfacing as a constraint violation.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from childsafe.actions.errors import (
    InvalidWebhookName,
    InvalidWebhookSecret,
    InvalidWebhookUrl,
    UnknownEvent,
)
from childsafe.actions.events import EVENTS

WEBHOOK_NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
URL_MAX = 2048
#: Generated secrets: a recognisable marker (easy to grep for, and for secret scanners to
#: register) and 32 random bytes, which is what HMAC-SHA256 needs to be at full strength.
SECRET_MARKER = "whsec_"  # noqa: S105 (a prefix, not a secret)
SECRET_BYTES = 32
SECRET_MIN = 16
SECRET_MAX = 128  # the column's width
_SECRET_RE = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no spaces: survives copy and paste


def webhook_name(name: object) -> str:
    if not isinstance(name, str) or not WEBHOOK_NAME_RE.fullmatch(name):
        raise InvalidWebhookName(name)
    return name


def webhook_url(url: object) -> str:
    """An absolute http(s) URL with a host and no credentials.

    Credentials are refused because URLs are shown in listings and the audit log; the
    signature is what authenticates childsafe to the receiver. No address check is made: see
    :mod:`childsafe.actions.dispatcher` for why internal addresses are allowed.
    """
    if not isinstance(url, str) or not url:
        raise InvalidWebhookUrl(url, "give an absolute http:// or https:// URL")
    if len(url) > URL_MAX:
        raise InvalidWebhookUrl(url[:60] + "…", f"longer than {URL_MAX} characters")
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise InvalidWebhookUrl(url, "contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port  # parses, and range-checks, the port
    except ValueError as e:
        raise InvalidWebhookUrl(url, str(e)) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidWebhookUrl(url, "the scheme must be http or https")
    if not parts.hostname:
        raise InvalidWebhookUrl(url, "it has no host")
    if parts.username is not None or parts.password is not None:
        raise InvalidWebhookUrl(
            url.replace(parts.netloc, parts.netloc.rpartition("@")[2]),
            "credentials in the URL would be shown in listings and logs; receivers "
            "authenticate childsafe by the signature instead",
        )
    if port == 0:
        raise InvalidWebhookUrl(url, "port 0 cannot be connected to")
    return url


def event_names(events: Iterable[str]) -> tuple[str, ...]:
    """Known event names, deduplicated, in canonical order; empty means every event."""
    if isinstance(events, str):  # a bare "scan.block" would otherwise become s, c, a, ...
        events = [events]
    given = list(events)
    for e in given:
        if e not in EVENTS:
            raise UnknownEvent(e, EVENTS)
    return tuple(e for e in EVENTS if e in given)


def new_secret() -> str:
    return SECRET_MARKER + secrets.token_urlsafe(SECRET_BYTES)


def webhook_secret(secret: str | None) -> str:
    """The caller's secret if usable, else a new strong one."""
    if secret is None:
        return new_secret()
    if not isinstance(secret, str):
        raise InvalidWebhookSecret("it must be text")
    if not SECRET_MIN <= len(secret) <= SECRET_MAX:
        raise InvalidWebhookSecret(
            f"use {SECRET_MIN} to {SECRET_MAX} characters (it has {len(secret)}), "
            "or let childsafe generate one"
        )
    if not _SECRET_RE.fullmatch(secret):
        raise InvalidWebhookSecret("use printable ASCII without spaces")
    return secret
