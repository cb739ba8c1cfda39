"""The chat service from the command line: `chat prune`, and `serve` refusing bad chat settings."""

from __future__ import annotations

from datetime import timedelta

from childsafe.chat import ChatBatch, ChatService
from childsafe.settings import Settings
from childsafe.store import open_store
from childsafe.store.types import utcnow
from tests.cli.conftest import Cli
from tests.factories.chat import ADULT, CHILD, batch, conversation


def _seed(cli: Cli, days_ago: float) -> None:
    with open_store(Settings(home=cli.home)) as store:
        service = ChatService(store.sessions, clock=lambda: utcnow() - timedelta(days=days_ago))
        service.ingest(
            ChatBatch.model_validate(batch(conversation(), {"acct_a": ADULT, "acct_c": CHILD}))
        )


def test_prune_uses_retention_and_the_option(cli: Cli) -> None:
    _seed(cli, days_ago=30)
    _, out, _ = cli("chat", "prune")
    assert "removed 0 pair(s), 0 sender(s)" in out  # 30 days is within the default 180
    _, out, _ = cli("chat", "prune", "--older-than-days", "7")
    assert "removed 1 pair(s), 1 sender(s)" in out


def test_prune_refuses_when_retention_is_off(cli: Cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CHILDSAFE_CHAT_RETENTION_DAYS", "0")
    _, _, err = cli("chat", "prune", ok=False)
    assert "retention is off" in err


def test_serve_refuses_bad_chat_settings_in_one_line(cli: Cli, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CHILDSAFE_CHAT_BANDS", '{"nudge_child": 0.95}')
    _, _, err = cli("serve", "--port", "0", ok=False)
    assert "CHILDSAFE_CHAT_BANDS" in err and "increase strictly" in err
    monkeypatch.delenv("CHILDSAFE_CHAT_BANDS")
    monkeypatch.setenv("CHILDSAFE_CHAT_EXEMPLARS", f'["{tmp_path / "missing.jsonl"}"]')
    _, _, err = cli("serve", "--port", "0", ok=False)
    assert "missing.jsonl does not exist" in err
    monkeypatch.delenv("CHILDSAFE_CHAT_EXEMPLARS")
    monkeypatch.setenv("CHILDSAFE_CHAT_FAMILY_REGISTER", str(tmp_path / "register.json"))
    _, _, err = cli("serve", "--port", "0", ok=False)
    assert "CHILDSAFE_CHAT_FAMILY_REGISTER" in err and "no such file" in err
    monkeypatch.delenv("CHILDSAFE_CHAT_FAMILY_REGISTER")
    (tmp_path / "signs.json").write_text('{"bias": 1}')
    monkeypatch.setenv("CHILDSAFE_CHAT_SIGN_MODEL", str(tmp_path / "signs.json"))
    _, _, err = cli("serve", "--port", "0", ok=False)
    assert "CHILDSAFE_CHAT_SIGN_MODEL" in err and "not a sign model" in err


def test_exemplars_can_be_added_listed_and_removed(cli: Cli) -> None:
    _, out, _ = cli("chat", "exemplars", "add", "this stays in our club only", "--label",
                    "positive", "--category", "secrecy")  # fmt: skip
    assert "added exemplar 1 (positive, secrecy)" in out
    _, _, err = cli("chat", "exemplars", "add", "x y z", "--label", "positive", ok=False)
    assert "needs its category" in err
    rows = cli.json_lines("chat", "exemplars", "list")
    assert rows == [{"id": 1, "source": "operator", "label": "positive", "category": "secrecy",
                     "case_id": None, "message_id": None}]  # fmt: skip
    (row,) = cli.json_lines("chat", "exemplars", "list", "--show-text")
    assert row["text"] == "this stays in our club only"
    _, out, _ = cli("chat", "exemplars", "list")
    assert "secrecy" in out and "club" not in out  # no text without --show-text
    _, out, _ = cli("chat", "exemplars", "remove", "1")
    assert "removed exemplar 1" in out
    assert cli.json_lines("chat", "exemplars", "list") == []
    code, _, err = cli("chat", "exemplars", "remove", "1", ok=False)
    assert code == 1 and "no chat exemplar 1" in err
