"""The synthetic evaluation set: deterministic, committed as generated, within SAFETY.md."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from childsafe.grooming import Category, Normalizer
from childsafe.grooming.synth import benign, chitchat, dumps, generate, risky
from childsafe.grooming.synth.build import SEVERE, pool

DATASET = Path(__file__).resolve().parents[2] / "datasets" / "chat" / "synthetic-v1.jsonl"
SEED = 1

#: Clinical, non-graphic terms that must never appear in a chat fixture (SAFETY.md). Matched as
#: whole words, on the raw text and on the normalised text (so "n u d e" is caught too).
_CLINICAL = (
    "sex sexual sexy sexting nude nudes naked undress undressed genital genitals penis vagina "
    "breasts intercourse masturbation erotic porn pornography lingerie underwear"
)
DENYLIST = frozenset(_CLINICAL.split(" "))


@pytest.fixture(scope="module")
def generated() -> str:
    return dumps(generate(SEED))


@pytest.fixture(scope="module")
def conversations(generated: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in generated.splitlines()]


def test_same_seed_gives_identical_bytes(generated: str) -> None:
    assert dumps(generate(SEED)) == generated
    assert dumps(generate(SEED + 1)) != generated


def test_cli_in_a_fresh_process_gives_the_same_bytes(generated: str, tmp_path: Path) -> None:
    # A different hash seed would expose any dependence on set iteration order.
    out = tmp_path / "set.jsonl"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(
        [sys.executable, "-m", "childsafe.grooming.synth", "--seed", str(SEED), "--out", str(out)],
        check=True,
        env=env,
        capture_output=True,
    )
    assert out.read_text(encoding="utf-8") == generated


def test_committed_dataset_is_what_the_generator_produces(generated: str) -> None:
    committed = DATASET.read_text(encoding="utf-8")
    assert committed == generated, (
        "datasets/chat/synthetic-v1.jsonl is stale: regenerate it with "
        "`python -m childsafe.grooming.synth --seed 1 --out datasets/chat/synthetic-v1.jsonl`"
    )


def _denied(text: str, normalizer: Normalizer) -> set[str]:
    raw = set(re.findall(r"[a-z]+", text.lower()))
    return (raw | set(normalizer.normalize(text).words)) & DENYLIST


def test_committed_dataset_has_no_explicit_terms() -> None:
    normalizer = Normalizer(DENYLIST)
    found: dict[str, set[str]] = defaultdict(set)
    for line in DATASET.read_text(encoding="utf-8").splitlines():
        conversation = json.loads(line)
        for message in conversation["messages"]:
            for term in _denied(message["text"], normalizer):
                found[term].add(conversation["id"])
    assert not found, f"explicit terms in the chat fixtures: {dict(found)}"


def test_phrase_banks_have_no_explicit_terms() -> None:
    normalizer = Normalizer(DENYLIST)
    texts = [t for lines in risky.SIGNS.values() for t in lines]
    texts += [t for _, t in risky.COMBINED] + risky.OPENERS + risky.REFUSALS
    texts += [t for lines in risky.REPLIES.values() for t in lines]
    texts += [t for lines in benign.LOOKALIKES.values() for _, t in lines]
    texts += [t for lines in benign.TOPICAL.values() for t in lines]
    texts += chitchat.ASKS + chitchat.TELLS + chitchat.GREETINGS + chitchat.GOODBYES
    assert not {t for t in texts if _denied(t, normalizer)}


def test_denylist_scan_catches_evasive_spellings() -> None:
    # The scan is only worth having if it sees through the same tricks the detectors do.
    normalizer = Normalizer(DENYLIST)
    assert _denied("n u d e", normalizer) == {"nude"}
    assert _denied("nаkеd", normalizer) == {"naked"}
    assert not _denied("we swam the breaststroke in sussex", normalizer)


def assert_labelled_conversations(conversations: list[dict[str, Any]]) -> None:
    """The dataset format (``datasets/chat/README.md``), shared by every labelled chat set,
    including the alert rule: two different signs, or one severe sign, and not earlier."""
    names = {c.value for c in Category}
    ids = [c["id"] for c in conversations]
    assert len(ids) == len(set(ids))
    for c in conversations:
        assert c["split"] in ("dev", "heldout")
        assert c["known_relationship"] in (None, "family", "teacher")
        assert set(c["categories"]) <= names
        accounts = c["accounts"]
        for account in accounts.values():
            assert set(account) >= {"declared_age", "age_verified", "account_age_days", "true_age"}
        for message in c["messages"]:
            assert message["from"] in accounts and message["to"] in accounts
            assert message["from"] != message["to"]
            assert set(message["signs"]) <= names and set(message["lookalike"]) <= names
        assert [m["i"] for m in c["messages"]] == list(range(len(c["messages"])))
        times = [m["t"] for m in c["messages"]]
        assert times == sorted(times)
        if c["risky"]:
            alert = c["earliest_alert"]
            assert alert is not None and 0 <= alert < len(c["messages"])
            assert c["messages"][alert]["signs"]
            assert c["categories"] == sorted({s for m in c["messages"] for s in m["signs"]})
            seen: set[str] = set()
            for m in c["messages"][:alert]:
                seen.update(m["signs"])
            assert len(seen) < 2 and not seen & SEVERE
        else:
            assert c["earliest_alert"] is None and c["categories"] == []
            assert not any(m["signs"] for m in c["messages"])


def test_schema_and_labels(conversations: list[dict[str, Any]]) -> None:
    assert 400 <= len(conversations) <= 800
    assert_labelled_conversations(conversations)


def test_composition(conversations: list[dict[str, Any]]) -> None:
    risky_ = [c for c in conversations if c["risky"]]
    benign_ = [c for c in conversations if not c["risky"]]
    assert 0.3 < len(risky_) / len(conversations) < 0.5
    assert {c["relationship"] for c in benign_} >= {
        "teacher", "coach", "tutor", "relative", "parent", "teen_peers", "adult_adult",
        "gaming_clan",
    }  # fmt: skip
    assert Counter(c["split"] for c in conversations)["heldout"] > len(conversations) / 4
    # Fast (all signs within 10 messages) and slow (60+ messages) risky conversations.
    fast = [c for c in risky_ if max(m["i"] for m in c["messages"] if m["signs"]) < 10]
    slow = [c for c in risky_ if len(c["messages"]) >= 60]
    assert len(fast) >= 20 and len(slow) >= 20
    # Adults lying about their age, in the profile or in the chat.
    liars = [
        c
        for c in risky_
        if "age_deception" in c["categories"]
        or any(a["declared_age"] < 18 <= a["true_age"] for a in c["accounts"].values())
    ]
    assert len(liars) >= 30
    # Evasive spellings in risky messages.
    spelled = re.compile(r"\b\w( \w){3,}\b|\w[0-9@$]\w")
    evasive = [
        m
        for c in risky_
        for m in c["messages"]
        if m["signs"] and (not m["text"].isascii() or spelled.search(m["text"]))
    ]
    assert len(evasive) >= 50


def test_fan_out_adults_share_openers_and_split(conversations: list[dict[str, Any]]) -> None:
    by_adult: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in conversations:
        if c["risky"]:
            by_adult[c["messages"][0]["from"]].append(c)
    groups = [g for g in by_adult.values() if len(g) >= 3]
    assert len(groups) >= 8
    for group in groups:
        assert len({c["split"] for c in group}) == 1  # never straddles dev and held-out
        openers = {re.sub(r"[A-Z]\w+", "X", c["messages"][0]["text"]) for c in group}
        assert len(openers) <= 2


def test_held_out_only_phrasings_never_appear_in_dev(conversations: list[dict[str, Any]]) -> None:
    dev_texts = {m["text"] for c in conversations if c["split"] == "dev" for m in c["messages"]}
    for lines in risky.SIGNS.values():
        for template in set(lines) - set(pool(lines, "dev")):
            plain = template.replace("[", "").replace("]", "")
            if "<" not in plain:
                assert plain not in dev_texts, plain


def test_dataset_is_small(generated: str) -> None:
    assert len(generated.encode()) < 5_000_000
