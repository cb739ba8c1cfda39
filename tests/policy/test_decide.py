import pytest

from childsafe.policy import Action, decide


def test_no_matches_allows() -> None:
    assert decide([]) is Action.ALLOW


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        (["review"], Action.REVIEW),
        (["block"], Action.BLOCK),
        (["review", "block", "review"], Action.BLOCK),
        (["block", "allow"], Action.ALLOW),  # an allowlist match suppresses everything
        (["allow"], Action.ALLOW),
    ],
)
def test_strictest_action_wins_unless_allowlisted(actions: list[str], expected: Action) -> None:
    assert decide(actions) is expected


def test_unknown_action_is_refused() -> None:
    with pytest.raises(ValueError, match="quarantine"):
        decide(["quarantine"])
