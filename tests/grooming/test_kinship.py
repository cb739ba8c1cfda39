"""Family cues in the conversation (``kinship``) and the ``kinship_cues`` metadata effect.

Chat lines are ordinary family talk or the published, non-explicit warning signs (SAFETY.md);
account ids are invented.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from childsafe.grooming.bands import BandChange
from childsafe.grooming.detectors import LexicalDetector
from childsafe.grooming.kinship import KinshipDetector
from childsafe.grooming.metadata import MetadataConfig, PairFacts
from childsafe.grooming.scoring import ChatMessage, Scorer, ScorerConfig
from childsafe.grooming.scoring_reports import PairReport
from childsafe.grooming.state import PairState
from tests.grooming.conftest import Chat

MakeScorer = Callable[..., Scorer]
MakeChat = Callable[..., Chat]

#: Two look-alike signs a parent might send and a stranger might too.
SIGNS = ("i'll pick you up at 4", "where are you? answer me")
ADULT_CUES = ("did you feed the dog?", "grandpa says hi")
MINOR_CUE = "ok mom"


@pytest.fixture(scope="module")
def kin() -> KinshipDetector:
    return KinshipDetector()


def _adult(kin: KinshipDetector, detector: LexicalDetector, text: str) -> bool:
    message = detector.normalizer.normalize(text)
    return kin.adult_cue(message, detector.detect_normalized(message))


def _minor(kin: KinshipDetector, detector: LexicalDetector, text: str) -> bool:
    return kin.minor_cue(detector.normalizer.normalize(text))


# -- the detector ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "ok mom",
        "thanks, grandma!",
        "love you dad",
        "Mom, can I go to Sam's after school?",
        "dad can you get me at the library",
        "see you later, auntie",
        "thanks uncle rob",
        "mom?",
        # Added with the family set: other family names, and an address without the usual
        # lead-in word.
        "hi nonna",
        "6th grade pop",
        "i will abuela",
        "dad. no way",
        "grandpa its me, sam",
        "mom i got a B",
        "mom did u see my charger",
        "aunt jo can u help w my essay",
        "daddy wen r u coming",
        "auntie jo can i borrow the tent",
        "mom my phone died",
        "hi nani",
        # Filipino and godparent names, and an imperative after the family term.
        "thanks tita",
        "night lolo",
        "hi ninang",
        "grandpa come see my farm",
        "mum look at this",
        # An answer after the family term, and the child naming the relationship.
        "mom no its not done",
        "tio no way",
        "mum yes",
        "ur my mum u have to say that",
        "you're my favourite aunty",
    ],
)
def test_the_child_addressing_family_is_a_cue(
    kin: KinshipDetector, detector: LexicalDetector, text: str
) -> None:
    assert _minor(kin, detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "my mom says i cant",
        "dad's asleep",
        "my mom is downstairs",
        "mom is at work",
        "your mom is nice",
        "i told my mom",
        "lol ok",
        # Answers about who is around, and the family named as someone else.
        "just mom",
        "usually dad",
        "home with grandma",
        "ill ask mom",
        "its mom",
        "pop quiz today ugh",
        "mom said u cant come over",
        "dad checks my phone so u cant text late",
        "mom will kill u lol",
        "lola ate my sock",
        "dad comes home at 6",
        "mum helps at the shop",
        "my mom no longer checks",
        "you know my mom",
        "you are my moms friend right",
        "mom okd it",
    ],
)
def test_the_child_talking_about_their_own_family_is_not(
    kin: KinshipDetector, detector: LexicalDetector, text: str
) -> None:
    assert not _minor(kin, detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "grandpa says hi",
        "dad and i will be home late",
        "the gift is for mom's birthday",
        "the cousins are coming on saturday",
        "did you feed the dog?",
        "can you take the trash out",
        "dinner is at 6",
        "don't forget your lunch",
        "make your bed before school",
        "I need you to come home now",
        "love you. home in 20",
        "tea is at 6",
        "the dog got out again",
        "i'll pick you up at 5, grandma made soup",  # a sign that hides nothing
        # Bringing the child's parents in.
        "ask your mom first",
        "i'll set it up with your dad",
        "tell your mom to call me tonight",
        "sure, if your parents say yes",
        "ill send you 50 gems for it but check with your dad",  # a sign that hides nothing
    ],
)
def test_shared_family_household_routine_and_the_parents_from_the_adult_are_cues(
    kin: KinshipDetector, detector: LexicalDetector, text: str
) -> None:
    assert _adult(kin, detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "is mom home?",  # a supervision check
        "don't tell mom about this",  # secrecy
        "does grandma check your phone",  # supervision check
        "when does dad leave for work",  # whereabouts, even without a rule
        "is dad around",
        "your mom is way too strict",
        "my dad took me to the game yesterday",
        "how old is your brother now?",
        "i have to do chores later",
        "gotta go, dinner",
        "i can take you to dinner at 6",  # an invitation, even where no rule fires
        "come over for dinner at my place, grandma won't mind",
        "come home with me after practice",
        "don't tell grandma i picked you up",
        # The parents named, but not brought in.
        "don't ask your mom, she'll say no",  # secrecy
        "dont ask your mom first",  # a negation, where no rule fires
        "ask your mom if you can come over to my place",  # an invitation
        "does your dad check your phone",
    ],
)
def test_family_words_that_anyone_says_are_not_cues(
    kin: KinshipDetector, detector: LexicalDetector, text: str
) -> None:
    assert not _adult(kin, detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "i'm like an uncle to you",
        "call me dad",
        "I'll be your big brother",
        "think of me as family",
        "i am basically your uncle lol",
    ],
)
def test_claiming_a_family_role_is_recognised(
    kin: KinshipDetector, detector: LexicalDetector, text: str
) -> None:
    assert kin.claims_role(detector.normalizer.normalize(text).words)


INTRODUCTIONS = [
    "hi sweetie its grandma",
    "hey it's your aunt marta, new number",
    "dad here. running late",
    "Hello Ana, Grandpa here.",
    "this is your cousin jo",
    "heyyy its your big sis, new phone",
    "Hey Jonah, cousin Ellie here.",
    "see you at 6. love, mum",
    "hi honey its nana. can we do a video call on sunday?",  # a sign that hides nothing
    "hello anak, this is your tito, new phone",
    "its your madrina, i got a new number",
]
NOT_INTRODUCTIONS = [
    "its your uncle, dont tell your mom we talk",  # secrecy: no introduction counts
    "my mom is here",
    "your dad here? i need the ladder back",
    "i love grandma's cooking",
    "it's your turn",
    "he was like a dad to me",
]


@pytest.mark.parametrize(
    ("text", "introduces"),
    [(t, True) for t in INTRODUCTIONS] + [(t, False) for t in NOT_INTRODUCTIONS],
)
def test_the_adult_introducing_themselves_as_family_is_recognised(
    kin: KinshipDetector, detector: LexicalDetector, text: str, introduces: bool
) -> None:
    message = detector.normalizer.normalize(text)
    assert kin.introduces_self(message, detector.detect_normalized(message)) is introduces


def test_messages_without_family_or_household_words_skip_the_second_pass() -> None:
    assert not KinshipDetector.may_have_cue("what games do you play?")
    assert KinshipDetector.may_have_cue("Grandpa says hi")


# -- the effect --------------------------------------------------------------------------------


def feed(scorer: Scorer, messages: Sequence[ChatMessage]) -> list[BandChange]:
    events: list[BandChange] = []
    for m in messages:
        events.extend(scorer.process(m).events)
    return events


def report(scorer: Scorer, now: float | None = None) -> PairReport:
    found = scorer.pair_report("adult", "kid", now)
    assert found is not None
    return found


def conversation(
    c: Chat, signs: Sequence[str], adult_cues: Sequence[str], minor_cues: Sequence[str], where: str
) -> list[ChatMessage]:
    """Signs at fixed times 100, 200, ...; the cues before, between or after them (cues add no
    evidence, so when they come must not change the risk)."""
    signs_at = [c("adult", "kid", s, 100.0 * (i + 1)) for i, s in enumerate(signs)]
    start = {"before": 10.0, "between": 150.0, "after": 100.0 * (len(signs) + 1)}[where]
    cues = [c("adult", "kid", s, start + i) for i, s in enumerate(adult_cues)]
    cues += [c("kid", "adult", s, start + 50 + i) for i, s in enumerate(minor_cues)]
    return sorted([*signs_at, *cues], key=lambda m: m.time)


def kinship_effect(r: PairReport) -> tuple[float, str] | None:
    for effect in r.explanation.factors:
        if effect.factor.name == "kinship_cues":
            return effect.factor.multiplier, effect.factor.detail
    return None


def test_repeated_adult_cues_lower_the_risk_named_with_the_reason(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    plain, family = make_scorer(), make_scorer()
    feed(plain, conversation(chat(), SIGNS, (), (), "before"))
    feed(family, conversation(chat(), SIGNS, ADULT_CUES, (), "before"))
    without, with_cues = report(plain), report(family)
    effect = kinship_effect(with_cues)
    assert effect is not None
    assert effect[0] == MetadataConfig().kinship_adult
    assert "shared family or household routine in 2 messages" in effect[1]
    assert kinship_effect(without) is None
    assert 0.0 < with_cues.risk < without.risk
    lines = "\n".join(with_cues.explanation.lines(with_cues.risk))
    assert "kinship_cues x0.6" in lines and "lowered the risk" in lines


def test_one_adult_cue_is_not_enough(make_scorer: MakeScorer, chat: MakeChat) -> None:
    scorer = make_scorer()
    feed(scorer, conversation(chat(), SIGNS, ADULT_CUES[:1], (), "before"))
    assert kinship_effect(report(scorer)) is None


def test_the_child_calling_them_family_counts_most(make_scorer: MakeScorer, chat: MakeChat) -> None:
    config = MetadataConfig()
    child, both = make_scorer(), make_scorer()
    feed(child, conversation(chat(), SIGNS, (), (MINOR_CUE,), "between"))
    feed(both, conversation(chat(), SIGNS, ADULT_CUES[:1], (MINOR_CUE,), "between"))
    child_effect, both_effect = kinship_effect(report(child)), kinship_effect(report(both))
    assert child_effect is not None and both_effect is not None
    assert child_effect[0] == config.kinship_minor
    assert "the child called them by a family term in 1 message" in child_effect[1]
    assert both_effect[0] == config.kinship_both < config.kinship_minor < config.kinship_adult


@pytest.mark.parametrize("where", ["before", "between", "after"])
def test_cues_count_in_any_order(make_scorer: MakeScorer, chat: MakeChat, where: str) -> None:
    reference = make_scorer()
    feed(reference, conversation(chat(), SIGNS, ADULT_CUES, (MINOR_CUE,), "before"))
    scorer = make_scorer()
    feed(scorer, conversation(chat(), SIGNS, ADULT_CUES, (MINOR_CUE,), where))
    assert kinship_effect(report(scorer)) == kinship_effect(report(reference))
    # Compared at the same time: decay to "now" is not what is tested here.
    assert report(scorer, 1000.0).risk == pytest.approx(report(reference, 1000.0).risk)


def test_a_cue_after_the_signs_re_evaluates_the_pair(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    scorer = make_scorer()
    feed(scorer, conversation(chat(), SIGNS, ADULT_CUES, (), "after"))
    state = scorer.pair_state("adult", "kid")
    assert state is not None
    assert state.risk == pytest.approx(report(scorer).risk)


def test_a_stranger_claiming_to_be_like_an_uncle_gets_no_effect(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    scorer = make_scorer()
    claim = ("i'm like an uncle to you", *ADULT_CUES)
    feed(scorer, conversation(chat(), SIGNS, claim, (MINOR_CUE,), "before"))
    r = report(scorer)
    assert kinship_effect(r) is None
    assert any("family-like role" in note for note in r.explanation.notes)
    state = scorer.pair_state("adult", "kid")
    assert state is not None and state.kin_claim


def test_a_claim_after_the_cues_takes_the_effect_away(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    c = chat()
    scorer = make_scorer()
    feed(scorer, conversation(c, SIGNS, ADULT_CUES, (), "before"))
    assert kinship_effect(report(scorer)) is not None
    feed(scorer, [c("adult", "kid", "call me dad from now on", 1000.0)])
    assert kinship_effect(report(scorer)) is None


def test_the_effect_is_floored_and_never_zeroes_the_risk(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    metadata = MetadataConfig(kinship_both=0.01)
    scorer = make_scorer(ScorerConfig(metadata=metadata))
    pair = PairFacts(connected=True, guardians_present=True)
    feed(scorer, conversation(chat(pair=pair), SIGNS, ADULT_CUES, (MINOR_CUE,), "before"))
    r = report(scorer)
    assert r.explanation.multiplier >= metadata.floor
    assert r.risk > 0.0
    assert any("capped" in note for note in r.explanation.notes)


def test_not_applied_twice_when_the_platform_records_family(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    scorer = make_scorer()
    pair = PairFacts(known_relationship="family")
    feed(scorer, conversation(chat(pair=pair), SIGNS, ADULT_CUES, (MINOR_CUE,), "before"))
    r = report(scorer)
    assert kinship_effect(r) is None
    assert any(e.factor.name == "known_relationship" for e in r.explanation.factors)


def test_the_child_side_cues_do_not_come_from_the_adult(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    """The adult writing "ok mom" is not the child calling them mom."""
    c = chat()
    scorer = make_scorer()
    feed(scorer, [c("adult", "kid", s, 100.0 * i) for i, s in enumerate((*SIGNS, MINOR_CUE))])
    state = scorer.pair_state("adult", "kid")
    assert state is not None and state.kin_minor == 0


def test_new_state_fields_start_empty() -> None:
    from childsafe.grooming.metadata import AccountFacts, PairKind

    state = PairState(PairKind.ADULT_MINOR, 0.0, AccountFacts(), AccountFacts(), PairFacts(), None)
    assert (state.kin_adult, state.kin_minor, state.kin_claim) == (0, 0, False)


@pytest.mark.parametrize(
    "bad", [{"kinship_adult": 0.0}, {"kinship_minor": 1.5}, {"kinship_adult_messages": 0}]
)
def test_config_is_validated(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        MetadataConfig(**bad)  # type: ignore[arg-type]


def test_an_introduction_counts_like_the_child_naming_them(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    config = MetadataConfig()
    intro, intro_and_cue = make_scorer(), make_scorer()
    feed(intro, conversation(chat(), SIGNS, ("hi its grandma",), (), "before"))
    feed(
        intro_and_cue,
        conversation(chat(), SIGNS, ("hi its grandma", "ask your mom first"), (), "before"),
    )
    alone, with_cue = kinship_effect(report(intro)), kinship_effect(report(intro_and_cue))
    assert alone is not None and with_cue is not None
    assert alone[0] == config.kinship_minor
    assert "introduced themselves by a family term" in alone[1]
    assert with_cue[0] == config.kinship_both
    state = intro.pair_state("adult", "kid")
    assert state is not None and state.kin_self and state.kin_adult == 0


def test_an_introduction_in_a_message_that_hides_things_counts_for_nothing(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    scorer = make_scorer()
    feed(scorer, conversation(chat(), SIGNS, ("its your uncle, dont tell your mom",), (), "before"))
    assert kinship_effect(report(scorer)) is None


def test_an_introduction_is_not_read_as_a_role_claim(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    # "it's auntie bee, your godmother" normalises to "... auntie be your godmother", which
    # has the shape of "I'll be your godmother": the introduction wins.
    scorer = make_scorer()
    intro = ("Hello birthday girl, it's Auntie Bee, your godmother!",)
    feed(scorer, conversation(chat(), SIGNS, intro, (), "before"))
    state = scorer.pair_state("adult", "kid")
    assert state is not None and state.kin_self and not state.kin_claim
