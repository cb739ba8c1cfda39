"""``childsafe keys``: the secret is printed once, to stdout; listings never show it."""

from __future__ import annotations

import pytest

from childsafe.auth import SCOPES, KeyRevoked, KeyService
from childsafe.cli.keys import SCOPES_HELP
from childsafe.settings import Settings
from childsafe.store import open_store
from tests.cli.conftest import Cli


def _authenticate(cli: Cli, secret: str, scope: str) -> str:
    with open_store(Settings(home=cli.home)) as store:
        return KeyService(store).authenticate(secret, scope).name


def test_create_prints_the_secret_once(cli: Cli) -> None:
    _, out, err = cli("keys", "create", "ingest", "--scope", "scan", "--scope", "curate")
    secret = out.strip()
    assert secret.startswith("cs_") and "\n" not in secret
    assert "will not be shown again" in err and secret not in err
    assert _authenticate(cli, secret, "curate") == "ingest"

    _, listed, listed_err = cli("keys", "list")
    assert "ingest" in listed and secret not in listed + listed_err
    rows = cli.json_lines("keys", "list")
    assert [(r["name"], r["scopes"], r["last_used_at"]) for r in rows] == [
        ("ingest", ["scan", "curate"], rows[0]["last_used_at"])
    ]
    assert rows[0]["last_used_at"] is not None
    assert secret not in repr(rows) and secret.split("_")[1] == rows[0]["prefix"]


def test_revoke(cli: Cli) -> None:
    _, out, _ = cli("keys", "create", "old", "--scope", "admin")
    _, _, err = cli("keys", "revoke", "old")
    assert "revoked" in err
    with pytest.raises(KeyRevoked):
        _authenticate(cli, out.strip(), "scan")
    assert cli.json_lines("keys", "list") == []
    assert [r["name"] for r in cli.json_lines("keys", "list", "--all")] == ["old"]
    code, _, err = cli("keys", "revoke", "old", ok=False)
    assert code == 2 and "no live API key" in err


def test_errors_are_clear(cli: Cli) -> None:
    _, out, err = cli("keys", "create", "k", "--scope", "write", ok=False)
    assert out == "" and "use one or more of scan, chat, curate, review, admin" in err
    _, out, err = cli("keys", "create", "k", ok=False)
    assert out == "" and "at least one --scope" in err
    cli("keys", "create", "k", "--scope", "scan")
    _, out, err = cli("keys", "create", "k", "--scope", "scan", ok=False)
    assert out == "" and "already exists" in err


def test_empty_list_says_how_to_start(cli: Cli) -> None:
    _, out, err = cli("keys", "list")
    assert out == "" and "keys create" in err


def test_help_scopes_match_the_service() -> None:
    assert SCOPES_HELP == SCOPES
