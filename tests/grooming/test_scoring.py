"""The conversation scorer: decay, order, direction, bands, explanations, peers, memory.

Every chat line here is one of the published, non-explicit warning signs or ordinary chit-chat
(SAFETY.md). No timing assertions: "cheap" is checked by what the scorer did, not how fast.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import cycle, pairwise

import pytest

from childsafe.grooming import Category, Hit
from childsafe.grooming.bands import Band, BandChange
from childsafe.grooming.metadata import AccountFacts, PairFacts, PairKind
from childsafe.grooming.normalize import Normalized
from childsafe.grooming.scoring import ChatMessage, Scorer, ScorerConfig
from childsafe.grooming.state import N_CATEGORIES
from tests.grooming.conftest import ADULT, MINOR, OTHER_ADULT, TEEN, Chat

DAY = 86_400.0
SIGNS = {
    Category.SECRECY: "keep this our little secret ok?",
    Category.ISOLATION: "your parents just don't understand you",
    Category.MEETING_REQUEST: "wanna meet irl?",
    Category.FLATTERY: "you're really mature for your age",
    Category.AGE_PROBING: "how old are you?",
    Category.PHOTO_REQUEST: "can i see a pic of you?",
    Category.PLATFORM_MOVE: "add me on whisprr",
    Category.GIFTS: "i can get you 500 gems if you want",
    Category.SUPERVISION_CHECK: "are your parents home?",
    Category.EXCLUSIVITY: "nobody gets you like i do",
    Category.PRESSURE: "why are you ignoring me",
    Category.AGE_DECEPTION: "age is just a number anyway",
}
CHITCHAT = ("what are you up to?", "lol yeah", "nothing much", "that boss is impossible")

MakeScorer = Callable[..., Scorer]
MakeChat = Callable[..., Chat]


def feed(scorer: Scorer, messages: Sequence[ChatMessage]) -> list[BandChange]:
    events: list[BandChange] = []
    for m in messages:
        events.extend(scorer.process(m).events)
    return events


def risk(scorer: Scorer, adult: str = "adult", kid: str = "kid", now: float | None = None) -> float:
    report = scorer.pair_report(adult, kid, now)
    assert report is not None
    return report.risk


# -- decay and order -------------------------------------------------------------------------


def test_risk_decays_over_time(make_scorer: MakeScorer, chat: MakeChat) -> None:
    c = chat()
    scorer = make_scorer(ScorerConfig(half_life_days=7))
    feed(scorer, [c("adult", "kid", SIGNS[Category.SECRECY], 0.0)])
    state = scorer.pair_state("adult", "kid")
    assert state is not None
    now = risk(scorer, now=0.0)
    week = risk(scorer, now=7 * DAY)
    month = risk(scorer, now=30 * DAY)
    assert now > week > month > 0.0
    secrecy = Category.SECRECY
    index = list(Category).index(secrecy)
    assert state.evidence_at(14 * DAY, 7 * DAY)[index] == pytest.approx(
        state.evidence_at(0.0, 7 * DAY)[index] / 4
    )


def test_a_sign_repeated_after_a_long_pause_counts_less_than_one_repeated_at_once(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    c = chat()
    quick, slow = make_scorer(), make_scorer()
    feed(quick, [c("adult", "kid", SIGNS[Category.GIFTS], 0.0)] * 2)
    feed(
        slow,
        [
            c("adult", "kid", SIGNS[Category.GIFTS], 0.0),
            c("adult", "kid", SIGNS[Category.GIFTS], 60 * DAY),
        ],
    )
    # Each right after its second sign: the first sign of the slow pair has decayed away.
    assert risk(slow, now=60 * DAY) < risk(quick, now=0.0)


def test_categories_in_any_order_give_the_same_credit(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    order = [Category.AGE_PROBING, Category.GIFTS, Category.SECRECY, Category.MEETING_REQUEST]
    results = []
    for sequence in (order, order[::-1], [order[2], order[0], order[3], order[1]]):
        c = chat()
        scorer = make_scorer()
        # Same clock for every sign: the order is the only difference.
        feed(scorer, [c("adult", "kid", SIGNS[cat], 100.0) for cat in sequence])
        results.append(risk(scorer))
    assert results[0] == results[1] == results[2]
    # Spread over a few minutes, the order changes nothing that matters.
    spread = []
    for sequence in (order, order[::-1]):
        c = chat()
        scorer = make_scorer()
        feed(scorer, [c("adult", "kid", SIGNS[cat], 60.0 * i) for i, cat in enumerate(sequence)])
        spread.append(risk(scorer, now=600.0))
    assert spread[0] == pytest.approx(spread[1], abs=1e-3)


def test_more_distinct_categories_score_higher(make_scorer: MakeScorer, chat: MakeChat) -> None:
    c = chat()
    one, three = make_scorer(), make_scorer()
    feed(one, [c("adult", "kid", SIGNS[Category.GIFTS], float(t)) for t in range(3)])
    feed(
        three,
        [
            c("adult", "kid", SIGNS[cat], float(t))
            for t, cat in enumerate([Category.GIFTS, Category.FLATTERY, Category.EXCLUSIVITY])
        ],
    )
    assert risk(three) > risk(one)
    report = three.pair_report("adult", "kid")
    assert report is not None and report.explanation.breadth == 3


# -- direction -------------------------------------------------------------------------------


def test_the_minor_asking_how_old_barely_counts(make_scorer: MakeScorer, chat: MakeChat) -> None:
    c = chat()
    adult_asks, minor_asks = make_scorer(), make_scorer()
    feed(adult_asks, [c("adult", "kid", SIGNS[Category.AGE_PROBING], 0.0)])
    feed(minor_asks, [c("kid", "adult", SIGNS[Category.AGE_PROBING], 0.0)])
    asked_by_adult = risk(adult_asks)
    asked_by_minor = risk(minor_asks)
    assert asked_by_adult > 0.0
    assert asked_by_minor < asked_by_adult * 0.1
    # The minor's message is still attributed to the same pair (adult side, minor side).
    state = minor_asks.pair_state("adult", "kid")
    assert state is not None and state.messages_in == 1 and state.messages_out == 0
    assert state.adult_initiated is False


def test_the_minor_own_age_claim_is_not_deception(make_scorer: MakeScorer, chat: MakeChat) -> None:
    c = chat()
    scorer = make_scorer()
    feed(scorer, [c("adult", "kid", "hi", 0.0), c("kid", "adult", "i'm only 13", 10.0)])
    state = scorer.pair_state("adult", "kid")
    assert state is not None and not state.has_evidence


# -- metadata ----------------------------------------------------------------------------------


def test_known_family_lowers_but_never_to_zero(make_scorer: MakeScorer, chat: MakeChat) -> None:

    texts = [
        SIGNS[Category.SUPERVISION_CHECK],
        SIGNS[Category.GIFTS],
        SIGNS[Category.MEETING_REQUEST],
    ]
    stranger, family, everything = make_scorer(), make_scorer(), make_scorer()
    c1, c2 = chat(), chat(pair=PairFacts(connected=True, known_relationship="family"))
    c3 = chat(pair=PairFacts(connected=True, known_relationship="family", guardians_present=True))
    for scorer, c in ((stranger, c1), (family, c2), (everything, c3)):
        feed(scorer, [c("adult", "kid", t, float(i)) for i, t in enumerate(texts)])
    assert 0.0 < risk(everything) <= risk(family) < risk(stranger)
    report = everything.pair_report("adult", "kid")
    assert report is not None
    names = {fe.factor.name for fe in report.explanation.factors}
    assert {"known_relationship", "guardians_present", "connected"} <= names
    # The lowering effects multiply out below the floor, so the floor applies.
    floor = ScorerConfig().metadata.floor
    raising = 1.0
    for fe in report.explanation.factors:
        if fe.factor.raises:
            raising *= fe.factor.multiplier
    assert report.explanation.multiplier == pytest.approx(raising * floor)
    assert any("never exempt" in note for note in report.explanation.notes)
    for fe in report.explanation.factors:
        if fe.factor.name == "known_relationship":
            assert fe.risk_without >= report.risk  # removing a lowering effect cannot lower


def test_claimed_age_far_below_declared_raises(make_scorer: MakeScorer, chat: MakeChat) -> None:
    lying, honest = make_scorer(), make_scorer()
    verified = AccountFacts(declared_age=41, age_verified=True, account_age_days=400)
    c = chat({"adult": verified, "kid": MINOR})
    feed(
        lying,
        [c("adult", "kid", SIGNS[Category.GIFTS], 0.0), c("adult", "kid", "i'm only 15", 1.0)],
    )
    feed(
        honest, [c("adult", "kid", SIGNS[Category.GIFTS], 0.0), c("adult", "kid", "im 41 lol", 1.0)]
    )
    assert risk(lying) > risk(honest)
    report = lying.pair_report("adult", "kid")
    assert report is not None
    deception = [
        ce for ce in report.explanation.categories if ce.category is Category.AGE_DECEPTION
    ]
    assert deception and deception[0].evidence >= 0.85
    factor = next(
        fe.factor for fe in report.explanation.factors if fe.factor.name == "age_claim_mismatch"
    )
    assert "15" in factor.detail and "41" in factor.detail and "verified" in factor.detail
    honest_report = honest.pair_report("adult", "kid")
    assert honest_report is not None
    assert Category.AGE_DECEPTION not in {
        ce.category for ce in honest_report.explanation.categories
    }


def test_new_accounts_and_age_gap_raise(make_scorer: MakeScorer, chat: MakeChat) -> None:
    old = AccountFacts(declared_age=19, account_age_days=900)
    new = AccountFacts(declared_age=45, account_age_days=2)
    results = {}
    for name, facts in (("old", old), ("new", new)):
        scorer = make_scorer()
        c = chat({"adult": facts, "kid": MINOR})
        feed(scorer, [c("adult", "kid", SIGNS[Category.GIFTS], 0.0)])
        report = scorer.pair_report("adult", "kid")
        assert report is not None
        results[name] = (report.risk, {fe.factor.name for fe in report.explanation.factors})
    assert results["new"][0] > results["old"][0]
    assert {"new_account", "age_gap"} <= results["new"][1]
    assert "new_account" not in results["old"][1]


def test_every_metadata_effect_is_explained(make_scorer: MakeScorer, chat: MakeChat) -> None:

    scorer = make_scorer()
    c = chat(pair=PairFacts(connected=True, known_relationship="teacher"))
    feed(scorer, [c("adult", "kid", SIGNS[Category.PLATFORM_MOVE], 0.0)])
    report = scorer.pair_report("adult", "kid")
    assert report is not None
    names = [fe.factor.name for fe in report.explanation.factors]
    assert names == [
        "age_gap",
        "adult_initiated",
        "fast_platform_move",
        "known_relationship",
        "connected",
    ]
    product = 1.0
    for fe in report.explanation.factors:
        product *= fe.factor.multiplier
        assert fe.factor.detail
    assert report.explanation.multiplier == pytest.approx(product)
    lines = report.explanation.lines(report.risk)
    assert any("lowered the risk" in line for line in lines)
    assert any("raised the risk" in line for line in lines)


# -- bands and events ------------------------------------------------------------------------


def test_band_changes_are_emitted_once_per_change(make_scorer: MakeScorer, chat: MakeChat) -> None:
    c = chat()
    scorer = make_scorer()
    messages = [c("adult", "kid", "hey", 0.0)]
    messages += [c("adult", "kid", SIGNS[cat], 10.0 * (i + 1)) for i, cat in enumerate(
        [Category.AGE_PROBING, Category.FLATTERY, Category.SECRECY, Category.ISOLATION,
         Category.MEETING_REQUEST]
    )]  # fmt: skip
    messages += [c("adult", "kid", text, 100.0 + i) for i, text in enumerate(CHITCHAT * 5)]
    events = feed(scorer, messages)
    pair_events = [e for e in events if e.subject == "pair"]
    assert pair_events, "the pair should have climbed"
    assert all(e.new is not e.old for e in pair_events)
    for before, after in pairwise(pair_events):
        assert after.old is before.new
    assert pair_events[-1].new is Band.URGENT_REVIEW
    # Chit-chat afterwards (inside the re-evaluation interval) fires nothing.
    assert all(e.message_id not in {m.id for m in messages[6:]} for e in events)
    senders = [e for e in events if e.subject == "sender"]
    assert senders and senders[-1].account == "adult" and senders[-1].other is None
    # Feeding the same signs again raises nothing further: already urgent.
    assert not [e for e in feed(scorer, [c("adult", "kid", SIGNS[Category.SECRECY], 200.0)])
                if e.subject == "pair"]  # fmt: skip


def test_band_falls_with_decay_and_says_so(make_scorer: MakeScorer, chat: MakeChat) -> None:
    c = chat()
    scorer = make_scorer(ScorerConfig(half_life_days=1))
    up = feed(scorer, [c("adult", "kid", SIGNS[Category.SECRECY], 0.0)])
    assert up and up[0].rising
    down = feed(scorer, [c("adult", "kid", "lol yeah", 20 * DAY)])
    pair_down = [e for e in down if e.subject == "pair"]
    assert len(pair_down) == 1 and not pair_down[0].rising and pair_down[0].new is Band.NONE


def test_band_thresholds_validate_and_use_hysteresis() -> None:
    from childsafe.grooming.bands import BandThresholds

    with pytest.raises(ValueError, match="increase"):
        BandThresholds(watch=0.5, nudge_child=0.4)
    with pytest.raises(ValueError):
        BandThresholds(urgent_review=1.5)
    bands = BandThresholds()
    assert bands.band_for(0.0) is Band.NONE
    assert bands.band_for(bands.nudge_child) is Band.NUDGE_CHILD
    just_below = bands.nudge_child - bands.hysteresis / 2
    assert bands.band_for(just_below) is Band.WATCH
    assert bands.band_for(just_below, Band.NUDGE_CHILD) is Band.NUDGE_CHILD
    assert bands.band_for(0.0, Band.URGENT_REVIEW) is Band.NONE


# -- explanations ----------------------------------------------------------------------------


def test_explanation_names_message_ids_and_quotes_spans(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    c = chat()
    scorer = make_scorer()
    evasive = "keep this our little s3cr3t ok?"
    messages = [
        c("adult", "kid", "hey there", 0.0),
        c("adult", "kid", evasive, 10.0),
        c("adult", "kid", SIGNS[Category.MEETING_REQUEST], 20.0),
    ]
    feed(scorer, messages)
    report = scorer.pair_report("adult", "kid")
    assert report is not None
    by_category = {ce.category: ce for ce in report.explanation.categories}
    secrecy = by_category[Category.SECRECY]
    (ref,) = secrecy.messages
    assert ref.message_id == "m2" and ref.pattern_id.startswith("secrecy.")
    assert ref.quote == evasive[ref.span[0] : ref.span[1]]
    assert "s3cr3t" in ref.quote
    meeting = by_category[Category.MEETING_REQUEST].messages[0]
    assert meeting.message_id == "m3"
    data = report.to_dict()
    assert data["explanation"]["categories"][0]["messages"][0]["message_id"] in {"m2", "m3"}
    text = "\n".join(report.explanation.lines(report.risk))
    assert 'm2 "our little s3cr3t"' in text or 'm2 "keep this our little s3cr3t"' in text


def test_quotes_can_be_switched_off(make_scorer: MakeScorer, chat: MakeChat) -> None:
    c = chat()
    scorer = make_scorer(ScorerConfig(keep_quotes=False))
    feed(scorer, [c("adult", "kid", SIGNS[Category.SECRECY], 0.0)])
    report = scorer.pair_report("adult", "kid")
    assert report is not None
    ref = report.explanation.categories[0].messages[0]
    assert ref.quote is None and ref.message_id == "m1" and ref.span[1] > ref.span[0]


# -- peers and unknown ages ------------------------------------------------------------------


def test_two_adults_are_skipped_before_any_stage(make_scorer: MakeScorer, chat: MakeChat) -> None:
    c = chat({"a": ADULT, "b": OTHER_ADULT})
    scorer = make_scorer()
    outcome = scorer.process(c("a", "b", SIGNS[Category.MEETING_REQUEST], 0.0))
    # Nothing is scored between adults, so the message is not even read for signs.
    assert outcome.skipped and not outcome.hits and not outcome.pairs and not outcome.events
    assert list(scorer.pairs()) == [] and list(scorer.senders()) == []
    # The same message to a child is read.
    to_child = chat({"a": ADULT, "k": MINOR})("a", "k", SIGNS[Category.MEETING_REQUEST], 1.0)
    assert scorer.process(to_child).hits


def test_two_minors_keep_no_state_until_a_sign(make_scorer: MakeScorer, chat: MakeChat) -> None:
    c = chat({"k1": MINOR, "k2": TEEN})
    scorer = make_scorer()
    for i, text in enumerate(CHITCHAT * 10):
        assert scorer.process(c("k1", "k2", text, float(i))).skipped
    assert list(scorer.pairs()) == []
    outcome = scorer.process(c("k1", "k2", SIGNS[Category.SECRECY], 100.0))
    assert not outcome.skipped
    state = scorer.pair_state("k1", "k2")
    assert state is not None and state.kind is PairKind.PEER_MINORS
    assert list(scorer.senders()) == []  # no sender fan-out tracking between declared minors


def test_peer_signs_count_less_and_playing_age_down_lifts_that(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    adult_pair, peer_pair, suspected = make_scorer(), make_scorer(), make_scorer()
    ca = chat({"x": AccountFacts(declared_age=16), "kid": AccountFacts(declared_age=15)})
    cc = chat({"x": AccountFacts(declared_age=22), "kid": AccountFacts(declared_age=15)})
    feed(peer_pair, [ca("x", "kid", SIGNS[Category.MEETING_REQUEST], 0.0)])
    feed(adult_pair, [cc("x", "kid", SIGNS[Category.MEETING_REQUEST], 0.0)])
    assert 0.0 < risk(peer_pair, "x") < risk(adult_pair, "x")
    feed(
        suspected,
        [
            ca("x", "kid", SIGNS[Category.AGE_DECEPTION], 0.0),
            ca("x", "kid", SIGNS[Category.MEETING_REQUEST], 1.0),
        ],
    )
    report = suspected.pair_report("x", "kid")
    assert report is not None
    assert any("possible adult" in note for note in report.explanation.notes)
    meeting = next(ce for ce in report.explanation.categories
                   if ce.category is Category.MEETING_REQUEST)  # fmt: skip
    assert meeting.evidence == pytest.approx(0.7)  # full weight once suspected


@pytest.mark.parametrize(
    ("account_days", "connected", "suspected"),
    [(12.0, False, True), (400.0, False, False), (12.0, True, False)],
)
def test_a_new_unconnected_account_with_three_kinds_of_sign_is_a_possible_adult(
    make_scorer: MakeScorer,
    chat: MakeChat,
    account_days: float,
    connected: bool,
    suspected: bool,
) -> None:
    # Declares 15 and says so: no age lie to catch. A fresh account that is not connected to
    # the child and shows three different signs is scored as a possible adult anyway.
    facts = {
        "x": AccountFacts(declared_age=15, account_age_days=account_days),
        "kid": AccountFacts(declared_age=14, account_age_days=700),
    }
    c = chat(facts, PairFacts(connected=connected))
    # The sign model reads these three signs too (it would suspect any account of them): off,
    # so that only the account's age and connection decide here.
    scorer = make_scorer(ScorerConfig(suspect_model_signs=0))
    signs = (Category.PLATFORM_MOVE, Category.SUPERVISION_CHECK, Category.PHOTO_REQUEST)
    feed(scorer, [c("x", "kid", SIGNS[cat], float(i)) for i, cat in enumerate(signs)])
    before = risk(scorer, "x")
    feed(scorer, [c("x", "kid", SIGNS[Category.MEETING_REQUEST], 10.0)])
    report = scorer.pair_report("x", "kid")
    assert report is not None
    noted = any("new account, not connected" in n for n in report.explanation.notes)
    assert noted is suspected
    meeting = next(ce for ce in report.explanation.categories
                   if ce.category is Category.MEETING_REQUEST)  # fmt: skip
    # Full weight once suspected; the peer weight otherwise.
    assert (meeting.evidence == pytest.approx(0.7)) is suspected
    assert risk(scorer, "x") > before


def test_negative_new_account_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="suspect_new_account_signs"):
        ScorerConfig(suspect_new_account_signs=-1)


def test_suspecting_new_accounts_can_be_turned_off(make_scorer: MakeScorer, chat: MakeChat) -> None:
    facts = {"x": AccountFacts(declared_age=15, account_age_days=3), "kid": TEEN}
    c = chat(facts)
    scorer = make_scorer(ScorerConfig(suspect_new_account_signs=0, suspect_model_signs=0))
    signs = (Category.PLATFORM_MOVE, Category.SUPERVISION_CHECK, Category.PHOTO_REQUEST)
    feed(scorer, [c("x", "kid", SIGNS[cat], float(i)) for i, cat in enumerate(signs)])
    state = scorer.pair_state("x", "kid")
    assert state is not None and state.suspected_adult_at is None


def test_unknown_age_is_scored_as_adult_to_minor_with_a_discount(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    known, unknown = make_scorer(), make_scorer()
    ck = chat({"adult": AccountFacts(declared_age=18), "kid": MINOR})
    cu = chat({"adult": AccountFacts(), "kid": MINOR})
    feed(known, [ck("adult", "kid", SIGNS[Category.SECRECY], 0.0)])
    feed(unknown, [cu("adult", "kid", SIGNS[Category.SECRECY], 0.0)])
    report = unknown.pair_report("adult", "kid")
    assert report is not None and report.kind is PairKind.UNKNOWN_AGE
    assert "unknown_age" in {fe.factor.name for fe in report.explanation.factors}
    assert 0.0 < report.risk < risk(known)


# -- memory ----------------------------------------------------------------------------------


def test_memory_per_pair_is_bounded(make_scorer: MakeScorer, chat: MakeChat) -> None:
    c = chat()
    config = ScorerConfig(ring_capacity=12)
    scorer = make_scorer(config)
    texts = cycle([*SIGNS.values(), *CHITCHAT])
    sizes = []
    for i in range(10_000):
        sender, recipient = ("adult", "kid") if i % 3 else ("kid", "adult")
        scorer.process(c(sender, recipient, next(texts), float(i)))
        if i in (999, 9_999):
            state = scorer.pair_state("adult", "kid")
            assert state is not None
            sizes.append(state.nbytes())
    state = scorer.pair_state("adult", "kid")
    assert state is not None and state.refs is not None
    assert len(state.refs) == config.ring_capacity
    assert state.evidence is not None and len(state.evidence) == N_CATEGORIES
    # Message ids grow by a character or two; nothing else grows.
    assert sizes[1] <= sizes[0] + 2 * config.ring_capacity
    assert sizes[1] < 6_000
    stats = scorer.memory()
    assert stats.pairs == 1 and stats.max_pair_bytes == sizes[1]
    # The ring keeps at least one reference per category seen.
    assert {r.category for r in state.refs} == set(SIGNS)


def test_ring_keeps_one_reference_per_category(make_scorer: MakeScorer, chat: MakeChat) -> None:
    c = chat()
    scorer = make_scorer(ScorerConfig(ring_capacity=3))
    texts = [SIGNS[Category.SECRECY], *([SIGNS[Category.GIFTS]] * 5), SIGNS[Category.FLATTERY]]
    feed(scorer, [c("adult", "kid", t, float(i)) for i, t in enumerate(texts)])
    state = scorer.pair_state("adult", "kid")
    assert state is not None and state.refs is not None
    assert [r.category for r in state.refs] == [
        Category.SECRECY,
        Category.GIFTS,
        Category.FLATTERY,
    ]
    assert state.refs[1].message_id == "m6"  # the newest of the repeated category


# -- the semantic stage's gate ---------------------------------------------------------------


class RecordingStage:
    """A test double: records calls, and reports one isolation hit when asked to."""

    def __init__(self, hit: bool = False) -> None:
        self.calls: list[str] = []
        self.hit = hit

    def detect(
        self, message: ChatMessage, normalized: Normalized, lexical: Sequence[Hit]
    ) -> Sequence[Hit]:
        self.calls.append(message.id)
        if self.hit:
            return [Hit(Category.ISOLATION, 0.9, (0, len(message.text)), "semantic.test")]
        return []


def test_semantic_stage_runs_only_where_it_could_change_a_band(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    stage = RecordingStage()
    scorer = make_scorer(
        ScorerConfig(semantic_min_band=Band.URGENT_REVIEW, sign_model=None), semantic=stage
    )
    c = chat()
    peers = chat({"k1": MINOR, "k2": TEEN})
    adults = chat({"a": ADULT, "b": OTHER_ADULT})
    scorer.process(adults("a", "b", "lol yeah", 0.0))
    scorer.process(peers("k1", "k2", "lol yeah", 0.0))
    assert stage.calls == []  # no tracked pair, nothing to change
    scorer.process(c("adult", "kid", "hey", 1.0))
    assert stage.calls == []  # one message cannot lift a fresh pair to urgent_review
    scorer.process(c("adult", "kid", SIGNS[Category.SECRECY], 2.0))
    scorer.process(c("adult", "kid", "lol yeah", 3.0))
    assert stage.calls == ["m3"]  # now a single strong sign could
    assert scorer.could_change_band(("adult", "kid"), 3.0)
    assert not scorer.could_change_band(("nobody", "kid"), 3.0)


def test_semantic_hits_join_the_evidence(make_scorer: MakeScorer, chat: MakeChat) -> None:
    stage = RecordingStage(hit=True)
    scorer = make_scorer(
        ScorerConfig(semantic_min_band=Band.WATCH, sign_model=None), semantic=stage
    )
    c = chat()
    outcome = scorer.process(c("adult", "kid", "they never listen to you like i do", 0.0))
    assert outcome.semantic and stage.calls == ["m1"]
    assert Category.ISOLATION in {h.category for h in outcome.hits}
    report = scorer.pair_report("adult", "kid")
    assert report is not None
    assert report.explanation.categories[0].messages[0].pattern_id == "semantic.test"


# -- config ----------------------------------------------------------------------------------


def test_config_refuses_incomplete_weights() -> None:
    with pytest.raises(ValueError, match="lacks categories"):
        ScorerConfig(category_weights={Category.SECRECY: 1.0})
    with pytest.raises(ValueError):
        ScorerConfig(half_life_days=0)
