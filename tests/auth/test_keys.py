"""The key service on both backends: what authenticates, what is refused, what is stored."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from childsafe.auth import (
    SCOPES,
    AmbiguousKey,
    InvalidKey,
    InvalidKeyName,
    InvalidScope,
    KeyExists,
    KeyNotFound,
    KeyRevoked,
    KeyService,
    MissingScope,
    hash_secret,
)
from childsafe.store.models import ApiKey


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def keys(session_factory: sessionmaker[Session], clock: Clock) -> KeyService:
    return KeyService(session_factory, clock=clock)


def test_secret_authenticates_with_its_scope(keys: KeyService) -> None:
    info, secret = keys.create("scanner", ["scan"])
    assert re.fullmatch(rf"cs_{info.prefix}_[A-Za-z0-9_-]{{43}}", secret)
    got = keys.authenticate(secret, "scan")
    assert (got.id, got.name, got.scopes) == (info.id, "scanner", ("scan",))


def test_wrong_scope_refused(keys: KeyService) -> None:
    _, secret = keys.create("scanner", ["scan", "review"])
    keys.authenticate(secret, "review")
    with pytest.raises(MissingScope, match="lacks the 'curate' scope") as e:
        keys.authenticate(secret, "curate")
    assert secret not in str(e.value)


@pytest.mark.parametrize("scope", SCOPES)
def test_admin_implies_every_scope(keys: KeyService, scope: str) -> None:
    _, secret = keys.create("root", ["admin"])
    assert keys.authenticate(secret, scope).name == "root"


def test_revoked_refused(keys: KeyService) -> None:
    _, secret = keys.create("old", ["scan"])
    assert keys.revoke("old").revoked_at is not None
    with pytest.raises(KeyRevoked, match="'old'"):
        keys.authenticate(secret, "scan")
    assert keys.list() == []
    assert [k.name for k in keys.list(include_revoked=True)] == ["old"]


@pytest.mark.parametrize(
    "secret",
    [
        "",
        "cs_",
        "not a key",
        "cs_0123abcd_" + "A" * 43,  # well formed, never issued
        "Bearer cs_0123abcd_" + "A" * 43,
    ],
)
def test_unknown_refused(keys: KeyService, secret: str) -> None:
    keys.create("real", ["admin"])
    with pytest.raises(InvalidKey, match="invalid API key"):
        keys.authenticate(secret, "scan")


def test_right_prefix_wrong_token_refused(keys: KeyService) -> None:
    _, secret = keys.create("real", ["admin"])
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    with pytest.raises(InvalidKey):
        keys.authenticate(forged, "scan")


def test_only_the_hash_is_stored(keys: KeyService, session: Session) -> None:
    info, secret = keys.create("scanner", ["scan"])
    row = session.scalars(select(ApiKey).where(ApiKey.id == info.id)).one()
    assert row.key_hash == hash_secret(secret) and len(row.key_hash) == 64
    token = secret.split("_", 2)[2]
    raw = session.execute(text("SELECT * FROM api_keys")).all()
    for value in (str(v) for r in raw for v in r):
        assert secret not in value and token not in value


def test_listing_has_no_secrets(keys: KeyService) -> None:
    _, s1 = keys.create("b", ["scan"])
    _, s2 = keys.create("a", ["curate", "scan", "scan"])
    listed = keys.list()
    assert [(k.name, k.scopes) for k in listed] == [("a", ("scan", "curate")), ("b", ("scan",))]
    dumped = repr(listed)
    for secret in (s1, s2):
        assert secret not in dumped and hash_secret(secret) not in dumped
    assert not hasattr(listed[0], "key_hash")


def test_duplicate_name_refused_until_revoked(keys: KeyService) -> None:
    keys.create("ci", ["scan"])
    with pytest.raises(KeyExists, match="'ci' already exists"):
        keys.create("ci", ["review"])
    keys.revoke("ci")
    info, secret = keys.create("ci", ["review"])
    assert keys.authenticate(secret, "review").id == info.id


@pytest.mark.parametrize("scopes", [["scna"], ["scan", "write"], [], "read"])
def test_bad_scope_names_the_valid_ones(keys: KeyService, scopes: list[str]) -> None:
    with pytest.raises(InvalidScope, match="use one or more of scan, chat, curate, review, admin"):
        keys.create("k", scopes)
    assert keys.list() == []


def test_required_scope_must_be_known(keys: KeyService) -> None:
    _, secret = keys.create("k", ["admin"])
    with pytest.raises(InvalidScope):
        keys.authenticate(secret, "everything")


@pytest.mark.parametrize("name", ["", "a b", "x" * 65, "a/b"])
def test_bad_names_refused(keys: KeyService, name: str) -> None:
    with pytest.raises(InvalidKeyName, match="1 to 64 characters"):
        keys.create(name, ["scan"])


def test_revoke_by_prefix(keys: KeyService) -> None:
    info, secret = keys.create("by-prefix", ["scan"])
    assert keys.revoke(f"cs_{info.prefix}").name == "by-prefix"
    with pytest.raises(KeyRevoked):
        keys.authenticate(secret, "scan")
    with pytest.raises(KeyNotFound):
        keys.revoke(info.prefix)  # already revoked
    with pytest.raises(KeyNotFound):
        keys.revoke("nobody")


def test_revoke_refuses_an_ambiguous_prefix(keys: KeyService, session: Session) -> None:
    a, _ = keys.create("a", ["scan"])
    keys.create("b", ["scan"])
    session.execute(text("UPDATE api_keys SET prefix = :p"), {"p": a.prefix})
    session.commit()
    with pytest.raises(AmbiguousKey, match="a, b"):
        keys.revoke(a.prefix)
    assert keys.revoke("b").name == "b"  # names still work


def test_last_used_updated_at_most_once_a_minute(keys: KeyService, clock: Clock) -> None:
    info, secret = keys.create("k", ["scan"])
    assert info.last_used_at is None
    first = clock.now
    assert keys.authenticate(secret, "scan").last_used_at == first
    clock.now += timedelta(seconds=59)
    assert keys.authenticate(secret, "scan").last_used_at == first
    assert keys.list()[0].last_used_at == first
    clock.now += timedelta(seconds=1)
    assert keys.authenticate(secret, "scan").last_used_at == clock.now
    assert keys.list()[0].last_used_at == clock.now
