"""The family set (``datasets/chat/family-v1.jsonl``): within SAFETY.md, in the dataset format,
written apart from the synthetic set, and the behaviour it was written to check."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from childsafe.grooming import Normalizer
from childsafe.grooming.evaluate import run_scorer, select
from childsafe.grooming.metadata import MetadataConfig
from childsafe.grooming.scoring import ScorerConfig
from tests.grooming.test_synth import DENYLIST, _denied, assert_labelled_conversations

DATASETS = Path(__file__).resolve().parents[2] / "datasets" / "chat"
FAMILY = DATASETS / "family-v1.jsonl"

#: Real products a writer might reach for; every app, game and currency must be invented.
_BRANDS = (
    "snapchat discord whatsapp roblox robux instagram tiktok fortnite vbucks minecraft facebook "
    "messenger telegram kik lego ipad iphone xbox playstation venmo youtube twitch zoom facetime"
)


@pytest.fixture(scope="module")
def conversations() -> list[dict[str, Any]]:
    return [json.loads(line) for line in FAMILY.read_text(encoding="utf-8").splitlines()]


def test_format_and_labels(conversations: list[dict[str, Any]]) -> None:
    assert_labelled_conversations(conversations)


def test_composition(conversations: list[dict[str, Any]]) -> None:
    counts = Counter((c["split"], c["relationship"], c["risky"]) for c in conversations)
    for split in ("dev", "heldout"):
        assert counts[(split, "parent", False)] >= 20
        assert counts[(split, "relative", False)] >= 30
        assert counts[(split, "stranger_adult_minor", True)] >= 15
    for c in conversations:
        if not c["risky"]:
            # The point of the set: family the platform does not know about.
            assert c["known_relationship"] is None
            assert any(m["lookalike"] for m in c["messages"])


def test_keeps_to_the_content_rules(conversations: list[dict[str, Any]]) -> None:
    normalizer = Normalizer(DENYLIST)
    brands = frozenset(_BRANDS.split())
    for c in conversations:
        for m in c["messages"]:
            text = m["text"]
            assert not _denied(text, normalizer), c["id"]
            assert not brands & set(re.findall(r"[a-z]+", text.lower())), c["id"]
            for number in re.findall(r"\d{3}-\d{4}", text):
                assert number.startswith("555-01"), c["id"]


def test_written_apart_from_the_synthetic_set(conversations: list[dict[str, Any]]) -> None:
    synthetic = {
        m["text"].lower()
        for line in (DATASETS / "synthetic-v1.jsonl").read_text(encoding="utf-8").splitlines()
        for m in json.loads(line)["messages"]
        if len(m["text"]) > 20  # longer than a stock reply ("i dont have it")
    }
    shared = {
        m["text"] for c in conversations for m in c["messages"] if m["text"].lower() in synthetic
    }
    assert not shared
    ids = {a for c in conversations for a in c["accounts"]}
    assert all(a.startswith(("fd_", "fx_", "fh_")) for a in ids)


def test_family_cues_keep_family_look_alikes_below_the_alert(
    conversations: list[dict[str, Any]],
) -> None:
    # What the set was written to check: with the conversation's family cues switched off
    # (multipliers of 1), more of the family conversations reach the alert band.
    dev = select(conversations, "dev")
    off = replace(MetadataConfig(), kinship_minor=1.0, kinship_adult=1.0, kinship_both=1.0)
    with_cues, _ = run_scorer(dev)
    without, _ = run_scorer(dev, ScorerConfig(metadata=off))
    flagged = sum(o.flagged and not o.risky for o in with_cues)
    flagged_without = sum(o.flagged and not o.risky for o in without)
    assert flagged < flagged_without
    # ... and no risky conversation is lost to them.
    assert [o.flagged for o in with_cues if o.risky] == [o.flagged for o in without if o.risky]
