"""Signing webhook bodies, and checking signatures on the receiving side.

The header reads ``Childsafe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`` where the MAC
is computed with the webhook's secret over ``f"{t}.{raw body}"`` (Stripe's scheme, which many
receivers already know how to check). Why this shape:

- **The timestamp is signed with the body**, so a captured request cannot be replayed later:
  a receiver refuses signatures older than a few minutes (``tolerance_s``), and changing ``t``
  breaks the MAC.
- **The scheme is versioned** (``v1=``): a later scheme can be sent beside it during a change
  of algorithm, and receivers that do not know it ignore it. Several ``v1=`` entries may also
  appear (a receiver should accept the request if any one matches), which is how a secret can
  be rotated without a window of failed deliveries.
- **The raw body bytes are signed**, not re-serialised JSON: receivers must verify before
  parsing, with the bytes exactly as received.

A receiver, e.g. in Flask::

    from childsafe.actions.signing import verify_signature

    @app.post("/childsafe")
    def childsafe_hook():
        body = request.get_data()  # raw bytes, before any JSON parsing
        if not verify_signature(SECRET, request.headers.get("Childsafe-Signature", ""), body):
            abort(400)
        if already_seen(request.headers["Childsafe-Delivery"]):  # at-least-once: dedupe
            return "", 200
        handle(json.loads(body))
        return "", 200

This module needs nothing beyond the standard library, so receivers can also copy it.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Childsafe-Signature"
SCHEME = "v1"
#: Seconds a signature stays acceptable either side of the receiver's clock.
DEFAULT_TOLERANCE_S = 300


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The ``Childsafe-Signature`` header value for ``body`` sent at ``timestamp``."""
    return f"t={int(timestamp)},{SCHEME}={_mac(secret, int(timestamp), body)}"


def verify_signature(
    secret: str,
    header: str | None,
    body: bytes | str,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
    *,
    now: float | None = None,
) -> bool:
    """Whether ``header`` is a valid, fresh signature of ``body`` under ``secret``.

    False (never an exception) for a missing or malformed header, a timestamp more than
    ``tolerance_s`` seconds from ``now`` (default: this machine's clock) in either direction,
    or no ``v1`` MAC that matches. MACs are compared in constant time.
    """
    if not header or not isinstance(header, str):
        return False
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    timestamp: int | None = None
    macs: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            digits = value.isascii() and value.isdigit() and len(value) <= 12
            if not digits or timestamp is not None:
                return False
            timestamp = int(value)
        elif key == SCHEME:
            macs.append(value.lower())
    if timestamp is None or not macs:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_s:
        return False
    expected = _mac(secret, timestamp, raw)
    ok = False
    for mac in macs:  # check every one, so the time taken says nothing about which matched
        ok |= hmac.compare_digest(mac.encode("ascii", "replace"), expected.encode("ascii"))
    return ok
