"""``childsafe chat score`` runs the embedding stage as the server would, and says so."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Cli
from tests.grooming.semantic.test_stage import PARAPHRASES

FACTS = {
    "from": "acct_x",
    "to": "acct_y",
    "from_facts": {"declared_age": 44, "account_age_days": 2},
    "to_facts": {"declared_age": 12},
}


def _messages(tmp_path: Path) -> Path:
    texts = ["hey, how was the tournament today", *(t for t, _ in PARAPHRASES)]
    path = tmp_path / "msgs.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": f"p{i}", "t": 60 * i, "text": t, **FACTS}) + "\n"
            for i, t in enumerate(texts)
        ),
        encoding="utf-8",
    )
    return path


def _patterns(lines: list[dict[str, object]]) -> set[str]:
    pairs = [line for line in lines if line["type"] == "pair"]
    explanation = pairs[0]["explanation"] if pairs else {"categories": []}
    return {
        m["pattern_id"]
        for c in explanation["categories"]  # type: ignore[index]
        for m in c["messages"]
    }


def test_score_finds_paraphrases_only_with_the_stage(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "home")
    path = _messages(tmp_path)
    # The embedding stage alone: the sign model (which may find some of them too) is off.
    off = ("--sign-model", "off")
    plain = cli.json_lines("chat", "score", str(path), "--no-semantic", *off)
    assert not [line for line in plain if line["type"] == "pair"]  # no lexical sign at all
    found = _patterns(cli.json_lines("chat", "score", str(path), *off))  # default: stage runs
    assert found and all(p.startswith("semantic:") for p in found)
    assert _patterns(cli.json_lines("chat", "score", str(path), "--precision", "fp32", *off))
    _, _, err = cli("chat", "score", str(path), *off)
    # Every message: a stranger adult writing to a child keeps the gate open.
    assert f"the embedding stage was asked about {len(PARAPHRASES) + 1}" in err


def test_score_loads_operator_exemplars_and_names_bad_options(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "home")
    path = tmp_path / "msgs.jsonl"
    text = "this stays in our club only"
    path.write_text(json.dumps({"id": "q1", "t": 0, "text": text, **FACTS}) + "\n")
    assert not _patterns(cli.json_lines("chat", "score", str(path)))
    ours = tmp_path / "ours.jsonl"
    ours.write_text(json.dumps({"category": "secrecy", "text": text, "label": "positive"}) + "\n")
    found = _patterns(cli.json_lines("chat", "score", str(path), "--exemplars", str(ours)))
    assert found and all(p.startswith("semantic:") for p in found)
    code, _, err = cli("chat", "score", str(path), "--precision", "int4", ok=False)
    assert code == 2 and "--precision must be one of fp32, int8" in err
    code, _, err = cli("chat", "score", str(path), "--exemplars", "missing.jsonl", ok=False)
    assert code == 2 and "--exemplars: missing.jsonl does not exist" in err
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    code, _, err = cli("chat", "score", str(path), "--exemplars", str(bad), ok=False)
    assert code == 2 and "bad.jsonl" in err


def test_probe_counts_each_stage_on_labelled_messages(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "home")
    path = tmp_path / "ours.jsonl"
    rows = [
        *({"text": t, "label": "sign", "category": c.value} for t, c in PARAPHRASES),
        {"text": "keep this our little secret ok?", "label": "sign", "category": "secrecy"},
        {"text": "lol i leveled up my character twice today", "label": "lookalike"},
    ]
    path.write_text("".join(json.dumps({"speaker": None, **r}) + "\n" for r in rows))
    _, out, _ = cli("chat", "probe", str(path), "--json")
    got = json.loads(out)
    assert got["model"] == "int8" and got["signs"] == len(PARAPHRASES) + 1
    assert got["lexical_found"] == 1 and got["semantic_only"] == len(PARAPHRASES)
    assert got["either_found"] == got["signs"] and got["either_flagged"] == 0
    _, out, err = cli("chat", "probe", str(path), "--show")
    assert "signs found" in out and "look-alikes flagged" in out
    assert f"{len(PARAPHRASES)} sign(s) found only by the embedding stage" in err
    assert "lol i leveled up my character twice today" in out  # --show lists the texts
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "hi", "label": "sign", "category": "charm"}\n')
    code, _, err = cli("chat", "probe", str(bad), ok=False)
    assert code == 2 and "bad.jsonl, line 1: unknown category 'charm'" in err
    code, _, err = cli("chat", "probe", str(tmp_path / "absent.jsonl"), ok=False)
    assert code == 2 and "cannot read" in err
