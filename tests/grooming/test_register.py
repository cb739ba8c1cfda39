"""The family register: its per-message score, its effect on a pair, where it does not apply,
and the shipped file against a fresh training on the dev data."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from childsafe.chat.config import family_register
from childsafe.grooming.codec import decode_pair, encode_pair
from childsafe.grooming.metadata import AccountFacts, MetadataConfig, PairFacts
from childsafe.grooming.register import FamilyRegister, shipped_register
from childsafe.grooming.scoring import ChatMessage, Scorer, ScorerConfig
from childsafe.grooming.scoring_reports import PairReport
from tests.grooming.conftest import Chat

ROOT = Path(__file__).resolve().parents[2]
MakeScorer = Callable[..., Scorer]
MakeChat = Callable[..., Chat]

#: A register made for the tests: household words say family, game words say not.
REGISTER = FamilyRegister(
    {"dinner": 6.0, "dog": 6.0, "grandma": 6.0, "gems": -6.0, "server": -6.0}, 0.0, {}
)
SIGNS = ("i'll pick you up at 4", "where are you? answer me")
FAMILY_TALK = ("what's for dinner tonight", "did you walk the dog yet", "grandma sends her love")
GAME_TALK = ("want some gems for the game", "join my server later ok")


def config(register: FamilyRegister | None = REGISTER, **metadata: float) -> ScorerConfig:
    return ScorerConfig(family_register=register, metadata=MetadataConfig(**metadata))


def run(scorer: Scorer, c: Chat, adult_lines: Sequence[str]) -> PairReport:
    """The adult's lines, then the two look-alike signs."""
    messages: list[ChatMessage] = [
        c("adult", "kid", text, 10.0 * i) for i, text in enumerate((*adult_lines, *SIGNS))
    ]
    for m in messages:
        scorer.process(m)
    found = scorer.pair_report("adult", "kid")
    assert found is not None
    return found


def effect(r: PairReport) -> tuple[float, str] | None:
    for e in r.explanation.factors:
        if e.factor.name == "family_register":
            return e.factor.multiplier, e.factor.detail
    return None


# -- the model ---------------------------------------------------------------------------------


def test_a_message_scores_its_known_distinct_words_normalised() -> None:
    register = FamilyRegister({"dinner": 2.0, "dog": 1.0, "late": -1.0}, 0.25, {})
    assert register.message_score(("dinner", "dinner", "dog", "tonight")) == pytest.approx(
        3.0 / math.sqrt(2) + 0.25
    )
    assert register.message_score(("nothing", "known", "here")) == 0.25
    assert register.message_score(("dinner", "dog")) is None  # too short to say anything


def test_probability_is_the_logistic_of_the_mean_score() -> None:
    assert FamilyRegister.probability(0.0, 3) == 0.5
    assert FamilyRegister.probability(6.0, 3) == pytest.approx(1 / (1 + math.exp(-2.0)))
    assert FamilyRegister.probability(-6.0, 3) == pytest.approx(1 - 1 / (1 + math.exp(-2.0)))
    assert FamilyRegister.probability(-1e6, 1) == 0.0  # no overflow either way
    assert FamilyRegister.probability(1e6, 1) == 1.0


def assert_loads_trained_files(
    load: Callable[[str], Any], trained: Any, shipped: Any, bad: str, refusal: str, tmp: Path
) -> None:
    """What the settings and options accept for a trained file: ``shipped``, ``off``, a file
    that round-trips ``trained``; a missing file and ``bad`` content are refused, saying so."""
    path = tmp / "trained.json"
    path.write_text(json.dumps(trained.to_dict()))
    loaded = load(str(path))
    assert loaded is not None
    assert loaded.weights == trained.weights and loaded.bias == trained.bias
    assert load("off") is None
    assert load("shipped") is shipped
    with pytest.raises(ValueError, match="no such file"):
        load(str(tmp / "missing.json"))
    path.write_text(bad)
    with pytest.raises(ValueError, match=refusal):
        load(str(path))


def test_a_register_round_trips_and_bad_files_are_refused(tmp_path: Path) -> None:
    assert_loads_trained_files(
        family_register, REGISTER, shipped_register(), '{"weights": [1, 2]}',
        "not a family register", tmp_path,
    )  # fmt: skip


# -- the effect on a pair ----------------------------------------------------------------------


def test_an_adult_writing_like_family_lowers_the_risk_named_with_the_reason(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    off = run(make_scorer(config(None)), chat(), FAMILY_TALK)
    on = run(make_scorer(config()), chat(), FAMILY_TALK)
    found = effect(on)
    assert found is not None and effect(off) is None
    assert found[0] == MetadataConfig().family_register
    assert "5 messages read like family writing to a child" in found[1]
    assert 0.0 < on.risk < off.risk


def test_an_adult_writing_like_a_stranger_is_not_lowered(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    off = run(make_scorer(config(None)), chat(), GAME_TALK)
    on = run(make_scorer(config()), chat(), GAME_TALK)
    assert effect(on) is None
    assert on.risk == pytest.approx(off.risk)


def test_it_needs_enough_messages(make_scorer: MakeScorer, chat: MakeChat) -> None:
    few = run(make_scorer(config(family_register_messages=6)), chat(), FAMILY_TALK)
    assert effect(few) is None  # 5 scored messages
    enough = run(make_scorer(config(family_register_messages=5)), chat(), FAMILY_TALK)
    assert effect(enough) is not None


def test_not_applied_when_the_platform_records_the_relationship(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    scorer = make_scorer(config())
    r = run(scorer, chat(pair=PairFacts(known_relationship="teacher")), FAMILY_TALK)
    assert effect(r) is None
    state = scorer.pair_state("adult", "kid")
    assert state is not None and state.register_messages == 0  # not even scored


def test_a_claimed_family_role_takes_the_effect_away(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    r = run(make_scorer(config()), chat(), ("i'm like an uncle to you", *FAMILY_TALK))
    assert effect(r) is None


def test_two_minors_are_not_scored(make_scorer: MakeScorer, chat: MakeChat) -> None:
    teen = AccountFacts(declared_age=15, account_age_days=400)
    scorer = make_scorer(config())
    run(scorer, chat({"adult": teen, "kid": replace(teen, declared_age=14)}), FAMILY_TALK)
    state = scorer.pair_state("adult", "kid")
    assert state is not None and state.register_messages == 0


def test_the_register_is_kept_as_two_numbers_through_the_codec(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    scorer = make_scorer(config())
    run(scorer, chat(), FAMILY_TALK)
    state = scorer.pair_state("adult", "kid")
    assert state is not None and state.register_messages == 5
    again = decode_pair(json.loads(json.dumps(encode_pair(state))))
    assert (again.register_sum, again.register_messages) == (
        pytest.approx(state.register_sum),
        5,
    )


@pytest.mark.parametrize(
    "bad",
    [{"family_register": 0.0}, {"family_register_messages": 0}, {"family_register_min": 1.5}],
)
def test_config_is_validated(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"family_register|lowering"):
        MetadataConfig(**bad)


# -- training ----------------------------------------------------------------------------------


def run_training(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """One of the training scripts, as an operator runs it."""
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / script), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def retrained(script: str, out: Path) -> Any:
    """The file ``script`` writes to ``out`` with its defaults (the shipped file's data)."""
    done = run_training(script, "--out", str(out))
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())


def assert_trained_alike(fresh: Any, shipped: Any) -> None:
    """A fresh training and the shipped file: the same data, features and biases."""
    assert fresh.about == shipped.about
    assert fresh.about["splits"] == "dev"  # held-out conversations never trained on
    assert fresh.weights.keys() == shipped.weights.keys()
    assert fresh.bias == pytest.approx(shipped.bias, abs=1e-3)


def _train(*args: str) -> subprocess.CompletedProcess[str]:
    return run_training("train_family_register.py", *args)


def test_the_shipped_register_is_what_training_on_the_dev_data_gives(tmp_path: Path) -> None:
    data = retrained("train_family_register.py", tmp_path / "register.json")
    fresh, shipped = FamilyRegister.from_dict(data), shipped_register()
    assert_trained_alike(fresh, shipped)
    assert max(abs(fresh.weights[w] - shipped.weights[w]) for w in fresh.weights) < 1e-3


def test_training_refuses_what_it_cannot_use(tmp_path: Path) -> None:
    done = _train("--data", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "r.json"))
    assert done.returncode != 0 and "no such file" in done.stderr
    only_family = ROOT / "datasets" / "chat" / "family-v1.jsonl"
    lines = [ln for ln in only_family.read_text().splitlines() if '"risky":false' in ln]
    data = tmp_path / "family-only.jsonl"
    data.write_text("\n".join(lines) + "\n")
    done = _train("--data", str(data), "--out", str(tmp_path / "r.json"))
    assert done.returncode != 0 and "need both family and risky" in done.stderr
