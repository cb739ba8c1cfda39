"""``childsafe audit``: listing events, and a verify that fails loudly on a tampered database."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import text

from childsafe.cli.audit import BROKEN_EXIT
from childsafe.cli.context import cli_actor
from childsafe.settings import Settings
from childsafe.store.engine import create_engine_for
from tests.cli.conftest import Cli
from tests.factories.hashes import random_pdq


@pytest.fixture(autouse=True)
def os_user(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr("getpass.getuser", lambda: "alice")
    return "alice"


def _curate(cli: Cli, tmp_path: Path) -> None:
    """Five events: two bank creates, an import, a key create, a bank update."""
    cli("bank", "create", "harbor")
    cli("bank", "create", "lantern", "--action", "review")
    rng = random.Random(7)
    hashes = tmp_path / "list.txt"
    hashes.write_text("".join(f"{random_pdq(rng)}\n" for _ in range(4)))
    cli("bank", "import", "harbor", str(hashes), "--signal-type", "pdq")
    cli("keys", "create", "ingest", "--scope", "curate")
    cli("bank", "disable", "lantern")


def _sql(cli: Cli, statement: str) -> None:
    engine = create_engine_for(Settings(home=cli.home).resolved_database_url())
    try:
        with engine.begin() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def test_cli_actor_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli_actor() == "cli:alice"

    def no_user() -> str:
        raise OSError("no login name")

    monkeypatch.setattr("getpass.getuser", no_user)
    assert cli_actor() == "cli:unknown"


def test_list_json(cli: Cli, tmp_path: Path) -> None:
    _curate(cli, tmp_path)
    rows = cli.json_lines("audit", "list")
    assert [(r["seq"], r["actor"], r["action"]) for r in rows] == [
        (1, "cli:alice", "bank.create"),
        (2, "cli:alice", "bank.create"),
        (3, "cli:alice", "bank.import"),
        (4, "cli:alice", "key.create"),
        (5, "cli:alice", "bank.disable"),
    ]
    assert rows[2]["details"] == {
        "bank": "harbor",
        "added": 4,
        "duplicates": 0,
        "invalid": 0,
        "lines": 4,
        "format": "auto",
        "signal_type": "pdq",
        "source": "import",
        "strict": False,
    }
    assert rows[0]["prev_hash"] == "" and rows[1]["prev_hash"] == rows[0]["hash"]
    assert [r["seq"] for r in cli.json_lines("audit", "list", "--limit", "2")] == [4, 5]
    assert [r["seq"] for r in cli.json_lines("audit", "list", "--after", "1", "-n", "2")] == [2, 3]
    assert cli.json_lines("audit", "list", "--after", "5") == []


def test_list_table(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _curate(cli, tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    _, out, _ = cli("audit", "list")
    lines = [line for line in out.splitlines() if "│" in line]
    assert len(lines) == 5
    assert "bank 1 (harbor)" in lines[0] and "action=block" in lines[0]
    assert "action=review" in lines[1]
    assert "bank.import" in lines[2] and "added=4, duplicates=0, invalid=0" in lines[2]
    assert "key 1 (ingest)" in lines[3] and 'scopes=["curate"]' in lines[3]
    assert "bank 2 (lantern)" in lines[4] and "enabled: true→false" in lines[4]
    assert all("cli:alice" in line for line in lines)
    _, out, _ = cli("audit", "list", "--after", "4")
    assert "bank.disable" in out and "key.create" not in out


def test_empty_log(cli: Cli) -> None:
    _, out, err = cli("audit", "list")
    assert out == "" and "no audit events yet" in err
    _, out, _ = cli("audit", "verify")
    assert "audit log intact: 0 events" in out


def test_verify_intact(cli: Cli, tmp_path: Path) -> None:
    _curate(cli, tmp_path)
    head = str(cli.json_lines("audit", "list")[-1]["hash"])
    _, out, _ = cli("audit", "verify")
    assert out.strip() == f"audit log intact: 5 events, head 5 {head[:16]}"
    [result] = cli.json_lines("audit", "verify")
    assert result == {
        "intact": True,
        "events": 5,
        "head_seq": 5,
        "head_hash": head,
        "break_seq": None,
        "problem": None,
    }


def test_verify_fails_on_edited_details(cli: Cli, tmp_path: Path) -> None:
    _curate(cli, tmp_path)
    _sql(cli, 'UPDATE audit_events SET details = \'{"bank": "harbor", "added": 0}\' WHERE seq = 3')
    code, out, err = cli("audit", "verify", ok=False)
    assert code == BROKEN_EXIT == 2
    assert "broken at seq 3" in err and "edited" in err and "intact" not in out
    [result] = cli.json_lines("audit", "verify", ok=False)
    assert (result["intact"], result["break_seq"], result["events"]) == (False, 3, 2)


def test_verify_fails_on_a_deleted_row(cli: Cli, tmp_path: Path) -> None:
    _curate(cli, tmp_path)
    _sql(cli, "DELETE FROM audit_events WHERE seq = 2")
    code, _, err = cli("audit", "verify", ok=False)
    assert code == 2 and "broken at seq 3" in err and "sequence jumps from 1 to 3" in err
    # Listing still works on a broken log, so the damage can be looked at.
    assert [r["seq"] for r in cli.json_lines("audit", "list")] == [1, 3, 4, 5]


def test_verify_against_an_anchor(cli: Cli, tmp_path: Path) -> None:
    """A head kept elsewhere catches what the chain alone cannot: the newest rows removed."""
    _curate(cli, tmp_path)
    [result] = cli.json_lines("audit", "verify")
    anchor = f"{result['head_seq']}:{result['head_hash']}"
    _, out, _ = cli("audit", "verify", "--anchor", anchor)
    assert "intact: 5 events" in out
    cli("audit", "verify", "--anchor", anchor[:18])  # seq, colon and 16 hex digits

    _sql(cli, "DELETE FROM audit_events WHERE seq = 5")
    cli("audit", "verify")  # the chain itself still verifies...
    code, _, err = cli("audit", "verify", "--anchor", anchor, ok=False)
    assert code == 2 and "broken at seq 5" in err and "cut back" in err  # ...the anchor does not

    code, _, err = cli("audit", "verify", "--anchor", "4:0123456789abcdef", ok=False)
    assert code == 2 and "broken at seq 4" in err and "rewritten" in err


@pytest.mark.parametrize("anchor", ["5", "5:abc", "x:0123456789abcdef", "0:0123456789abcdef"])
def test_bad_anchor_is_a_usage_error(cli: Cli, anchor: str) -> None:
    code, _, err = cli("audit", "verify", "--anchor", anchor, ok=False)
    assert code == 2 and "--anchor" in err
