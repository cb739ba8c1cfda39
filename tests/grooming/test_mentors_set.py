"""The trusted-adult sets (``datasets/chat/mentors-v1.jsonl``, ``mentors-v2.jsonl``): within
SAFETY.md, in the dataset format, written apart from the other sets, and the behaviour they were
written to check: teachers', coaches', tutors', club leaders' and clan leaders' own look-alikes
against adults who abuse such a role or claim one."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from childsafe.grooming.evaluate import run_scorer, select
from childsafe.grooming.scoring import ScorerConfig
from tests.grooming.test_family_set import (
    _read,
    assert_within_the_content_rules,
    assert_written_apart,
)
from tests.grooming.test_synth import assert_labelled_conversations

#: Each set's account-id prefixes, one per writer: mentors-v1's A, B and C are dev, Q is held
#: out; mentors-v2's D, E and F are dev, R is held out.
MENTOR_SETS = {
    "mentors-v1.jsonl": ("ma_", "mb_", "mc_", "mq_"),
    "mentors-v2.jsonl": ("md_", "me_", "mf_", "mr_"),
}
ROLES = ("teacher", "coach", "tutor", "youth_leader", "gaming_clan")


@pytest.fixture(scope="module", params=sorted(MENTOR_SETS))
def mentor_set(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def conversations(mentor_set: str) -> list[dict[str, Any]]:
    return _read(mentor_set)


def test_format_and_labels(conversations: list[dict[str, Any]]) -> None:
    assert_labelled_conversations(conversations)


def test_composition(mentor_set: str, conversations: list[dict[str, Any]]) -> None:
    for prefix in MENTOR_SETS[mentor_set]:
        mine = [c for c in conversations if next(iter(c["accounts"])).startswith(prefix)]
        benign = Counter(c["relationship"] for c in mine if not c["risky"])
        assert benign == dict.fromkeys(ROLES, 12)
        risky = [c for c in mine if c["risky"]]
        assert len(risky) == 20
        # Most risky adults abuse, or claim, one of the trusted roles.
        assert sum(c["relationship"] in ROLES for c in risky) >= 12
        assert {c["relationship"] for c in risky} <= {*ROLES, "stranger_adult_minor"}
        assert len({c["split"] for c in mine}) == 1
    for c in conversations:
        (adult, _), (child, _) = ((a["true_age"], a) for a in c["accounts"].values())
        assert adult >= 18 > child
        # The point of the set: a relationship the platform does not know about.
        assert c["known_relationship"] is None
        if not c["risky"]:
            assert any(m["lookalike"] for m in c["messages"])


def test_keeps_to_the_content_rules(conversations: list[dict[str, Any]]) -> None:
    assert_within_the_content_rules(conversations)


def test_written_apart_from_the_other_sets(
    mentor_set: str, conversations: list[dict[str, Any]]
) -> None:
    assert_written_apart(mentor_set, conversations, MENTOR_SETS[mentor_set])


def test_the_sign_model_keeps_trusted_adults_look_alikes_below_the_alert(
    conversations: list[dict[str, Any]],
) -> None:
    # What the set was written to check: a coach's "send me a photo of the form" and a clan
    # leader's "ill put gems in the clan bank" match the rules; the sign model, which reads
    # the whole message, does not back those matches, so fewer of the trusted adults'
    # conversations reach the alert band with it than with every match counted in full, and
    # no risky adult is lost to it.
    dev = select(conversations, "dev")
    backed, _ = run_scorer(dev)
    in_full, _ = run_scorer(dev, ScorerConfig(unbacked_below=0.0))
    assert sum(o.flagged and not o.risky for o in backed) < sum(
        o.flagged and not o.risky for o in in_full
    )
    assert sum(o.flagged and o.risky for o in backed) >= sum(o.flagged and o.risky for o in in_full)
