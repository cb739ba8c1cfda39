"""The sign model: its arithmetic, what it finds that the rules miss, how it gates the embedding
stage, its files, and the shipped model against a fresh training on the dev data."""

from __future__ import annotations

import json
import math
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from childsafe.chat.config import sign_model
from childsafe.grooming import Band, Category, Hit, Normalized
from childsafe.grooming.evaluate import run_scorer
from childsafe.grooming.metadata import AccountFacts
from childsafe.grooming.scoring import ChatMessage, Scorer, ScorerConfig
from childsafe.grooming.signmodel import CATEGORIES, SignModel, features, shipped_sign_model
from childsafe.grooming.state import Suspicion
from tests.grooming.conftest import MINOR, Chat
from tests.grooming.test_register import (
    assert_loads_trained_files,
    assert_trained_alike,
    retrained,
    run_training,
)

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT / "datasets" / "chat"
MakeScorer = Callable[..., Scorer]
MakeChat = Callable[..., Chat]

SECRECY = CATEGORIES.index(Category.SECRECY)
#: Written for these tests; the rules find no sign in either.
UNSEEN = {
    "your friends dont really understand you like i do": Category.ISOLATION,
    "lets hop on a call so i can see you": Category.PHOTO_REQUEST,
}


def tiny(threshold: float = 0.8) -> SignModel:
    bias = [-20.0] * len(CATEGORIES)
    bias[SECRECY] = -1.0
    weights = {
        "quiet": ((SECRECY, 3.0),),
        "keep it": ((SECRECY, 2.0),),
        "dinner": ((SECRECY, -2.0),),
    }
    return SignModel(weights, tuple(bias), {}, threshold, 0.5)


# -- the model ---------------------------------------------------------------------------------


def test_features_are_distinct_words_and_adjacent_pairs() -> None:
    assert features(("keep", "it", "keep", "it")) == {"keep", "it", "keep it", "it keep"}


def test_a_category_is_the_logistic_of_its_known_features_normalised() -> None:
    probs = tiny().probabilities(("keep", "it", "quiet", "ok"))
    assert probs is not None
    # Known features: "quiet", "keep it" (2 of them), so the sum is scaled by 1/sqrt(2).
    expected = 1.0 / (1.0 + math.exp(-((3.0 + 2.0) / math.sqrt(2) - 1.0)))
    assert probs[SECRECY] == pytest.approx(expected)
    unknown = tiny().probabilities(("nothing", "known", "here"))
    assert unknown is not None and unknown[SECRECY] == pytest.approx(1 / (1 + math.e))
    assert tiny().probabilities(("keep", "quiet")) is None  # too short to read


def test_features_weighing_on_several_categories_add_up_in_each() -> None:
    isolation = CATEGORIES.index(Category.ISOLATION)
    bias = [0.5] * len(CATEGORIES)
    weights = {
        "only": ((SECRECY, 1.0), (isolation, 2.0)),
        "me": ((isolation, -0.5),),
        "only me": ((SECRECY, 0.25), (isolation, 1.5)),
    }
    probs = SignModel(weights, tuple(bias), {}).probabilities(("only", "me", "now"))
    assert probs is not None
    scale = 1.0 / math.sqrt(3)
    logistic = lambda x: 1.0 / (1.0 + math.exp(-x))  # noqa: E731
    assert probs[SECRECY] == pytest.approx(logistic(1.25 * scale + 0.5))
    assert probs[isolation] == pytest.approx(logistic(3.0 * scale + 0.5))
    others = [p for i, p in enumerate(probs) if i not in (SECRECY, isolation)]
    assert others == pytest.approx([logistic(0.5)] * len(others))


def test_hits_above_the_threshold_only_for_categories_not_already_found() -> None:
    text = "keep it quiet ok"
    hits, top = tiny().detect(text, ("keep", "it", "quiet", "ok"), set())
    assert [(h.category, h.strength, h.span, h.pattern_id) for h in hits] == [
        (Category.SECRECY, 0.5, (0, len(text)), "learned:secrecy")
    ]
    assert top > 0.8
    assert tiny().detect(text, ("keep", "it", "quiet", "ok"), {Category.SECRECY})[0] == []
    hits, top = tiny().detect(
        "keep it quiet after dinner", ("keep", "it", "quiet", "dinner"), set()
    )
    assert hits == [] and top < 0.8


def test_a_model_round_trips_and_bad_files_are_refused(tmp_path: Path) -> None:
    assert_loads_trained_files(
        sign_model, tiny(), shipped_sign_model(), '{"bias": {"secrecy": 1}}',
        "not a sign model", tmp_path,
    )  # fmt: skip
    with pytest.raises(ValueError, match="threshold"):
        SignModel({}, tuple([0.0] * len(CATEGORIES)), {}, 1.5)


# -- in the scorer -----------------------------------------------------------------------------


def test_it_finds_signs_in_words_the_rules_do_not_know(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    # The gate open from the first message (``watch``), so that one message is enough.
    for text, category in UNSEEN.items():
        without = make_scorer(ScorerConfig(semantic_min_band=Band.WATCH, sign_model=None))
        c = chat()
        assert not without.process(c("adult", "kid", text, 0.0)).hits
        scorer = make_scorer(ScorerConfig(semantic_min_band=Band.WATCH))
        outcome = scorer.process(chat()("adult", "kid", text, 0.0))
        found = {h.pattern_id for h in outcome.hits}
        assert f"learned:{category.value}" in found
        assert all(p.startswith("learned:") for p in found)
        report = scorer.pair_report("adult", "kid")
        assert report is not None and report.risk > 0
        # The explanation names the model and quotes the message it read.
        refs = [m for e in report.explanation.categories for m in e.messages]
        assert {r.pattern_id for r in refs} == found
        assert all(r.quote == text[:60] for r in refs)


def test_a_category_a_rule_vetoed_is_not_found_again_by_the_model(chat: MakeChat) -> None:
    # "keep it quiet" matches the secrecy rule, and "surprise" vetoes it: the innocent context
    # the veto read is in the same message, so the model must not add the category back.
    config = ScorerConfig(semantic_min_band=Band.WATCH, sign_model=tiny())  # gate open
    vetoed = "can you keep it quiet? its a surprise"
    words = Scorer().detector.normalizer.normalize(vetoed).words
    assert tiny().detect(vetoed, words, set())[0]  # the model alone would find it
    assert Scorer(config).process(chat()("adult", "kid", vetoed, 0.0)).hits == ()
    plain = Scorer(config).process(chat()("adult", "kid", "can you keep it quiet?", 0.0))
    assert [h.pattern_id for h in plain.hits] == ["secrecy.keep_secret"]


class Recording:
    """An embedding-stage double that records which messages it was asked about."""

    def __init__(self, operator_positives: bool = False) -> None:
        self.calls: list[str] = []
        self.operator_positives = operator_positives
        self.max_strength = 0.6

    def detect(
        self, message: ChatMessage, normalized: Normalized, lexical: Sequence[Hit]
    ) -> Sequence[Hit]:
        self.calls.append(message.text)
        return []


TALK = (
    "great goal in the second half",  # nothing like a sign: the stage is not asked
    "nobody at home needs to hear about our chats",  # some secrecy, not enough for a hit
    "lets hop on a call so i can see you",  # a hit of the model's own: the stage is not asked
)


@pytest.mark.parametrize(
    ("floor", "operator", "asked"),
    [
        (0.02, False, [TALK[1]]),
        (0.0, False, [TALK[0], TALK[1]]),
        (0.02, True, [TALK[0], TALK[1]]),  # operators' positives: the model never saw them
    ],
)
def test_the_embedding_stage_is_asked_only_where_the_model_leaves_doubt(
    chat: MakeChat, floor: float, operator: bool, asked: list[str]
) -> None:
    stage = Recording(operator)
    config = ScorerConfig(semantic_floor=floor, semantic_min_band=Band.WATCH)  # gate open
    scorer = Scorer(config, semantic=stage)
    c = chat()
    for i, text in enumerate(TALK):
        scorer.process(c("adult", "kid", text, 10.0 * i))
    assert stage.calls == asked


def test_the_floor_is_validated() -> None:
    with pytest.raises(ValueError, match="semantic_floor"):
        ScorerConfig(semantic_floor=1.0)
    with pytest.raises(ValueError, match="unbacked_below"):
        ScorerConfig(unbacked_below=1.0)
    with pytest.raises(ValueError, match="unbacked_factor"):
        ScorerConfig(unbacked_factor=1.5)
    with pytest.raises(ValueError, match="vouched_above"):
        ScorerConfig(vouched_above=1.0)
    with pytest.raises(ValueError, match="vouched_weight"):
        ScorerConfig(vouched_weight=-0.1)


# -- backing the rules -------------------------------------------------------------------------


def test_a_rule_match_the_model_does_not_back_is_discounted() -> None:
    rule = Hit(Category.SECRECY, 0.8, (0, 4), "secrecy.keep_quiet")
    claim = Hit(Category.AGE_DECEPTION, 0.9, (0, 4), "age_deception.claim", claimed_age=15)
    other = Hit(Category.GIFTS, 0.7, (0, 4), "gifts.offer")  # a category tiny() never learned
    assert tiny().learned == frozenset({Category.SECRECY})
    low = [0.0] * len(CATEGORIES)
    backed, unbacked = list(low), list(low)
    backed[SECRECY] = 0.9
    unbacked[SECRECY] = 0.1
    assert tiny().back([rule, claim, other], backed, 0.3, 0.5) == [rule, claim, other]
    out = tiny().back([rule, claim, other], unbacked, 0.3, 0.5)
    assert out[0] == Hit(Category.SECRECY, 0.4, (0, 4), "unbacked:secrecy.keep_quiet")
    assert out[1:] == [claim, other]  # age claims and unlearned categories stay with the rules


#: Written for these tests: the same rule (``meeting_request.come_get_you``) in a lift home
#: and in a stranger's offer.
LIFT = "ill come get you from swimming at 6, grandma is cooking tea"
OFFER = "i could come get you after school, nobody needs to know"


def _meeting(scorer: Scorer, c: Chat, text: str) -> Hit:
    hits = scorer.process(c("adult", "kid", text, 0.0)).hits
    return next(h for h in hits if h.category is Category.MEETING_REQUEST)


def test_the_scorer_discounts_look_alikes_and_keeps_signs(chat: MakeChat) -> None:
    lift = _meeting(Scorer(), chat(), LIFT)
    assert lift.pattern_id == "unbacked:meeting_request.come_get_you"
    offer = _meeting(Scorer(), chat(), OFFER)
    assert offer.pattern_id == "meeting_request.come_get_you"
    assert lift.strength == pytest.approx(offer.strength * ScorerConfig().unbacked_factor)
    # Off, and between two declared minors (the peer weights already discount, and the model
    # is not a judge of teenagers' own talk), the rule counts as it matched.
    off = _meeting(Scorer(ScorerConfig(unbacked_below=0.0)), chat(), LIFT)
    assert (off.pattern_id, off.strength) == ("meeting_request.come_get_you", offer.strength)
    peers = chat({"adult": MINOR, "kid": MINOR})
    assert _meeting(Scorer(), peers, LIFT).pattern_id == "meeting_request.come_get_you"
    # The explanation says which match was discounted.
    scorer = Scorer()
    c = chat()
    scorer.process(c("adult", "kid", LIFT, 0.0))
    report = scorer.pair_report("adult", "kid")
    assert report is not None
    refs = [m for e in report.explanation.categories for m in e.messages]
    assert [r.pattern_id for r in refs] == ["unbacked:meeting_request.come_get_you"]


# -- vouching between minors ------------------------------------------------------------------


def test_a_rule_match_the_model_is_sure_of_is_vouched_for() -> None:
    rule = Hit(Category.SECRECY, 0.8, (0, 4), "secrecy.keep_quiet")
    claim = Hit(Category.AGE_DECEPTION, 0.9, (0, 4), "age_deception.claim", claimed_age=15)
    other = Hit(Category.GIFTS, 0.7, (0, 4), "gifts.offer")  # a category tiny() never learned
    probs = [0.99] * len(CATEGORIES)
    out = tiny().vouch([rule, claim, other], probs, 0.8)
    assert out == [Hit(Category.SECRECY, 0.8, (0, 4), "vouched:secrecy.keep_quiet"), claim, other]
    probs[SECRECY] = 0.79
    assert tiny().vouch([rule], probs, 0.8) == [rule]


def _peer_risk(config: ScorerConfig, chat: MakeChat, text: str) -> tuple[float, Hit]:
    scorer = Scorer(config)
    hit = _meeting(scorer, chat({"adult": MINOR, "kid": MINOR}), text)
    report = scorer.pair_report("adult", "kid")
    assert report is not None
    return report.risk, hit


def test_between_minors_a_vouched_match_counts_above_the_peer_weight(chat: MakeChat) -> None:
    # A stranger's offer from a declared teenager: the model, which learned teenagers' own
    # look-alikes as negatives, is sure of it, so it counts at the vouched weight (0.6), not at
    # the meeting request's peer weight (0.25).
    config = ScorerConfig()
    assert config.peer_weights[Category.MEETING_REQUEST] < config.vouched_weight
    vouched, hit = _peer_risk(config, chat, OFFER)
    assert hit.pattern_id == "vouched:meeting_request.come_get_you"
    off, plain = _peer_risk(ScorerConfig(vouched_above=0.0), chat, OFFER)
    assert plain.pattern_id == "meeting_request.come_get_you"
    assert vouched > off > 0.0
    # A lift home between two teenagers is not vouched for and counts at the peer weight.
    lift, hit = _peer_risk(config, chat, LIFT)
    assert hit.pattern_id == "meeting_request.come_get_you"
    assert lift == pytest.approx(_peer_risk(ScorerConfig(vouched_above=0.0), chat, LIFT)[0])
    # Between an adult and a child, nothing is vouched: the full weight applies already.
    assert _meeting(Scorer(config), chat(), OFFER).pattern_id == "meeting_request.come_get_you"


# -- reading declared minors' messages --------------------------------------------------------

#: A declared teenager's messages to a younger one; the cue word of each is what the test model
#: reads for one category (``_reader``).
POSING = (
    ("add me on whisprr, it's quieter there", "quieter", Category.SECRECY),
    ("your friends are so immature", "immature", Category.ISOLATION),
    ("you're the only one i talk to", "only", Category.EXCLUSIVITY),
)


def _reader(*, reads: bool = True) -> SignModel:
    """A model that reads each of ``POSING``'s categories from its cue word (or nothing)."""
    bias = [-20.0] * len(CATEGORIES)
    weights: dict[str, tuple[tuple[int, float], ...]] = {}
    for _, cue, category in POSING:
        index = CATEGORIES.index(category)
        bias[index] = -2.0
        weights[cue] = ((index, 6.0 if reads else -6.0),)
    return SignModel(weights, tuple(bias), {}, 0.8, 0.5)


def _posing(chat: MakeChat, config: ScorerConfig, messages: int) -> tuple[Scorer, Chat]:
    facts = {"x": AccountFacts(declared_age=15), "kid": AccountFacts(declared_age=14)}
    c = chat(facts)
    scorer = Scorer(config)
    for i, (text, _, _) in enumerate(POSING[:messages]):
        scorer.process(c("x", "kid", text, float(i)))
    return scorer, c


def test_a_minor_whose_messages_the_model_reads_as_three_signs_is_a_possible_adult(
    chat: MakeChat,
) -> None:
    config = ScorerConfig(sign_model=_reader(), suspect_model_signs=3, suspect_model_above=0.8)
    two, _ = _posing(chat, config, 2)
    state = two.pair_state("x", "kid")
    assert state is not None and state.suspected_adult_at is None
    three, c = _posing(chat, config, 3)
    state = three.pair_state("x", "kid")
    assert state is not None and state.suspected_adult_at == "m3"
    three.process(c("x", "kid", "wanna meet irl?", 10.0))
    report = three.pair_report("x", "kid")
    assert report is not None
    assert any("sign model had read 3 different signs" in n for n in report.explanation.notes)
    meeting = next(ce for ce in report.explanation.categories
                   if ce.category is Category.MEETING_REQUEST)  # fmt: skip
    assert meeting.evidence == pytest.approx(0.7)  # the full weight, not the peer weight
    # The same rules' matches, but a model that does not read the signs, or the setting off:
    # the peer weights apply.
    for other in (
        replace(config, sign_model=_reader(reads=False)),
        replace(config, suspect_model_signs=0),
    ):
        scorer, c = _posing(chat, other, 3)
        scorer.process(c("x", "kid", "wanna meet irl?", 10.0))
        report = scorer.pair_report("x", "kid")
        assert report is not None
        assert not any("possible adult" in n for n in report.explanation.notes)
        meeting = next(ce for ce in report.explanation.categories
                       if ce.category is Category.MEETING_REQUEST)  # fmt: skip
        assert meeting.evidence == pytest.approx(0.7 * other.peer_weights[Category.MEETING_REQUEST])
        assert report.risk < three.pair_report("x", "kid").risk  # type: ignore[union-attr]


def test_between_minors_a_message_the_model_reads_as_a_sign_opens_the_pair(
    chat: MakeChat,
) -> None:
    # No rule matches "it's way quieter over there"; the model reads secrecy in it. Before,
    # a pair of declared minors was tracked only from a rule's match, so such messages were
    # lost to the three-sign count.
    facts = {"x": AccountFacts(declared_age=15), "kid": AccountFacts(declared_age=14)}
    quiet = "its way quieter over there tbh"
    for config, tracked in (
        (ScorerConfig(sign_model=_reader()), True),
        (ScorerConfig(sign_model=_reader(reads=False)), False),
        (ScorerConfig(sign_model=_reader(), suspect_model_signs=0), False),
    ):
        c = chat(facts)
        scorer = Scorer(config)
        assert not scorer.process(c("x", "kid", quiet, 0.0)).hits
        scorer.process(c("x", "kid", "that boss is impossible", 1.0))
        state = scorer.pair_state("x", "kid")
        assert (state is not None) is tracked
        if state is not None:
            assert state.model_signs == 1 << CATEGORIES.index(Category.SECRECY)
            assert not state.has_evidence  # the reading adds no evidence by itself


def test_once_a_minor_is_a_possible_adult_every_sign_the_model_reads_counts(
    chat: MakeChat,
) -> None:
    # After the three signs and a fourth, a meeting that only the model reads ("the park"):
    # one learned hit could not lift the pair a band on its own, so the gate alone would not
    # let the model add it; for a declared minor scored as a possible adult it counts anyway.
    model = _reader()
    meeting = CATEGORIES.index(Category.MEETING_REQUEST)
    bias = list(model.bias)
    bias[meeting] = -2.0
    model = SignModel({**model.weights, "park": ((meeting, 6.0),)}, tuple(bias), {}, 0.8, 0.5)
    scorer, c = _posing(chat, ScorerConfig(sign_model=model), 3)
    state = scorer.pair_state("x", "kid")
    assert state is not None and state.suspected_adult_at == "m3"
    scorer.process(c("x", "kid", "nobody gets you like i do", 3.0))
    assert not scorer.could_change_band(("x", "kid"), 4.0)  # the next band is out of reach
    hits = scorer.process(c("x", "kid", "see you down at the park later", 4.0)).hits
    assert [h.pattern_id for h in hits] == ["learned:meeting_request"]
    report = scorer.pair_report("x", "kid")
    assert report is not None
    assert any(ce.category is Category.MEETING_REQUEST for ce in report.explanation.categories)


def test_reading_minors_messages_refuses_impossible_settings() -> None:
    with pytest.raises(ValueError, match="suspect_model_signs"):
        ScorerConfig(suspect_model_signs=-1)
    with pytest.raises(ValueError, match="suspect_model_above"):
        ScorerConfig(suspect_model_above=1.0)


def test_between_an_adult_and_a_child_the_model_is_not_read_for_suspicion(chat: MakeChat) -> None:
    config = ScorerConfig(sign_model=_reader())
    c = chat({"x": AccountFacts(declared_age=30), "kid": AccountFacts(declared_age=14)})
    scorer = Scorer(config)
    for i, (text, _, _) in enumerate(POSING):
        scorer.process(c("x", "kid", text, float(i)))
    state = scorer.pair_state("x", "kid")
    assert state is not None and state.model_signs == 0 and state.suspected_adult_at is None


# -- training and data -------------------------------------------------------------------------


def _train(*args: str) -> subprocess.CompletedProcess[str]:
    return run_training("train_sign_model.py", *args)


def test_the_shipped_model_is_what_training_on_the_dev_data_gives(tmp_path: Path) -> None:
    data = retrained("train_sign_model.py", tmp_path / "signs.json")
    assert_trained_alike(SignModel.from_dict(data), shipped_sign_model())


def test_training_refuses_what_it_cannot_use(tmp_path: Path) -> None:
    done = _train("--data", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "m.json"))
    assert done.returncode != 0 and "no such file" in done.stderr


def _without(writer: str, dataset: str, tmp: Path) -> tuple[SignModel, list[dict[str, Any]]]:
    """A model trained without ``writer`` (an id prefix), and that writer's conversations."""
    out = tmp / f"without-{writer}.json"
    done = _train("--leave-out", writer, "--out", str(out))
    assert done.returncode == 0, done.stderr
    lines = (DATASETS / dataset).read_text(encoding="utf-8").splitlines()
    mine = [c for c in map(json.loads, lines) if c["id"].startswith(writer)]
    return SignModel.from_dict(json.loads(out.read_text())), mine


def test_on_a_writer_it_was_not_trained_on_it_finds_more_risky_adults(tmp_path: Path) -> None:
    # Writer K of the second family set, left out of training: what the model adds on wording
    # it has never seen, with the rules and no embedding stage.
    model, k = _without("famk", "family-v2.jsonl", tmp_path)
    without, _ = run_scorer(k, ScorerConfig(sign_model=None))
    with_model, _ = run_scorer(k, ScorerConfig(sign_model=model))
    risky = sum(o.flagged for o in with_model if o.risky)
    assert risky > sum(o.flagged for o in without if o.risky)
    families = sum(o.flagged for o in with_model if not o.risky)
    assert families <= sum(o.flagged for o in without if not o.risky) + 1
    # Backing the rules with the model flags fewer of K's families, at most two risky fewer
    # (K is the dev writer where it costs most; over the six dev family writers, each left
    # out in turn, it flags 9 families instead of 27 and finds 110 risky adults of 120
    # instead of 113).
    unbacked_off, _ = run_scorer(k, ScorerConfig(sign_model=model, unbacked_below=0.0))
    assert families < sum(o.flagged for o in unbacked_off if not o.risky)
    assert risky >= sum(o.flagged for o in unbacked_off if o.risky) - 2


def test_vouching_finds_adults_posing_as_teenagers_a_model_without_them_never_read(
    tmp_path: Path,
) -> None:
    # Writer E of the teen-peer set, left out of training: vouching between declared minors
    # finds more of E's adults who declare a teenager's age, and flags at most one more of E's
    # sixty teenagers' conversations. (Writer A was the example until the rules and the
    # model's reading of minors' messages found all 20 of A's without vouching.)
    model, a = _without("pse", "peers-v2.jsonl", tmp_path)
    vouched, _ = run_scorer(a, ScorerConfig(sign_model=model))
    plain, _ = run_scorer(a, ScorerConfig(sign_model=model, vouched_above=0.0))
    assert sum(o.flagged for o in vouched if o.risky) > sum(o.flagged for o in plain if o.risky)
    teens = sum(o.flagged for o in vouched if not o.risky)
    assert teens <= sum(o.flagged for o in plain if not o.risky) + 1


def test_the_account_the_model_reads_as_a_possible_adult_is_the_one_writing_the_signs(
    tmp_path: Path,
) -> None:
    # Writer D of the second teen-peer set, left out of training: where reading the declared
    # minors' messages makes an account a possible adult in a risky conversation, it is the
    # account that wrote the signs, never the child; and it finds more of D's posing adults
    # than with it off.
    model, a = _without("psd", "peers-v2.jsonl", tmp_path)
    outcomes, scorer = run_scorer(a, ScorerConfig(sign_model=model))
    signers = {m["from"] for c in a for m in c["messages"] if m.get("signs")}
    risky_accounts = {acc for c in a if c["risky"] for acc in c["accounts"]}
    suspected = [
        adult
        for adult, minor in scorer.pairs()
        if adult in risky_accounts
        and scorer.pair_state(adult, minor).suspected_why is Suspicion.MODEL_SIGNS  # type: ignore[union-attr]
    ]
    assert len(suspected) >= 5
    assert all(adult in signers for adult in suspected)
    off, _ = run_scorer(a, ScorerConfig(sign_model=model, suspect_model_signs=0))
    assert sum(o.flagged for o in outcomes if o.risky) > sum(o.flagged for o in off if o.risky)
