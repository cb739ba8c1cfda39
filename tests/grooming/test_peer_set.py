"""The teen-peer sets (``datasets/chat/peers-v1.jsonl`` to ``peers-v3.jsonl``): within SAFETY.md,
in the dataset format, written apart from the other sets, and the behaviour they were written to
check: teenagers' own look-alikes against adults who declare a teenager's age."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from childsafe.grooming import Category
from childsafe.grooming.evaluate import run_scorer, select
from childsafe.grooming.scoring import ScorerConfig
from tests.grooming.test_family_set import (
    _read,
    assert_within_the_content_rules,
    assert_written_apart,
)
from tests.grooming.test_synth import assert_labelled_conversations

#: Each set's account-id prefixes, one per writer: peers-v1's A, B and C are dev, Q is held
#: out; peers-v2's D and E are dev, R is held out; peers-v3's F, G and H are dev, S is held
#: out.
PEER_SETS = {
    "peers-v1.jsonl": ("sa_", "sb_", "sc_", "sq_"),
    "peers-v2.jsonl": ("sd_", "se_", "sr_"),
    "peers-v3.jsonl": ("sf_", "sg_", "sh_", "ss_"),
}


@pytest.fixture(scope="module", params=sorted(PEER_SETS))
def peer_set(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def conversations(peer_set: str) -> list[dict[str, Any]]:
    return _read(peer_set)


def test_format_and_labels(conversations: list[dict[str, Any]]) -> None:
    assert_labelled_conversations(conversations)


def test_composition(peer_set: str, conversations: list[dict[str, Any]]) -> None:
    for prefix in PEER_SETS[peer_set]:
        mine = [c for c in conversations if next(iter(c["accounts"])).startswith(prefix)]
        counts = Counter((c["relationship"], c["risky"]) for c in mine)
        assert counts == {("teen_peers", False): 60, ("stranger_adult_minor", True): 20}
        assert len({c["split"] for c in mine}) == 1
    for c in conversations:
        ages = [(a["declared_age"], a["true_age"]) for a in c["accounts"].values()]
        if c["risky"]:
            # An adult who declares a teenager's age, writing to a child.
            (declared, true), (_, child) = ages
            assert 13 <= declared <= 17 and true >= 19 and child < 18
        else:
            assert all(true < 18 for _, true in ages)
            assert any(m["lookalike"] for m in c["messages"])


def test_keeps_to_the_content_rules(conversations: list[dict[str, Any]]) -> None:
    assert_within_the_content_rules(conversations)


def test_written_apart_from_the_other_sets(
    peer_set: str, conversations: list[dict[str, Any]]
) -> None:
    assert_written_apart(peer_set, conversations, PEER_SETS[peer_set])


def test_peer_weights_keep_teenagers_look_alikes_below_the_alert(
    conversations: list[dict[str, Any]],
) -> None:
    # What the peer weights are for: scored as if the sender were an adult, far more of the
    # teenagers' own conversations would reach the alert band.
    teens = [c for c in select(conversations, "dev") if not c["risky"]]
    as_peers, _ = run_scorer(teens)
    as_adults, _ = run_scorer(teens, ScorerConfig(peer_weights=dict.fromkeys(Category, 1.0)))
    flagged = sum(o.flagged for o in as_peers)
    assert flagged * 3 < sum(o.flagged for o in as_adults)


def test_the_sign_model_finds_adults_posing_as_teenagers_the_rules_miss(
    conversations: list[dict[str, Any]],
) -> None:
    risky = [c for c in select(conversations, "dev") if c["risky"]]
    found = sum(o.flagged for o in run_scorer(risky)[0])
    assert found > sum(o.flagged for o in run_scorer(risky, ScorerConfig(sign_model=None))[0])
