"""``childsafe chat eval`` and ``childsafe chat score``: tables, JSON, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Cli
from tests.grooming.tiny_dataset import EXPECTED, tiny_dataset


def _write(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return _write(tmp_path / "tiny.jsonl", tiny_dataset())


def test_help_lists_the_chat_commands(cli: Cli) -> None:
    _, out, _ = cli("--help")
    assert "chat" in out
    _, out, _ = cli("chat", "--help")
    assert "eval" in out and "score" in out


def test_eval_json_equals_hand_computed_values(cli: Cli, tiny: Path) -> None:
    _, out, _ = cli("chat", "eval", str(tiny), "--json", "--bootstrap", "40", "--seed", "5")
    report = json.loads(out)
    assert report["split"] == "heldout" and report["alert_band"] == "nudge_child"
    methods = {m["name"]: m for m in report["methods"]}
    for name in ("childsafe", "keywords"):
        for key, value in EXPECTED[name].items():
            assert methods[name]["metrics"][key] == pytest.approx(value, abs=1e-4), (name, key)
    assert methods["childsafe"]["metrics"]["fpr:coach"] == 1.0
    assert any("sentinel-shape" in note and "skipped" in note for note in report["notes"])
    # Seeded: the same command gives the same intervals.
    _, again, _ = cli("chat", "eval", str(tiny), "--json", "--bootstrap", "40", "--seed", "5")
    assert json.loads(again) == report


def test_eval_table(cli: Cli, tiny: Path) -> None:
    _, out, _ = cli("chat", "eval", str(tiny), "--bootstrap", "20")
    for text in ("childsafe", "keywords", "precision", "recall", "false-positive rate",
                 "teen_peers", "NOT met"):  # fmt: skip
        assert text in out, text


def test_eval_other_alert_band_and_split(cli: Cli, tiny: Path) -> None:
    _, out, _ = cli(
        "chat", "eval", str(tiny), "--json", "--bootstrap", "0", "--alert-band", "urgent_review"
    )
    report = json.loads(out)
    assert report["alert_band"] == "urgent_review"
    assert report["methods"][0]["metrics"]["recall"] < 0.75
    assert report["methods"][0]["intervals"] == {}
    _, out, _ = cli("chat", "eval", str(tiny), "--json", "--split", "all", "--bootstrap", "0")
    assert json.loads(out)["conversations"] == 7


def test_eval_errors_are_clear(cli: Cli, tiny: Path, tmp_path: Path) -> None:
    code, out, err = cli("chat", "eval", str(tmp_path / "missing.jsonl"), ok=False)
    assert code == 2 and out == "" and "cannot read" in err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\nnot json\n', encoding="utf-8")
    code, _, err = cli("chat", "eval", str(bad), ok=False)
    assert code == 2 and "line 2" in err
    code, _, err = cli("chat", "eval", str(tiny), "--split", "train", ok=False)
    assert code == 2 and "--split" in err
    code, _, err = cli("chat", "eval", str(tiny), "--split", "dev", ok=False)
    assert code == 2 and "no conversations" in err
    unlabelled = _write(tmp_path / "u.jsonl", [{"messages": []}])
    code, _, err = cli("chat", "eval", str(unlabelled), ok=False)
    assert code == 2 and "not a labelled conversation" in err
    # A label read without complaint would measure something else: a misspelt category is
    # named, with the record, the message and the categories there are.
    records = tiny_dataset()
    records[1]["messages"][2]["signs"] = ["secretcy"]
    code, _, err = cli("chat", "eval", str(_write(tmp_path / "m.jsonl", records)), ok=False)
    assert code == 2 and "record 2: message 2: signs has unknown category 'secretcy'" in err
    assert "supervision_check" in err


def test_score_json_lines(cli: Cli, tiny: Path) -> None:
    lines = cli.json_lines("chat", "score", str(tiny))
    kinds = {line["type"] for line in lines}
    assert kinds == {"band_change", "pair", "sender"}
    changes = [line for line in lines if line["type"] == "band_change"]
    first = changes[0]
    assert first["subject"] == "pair" and first["old"] == "none"
    assert first["message_id"] == "tiny-1#2"
    pairs = [line for line in lines if line["type"] == "pair"]
    top = pairs[0]
    assert top["kind"] == "adult_minor" and top["risk"] > 0
    refs = top["explanation"]["categories"][0]["messages"]
    assert refs[0]["quote"] == "our little secret" or "secret" in refs[0]["quote"]
    assert "#" in refs[0]["message_id"]
    assert all(p["explanation"]["categories"] for p in pairs)  # only pairs with signs


def test_score_table_and_single_messages(cli: Cli, tmp_path: Path) -> None:
    facts = {
        "from": "acct_x",
        "to": "acct_y",
        "from_facts": {"declared_age": 44, "account_age_days": 2},
        "to_facts": {"declared_age": 12},
    }
    texts = ["hey cool username", "are you home alone tonight", "don't tell your mom ok"]
    records = [{"id": f"a{i + 1}", "t": 30 * i, "text": t, **facts} for i, t in enumerate(texts)]
    path = _write(tmp_path / "msgs.jsonl", records)
    _, out, err = cli("chat", "score", str(path))
    assert "band changes" in out and "acct_x -> acct_y" in out
    assert 'a2 "you home alone"' in out and "new_account" in out
    assert "3 messages" in err
    _, out, _ = cli("chat", "score", str(path), "--json", "--all")
    assert out.count('"type": "pair"') == 1


def test_score_errors(cli: Cli, tmp_path: Path) -> None:
    path = _write(tmp_path / "m.jsonl", [{"id": "a", "from": "x", "to": "y", "text": "hi"}])
    code, _, err = cli("chat", "score", str(path), ok=False)
    assert code == 2 and "needs 't'" in err
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    code, _, err = cli("chat", "score", str(empty), ok=False)
    assert code == 2 and "no records" in err


def test_family_register_option(cli: Cli, tmp_path: Path) -> None:
    adult = {"declared_age": 44, "account_age_days": 900}
    kid = {"declared_age": 12, "account_age_days": 300}
    lines = ("whats for dinner tonight", "did you walk the dog yet", "grandma sends her love",
             "i'll pick you up at 4", "where are you? answer me")  # fmt: skip
    chat = _write(tmp_path / "chat.jsonl", [
        {"id": f"m{i}", "t": 10 * i, "from": "adult", "to": "kid", "text": text,
         "from_facts": adult, "to_facts": kid}
        for i, text in enumerate(lines)
    ])  # fmt: skip
    register = tmp_path / "register.json"
    register.write_text(json.dumps({"bias": 0.0, "weights": {"dinner": 6, "dog": 6, "grandma": 6}}))

    def factors(*extra: str) -> set[str]:
        args = ("chat", "score", str(chat), "--no-semantic", *extra)
        pairs = [r for r in cli.json_lines(*args) if r.get("type") == "pair"]
        return {f["name"] for p in pairs for f in p["explanation"]["factors"]}

    assert "family_register" in factors("--family-register", str(register))
    assert "family_register" not in factors("--family-register", "off")
    code, _, err = cli(
        "chat", "score", str(chat), "--family-register", str(tmp_path / "none.json"), ok=False
    )
    assert code != 0 and "--family-register" in err and "no such file" in err


def _patterns(cli: Cli, chat: Path, *extra: str) -> set[str]:
    """The rules, models and exemplars named in the pairs' explanations of ``chat score``."""
    args = ("chat", "score", str(chat), "--no-semantic", *extra)
    pairs = [r for r in cli.json_lines(*args) if r.get("type") == "pair"]
    return {
        m["pattern_id"]
        for p in pairs
        for c in p["explanation"]["categories"]
        for m in c["messages"]
    }


def test_sign_model_option(cli: Cli, tmp_path: Path) -> None:
    adult = {"declared_age": 44, "account_age_days": 3}
    kid = {"declared_age": 12, "account_age_days": 300}
    text = "lets hop on a call so i can see you"  # no rule fires on it
    chat = _write(tmp_path / "chat.jsonl", [
        {"id": "m0", "t": 0, "from": "adult", "to": "kid", "text": "any luck with the level",
         "from_facts": adult, "to_facts": kid},
        {"id": "m1", "t": 10, "from": "adult", "to": "kid", "text": text,
         "from_facts": adult, "to_facts": kid},
    ])  # fmt: skip

    assert "learned:photo_request" in _patterns(cli, chat)  # shipped by default
    assert not _patterns(cli, chat, "--sign-model", "off")
    code, _, err = cli(
        "chat", "score", str(chat), "--sign-model", str(tmp_path / "none.json"), ok=False
    )
    assert code != 0 and "--sign-model" in err and "no such file" in err


def _one_message(path: Path, sender_age: int, recipient_age: int, text: str) -> Path:
    """A chat file of one message from ``sender`` to ``kid``, accounts 300 days old."""
    facts = [{"declared_age": age, "account_age_days": 300} for age in (sender_age, recipient_age)]
    return _write(path, [
        {"id": "m0", "t": 0, "from": "sender", "to": "kid", "from_facts": facts[0],
         "to_facts": facts[1], "text": text},
    ])  # fmt: skip


def test_unbacked_below_option(cli: Cli, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    chat = _one_message(
        tmp_path / "chat.jsonl",
        44,
        12,
        "ill come get you from swimming at 6, grandma is cooking tea",
    )

    # A lift home: the sign model does not back the rule's match, so it counts at half.
    assert _patterns(cli, chat) == {"unbacked:meeting_request.come_get_you"}
    assert _patterns(cli, chat, "--unbacked-below", "0") == {"meeting_request.come_get_you"}
    monkeypatch.setenv("CHILDSAFE_CHAT_UNBACKED_BELOW", "0")
    assert _patterns(cli, chat) == {"meeting_request.come_get_you"}
    code, _, err = cli("chat", "score", str(chat), "--unbacked-below", "1.5", ok=False)
    assert code != 0 and "--unbacked-below" in err


def _notes(cli: Cli, chat: Path, *extra: str) -> list[str]:
    args = ("chat", "score", str(chat), "--no-semantic", *extra)
    pairs = [r for r in cli.json_lines(*args) if r.get("type") == "pair"]
    return [n for p in pairs for n in p["explanation"]["notes"]]


def test_suspect_model_signs_option(cli: Cli, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # A declared 15-year-old (an account 300 days old) to a 14-year-old: three different signs
    # that the shipped sign model reads make them a possible adult.
    facts = [{"declared_age": age, "account_age_days": 300} for age in (15, 14)]
    texts = ("add me on whisprr", "are your parents home?", "can i see a pic of you?")
    chat = _write(tmp_path / "chat.jsonl", [
        {"id": f"m{i}", "t": i, "from": "sender", "to": "kid", "from_facts": facts[0],
         "to_facts": facts[1], "text": text}
        for i, text in enumerate(texts)
    ])  # fmt: skip

    def suspected(*extra: str) -> bool:
        return any("sign model had read 3 different signs" in n for n in _notes(cli, chat, *extra))

    assert suspected()
    assert not suspected("--suspect-model-signs", "0")
    assert not suspected("--suspect-model-signs", "4")
    monkeypatch.setenv("CHILDSAFE_CHAT_SUSPECT_MODEL_SIGNS", "0")
    assert not suspected()
    code, _, err = cli("chat", "score", str(chat), "--suspect-model-signs", "-1", ok=False)
    assert code != 0 and "--suspect-model-signs" in err


def test_vouched_above_option(cli: Cli, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    chat = _one_message(
        tmp_path / "chat.jsonl", 15, 13, "i could come get you after school, nobody needs to know"
    )

    # Between declared minors the sign model vouches for the rule's match.
    assert "vouched:meeting_request.come_get_you" in _patterns(cli, chat)
    off = _patterns(cli, chat, "--vouched-above", "0")
    assert "meeting_request.come_get_you" in off and not any("vouched:" in p for p in off)
    monkeypatch.setenv("CHILDSAFE_CHAT_VOUCHED_ABOVE", "0")
    assert not any("vouched:" in p for p in _patterns(cli, chat))
    code, _, err = cli("chat", "score", str(chat), "--vouched-above", "1", ok=False)
    assert code != 0 and "--vouched-above" in err


def test_check_lists_every_problem_and_what_the_file_holds(cli: Cli, tmp_path: Path) -> None:
    # Before a training run on one's own labels: all problems at once, not just the first,
    # and the composition of what can be read.
    records = tiny_dataset()
    code, out, err = cli("chat", "check", str(_write(tmp_path / "ok.jsonl", records)))
    assert code == 0 and err == ""
    assert "7 of 7 records readable" in out and "secrecy 3" in out
    records[1]["messages"][2]["signs"] = ["secretcy"]
    records[4]["messages"][0]["from"] = "nobody"
    bad = _write(tmp_path / "bad.jsonl", records)
    code, out, err = cli("chat", "check", str(bad), ok=False)
    assert code == 1 and "5 of 7 records readable" in out
    assert "record 2 (tiny-2): message 2: signs has unknown category 'secretcy'" in err
    assert "record 5 (tiny-5): message 0: from 'nobody'" in err
    assert "2 of 7 records have problems" in err
    code, out, _ = cli("chat", "check", str(bad), "--json", ok=False)
    report = json.loads(out)
    assert code == 1 and report["records"] == 7 and report["conversations"] == 5
    assert [p["record"] for p in report["problems"]] == [2, 5]
    assert sum(row["conversations"] for row in report["composition"]) == 5
