"""The family sets (``datasets/chat/family-v1.jsonl`` to ``family-v4.jsonl``): within SAFETY.md, in
the dataset format, written apart from the synthetic set and from each other, and the behaviour
they were written to check."""

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
#: Each set's file and the account-id prefixes of its writers (one per writer).
SETS = {
    "family-v1.jsonl": ("fd_", "fx_", "fh_"),
    "family-v2.jsonl": ("fj_", "fk_", "fm_", "fq_"),
    "family-v3.jsonl": ("fr_", "fs_", "fz_"),
    "family-v4.jsonl": ("ft_", "fu_", "fv_", "fw_"),
}
#: Every labelled chat set: no hand-written set shares a longer message with another.
CHAT_SETS = (
    "synthetic-v1.jsonl",
    *SETS,
    "peers-v1.jsonl",
    "peers-v2.jsonl",
    "peers-v3.jsonl",
    "mentors-v1.jsonl",
    "mentors-v2.jsonl",
)

#: Real products a writer might reach for; every app, game and currency must be invented.
_BRANDS = (
    "snapchat discord whatsapp roblox robux instagram tiktok fortnite vbucks minecraft facebook "
    "messenger telegram kik lego ipad iphone xbox playstation venmo youtube twitch zoom facetime"
)


def _read(name: str) -> list[dict[str, Any]]:
    text = (DATASETS / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture(scope="module", params=sorted(SETS))
def family_set(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def conversations(family_set: str) -> list[dict[str, Any]]:
    return _read(family_set)


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


def assert_no_brands_or_real_numbers(text: str, where: str) -> None:
    assert not frozenset(_BRANDS.split()) & set(re.findall(r"[a-z]+", text.lower())), where
    for number in re.findall(r"\d{3}-\d{4}", text):
        assert number.startswith("555-01"), where


def assert_within_the_content_rules(conversations: list[dict[str, Any]]) -> None:
    normalizer = Normalizer(DENYLIST)
    for c in conversations:
        for m in c["messages"]:
            assert not _denied(m["text"], normalizer), c["id"]
            assert_no_brands_or_real_numbers(m["text"], c["id"])


def test_keeps_to_the_content_rules(conversations: list[dict[str, Any]]) -> None:
    assert_within_the_content_rules(conversations)


def assert_written_apart(
    name: str, conversations: list[dict[str, Any]], prefixes: tuple[str, ...]
) -> None:
    """No message of set ``name`` longer than the stock replies two people write alike ("i
    dont really do that", "want to talk about it") is in another set, and every account is
    one of the set's writers' (``prefixes``)."""
    elsewhere = {
        m["text"].lower()
        for other in CHAT_SETS
        if other != name
        for c in _read(other)
        for m in c["messages"]
        if len(m["text"]) > 30
    }
    shared = {
        m["text"] for c in conversations for m in c["messages"] if m["text"].lower() in elsewhere
    }
    assert not shared
    assert all(a.startswith(prefixes) for c in conversations for a in c["accounts"])


def test_written_apart_from_the_other_sets(
    family_set: str, conversations: list[dict[str, Any]]
) -> None:
    assert_written_apart(family_set, conversations, SETS[family_set])
    # One writer per prefix, and each writer's conversations in one split.
    for prefix in SETS[family_set]:
        splits = {c["split"] for c in conversations if next(iter(c["accounts"])).startswith(prefix)}
        assert len(splits) == 1, prefix


def test_family_cues_keep_family_look_alikes_below_the_alert(
    conversations: list[dict[str, Any]],
) -> None:
    # What the set was written to check: with the conversation's family cues switched off
    # (multipliers of 1), more of the family conversations reach the alert band.
    # Measured against the rules alone: with the sign model, one risky conversation of the
    # second set's dev writers is found only with the cues off (docs/grooming.md).
    dev = select(conversations, "dev")
    off = replace(MetadataConfig(), kinship_minor=1.0, kinship_adult=1.0, kinship_both=1.0)
    with_cues, _ = run_scorer(dev, ScorerConfig(sign_model=None))
    without, _ = run_scorer(dev, ScorerConfig(metadata=off, sign_model=None))
    flagged = sum(o.flagged and not o.risky for o in with_cues)
    flagged_without = sum(o.flagged and not o.risky for o in without)
    assert flagged < flagged_without
    # ... and no risky conversation is lost to them.
    assert [o.flagged for o in with_cues if o.risky] == [o.flagged for o in without if o.risky]


def test_the_family_register_lowers_family_false_alarms(
    conversations: list[dict[str, Any]],
) -> None:
    # The register was trained on these dev conversations (the held-out writers' figures are
    # in docs/grooming.md); what is checked here is that the effect reaches the scorer: fewer
    # families alarmed, and no risky conversation lost to it.
    dev = select(conversations, "dev")
    with_it, _ = run_scorer(dev)
    without, _ = run_scorer(dev, ScorerConfig(family_register=None))
    assert sum(o.flagged and not o.risky for o in with_it) < sum(
        o.flagged and not o.risky for o in without
    )
    assert [o.flagged for o in with_it if o.risky] == [o.flagged for o in without if o.risky]
