"""Signatures: what a receiver accepts, and the tampering and replays it refuses."""

from __future__ import annotations

import hashlib
import hmac
import time

from childsafe.actions import sign, verify_signature

SECRET = "whsec_invented-test-secret-0001"
BODY = b'{"data":{"scan_id":1},"event":"scan.block","id":"x"}'


def test_round_trip_and_the_documented_scheme() -> None:
    t = int(time.time())
    header = sign(SECRET, BODY, t)
    mac = hmac.new(SECRET.encode(), f"{t}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"t={t},v1={mac}"
    assert verify_signature(SECRET, header, BODY)
    assert verify_signature(SECRET, header, BODY.decode())  # str bodies are UTF-8 encoded
    assert verify_signature(SECRET, header.upper().replace("T=", "t=").replace("V1=", "v1="), BODY)


def test_tampering_is_refused() -> None:
    t = int(time.time())
    header = sign(SECRET, BODY, t)
    assert not verify_signature(SECRET, header, BODY.replace(b"1", b"2"))
    assert not verify_signature(SECRET, header, BODY + b" ")
    assert not verify_signature("whsec_some-other-secret-000", header, BODY)
    # Moving the timestamp forward to dodge the replay window breaks the MAC.
    assert not verify_signature(SECRET, header.replace(f"t={t}", f"t={t + 60}"), BODY)


def test_old_and_future_timestamps_are_refused() -> None:
    now = time.time()
    old = sign(SECRET, BODY, int(now) - 301)
    assert not verify_signature(SECRET, old, BODY)
    assert verify_signature(SECRET, old, BODY, tolerance_s=600)
    assert not verify_signature(SECRET, sign(SECRET, BODY, int(now) + 400), BODY)
    assert verify_signature(SECRET, old, BODY, now=now - 200)


def test_malformed_headers_are_false_not_errors() -> None:
    t = int(time.time())
    good = sign(SECRET, BODY, t)
    mac = good.split("v1=")[1]
    for header in [
        None,
        "",
        "garbage",
        f"v1={mac}",  # no timestamp
        f"t={t}",  # no MAC
        f"t=abc,v1={mac}",
        f"t=²,v1={mac}",  # a digit to str.isdigit, not to int()
        f"t={t},t={t},v1={mac}",
        f"t={t},v0={mac}",  # an unknown scheme is ignored, so nothing matches
        f"t={t},v1=ünïcode",
    ]:
        assert verify_signature(SECRET, header, BODY) is False, header


def test_any_one_of_several_v1_macs_may_match() -> None:
    t = int(time.time())
    other = sign("whsec_rotated-out-secret-0001", BODY, t).split(",")[1]
    header = f"{sign(SECRET, BODY, t)},{other},v2=future-scheme"
    assert verify_signature(SECRET, header, BODY)
    assert verify_signature("whsec_rotated-out-secret-0001", header, BODY)
