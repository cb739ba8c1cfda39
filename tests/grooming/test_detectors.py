"""Each warning-sign detector fires on its phrasings, evasive spellings included, and stays
quiet on the innocent look-alikes that the message itself gives away."""

from __future__ import annotations

import pytest

from childsafe.grooming import Category, Hit, LexicalDetector
from childsafe.grooming.detectors import RULES
from childsafe.grooming.lexicon import CLASSES
from childsafe.grooming.patterns import Compiler

C = Category


@pytest.fixture(scope="module")
def detector() -> LexicalDetector:
    return LexicalDetector()


def categories(detector: LexicalDetector, text: str) -> set[Category]:
    return {hit.category for hit in detector.detect(text)}


POSITIVE: list[tuple[Category, str]] = [
    (C.AGE_PROBING, "how old are you?"),
    (C.AGE_PROBING, "h0w 0ld r u"),
    (C.AGE_PROBING, "whats ur age"),
    (C.AGE_PROBING, "a/s/l"),
    (C.AGE_PROBING, "what grade are you in"),
    (C.AGE_PROBING, "are you in middle school?"),
    (C.AGE_PROBING, "are you 13?"),
    (C.FLATTERY, "you're so mature for your age"),
    (C.FLATTERY, "u r so m4tur3 4 ur age"),
    (C.FLATTERY, "you seem way older than you are"),
    (C.FLATTERY, "you're not like other kids"),
    (C.EXCLUSIVITY, "only i understand you"),
    (C.EXCLUSIVITY, "nobody gets you like i do"),
    (C.EXCLUSIVITY, "you can only trust me"),
    (C.EXCLUSIVITY, "we have something s p e c i a l"),
    (C.SECRECY, "keep this our secret"),
    (C.SECRECY, "keep this our s3cr3t"),
    (C.SECRECY, "keep it our s e c r e t"),
    (C.SECRECY, "keep this our sесrеt"),
    (C.SECRECY, "keep this our secert"),
    (C.SECRECY, "dont tell ur mom"),
    (C.SECRECY, "don't tell your p@r3nts about us"),
    (C.SECRECY, "this stays between us"),
    (C.SECRECY, "delete our messages after"),
    (C.SECRECY, "nobody needs to know"),
    (C.SUPERVISION_CHECK, "are your parents home?"),
    (C.SUPERVISION_CHECK, "is your mom home?"),
    (C.PRESSURE, "you promised"),
    (C.FLATTERY, "you look so grown up"),
    (C.SUPERVISION_CHECK, "r ur p a r e n t s home"),
    (C.SUPERVISION_CHECK, "are u alone rn"),
    (C.SUPERVISION_CHECK, "do your parents check your phone?"),
    (C.SUPERVISION_CHECK, "when do your parents get home"),
    # Near misses of the vetoes for a parent who cannot be reached.
    (C.SUPERVISION_CHECK, "is your mom home? ill call you when she leaves"),
    (C.SUPERVISION_CHECK, "are your parents around? dont tell them about me"),
    (C.SUPERVISION_CHECK, "are your parents around? i dont want them to see our chats"),
    (C.SUPERVISION_CHECK, "is your dad home? ask him if he is going out later"),
    (C.SUPERVISION_CHECK, "is anyone home with you? i need them to be gone"),
    (C.SUPERVISION_CHECK, "is your mum home? dont answer her if she calls"),
    (C.ISOLATION, "your parents don't understand you"),
    (C.ISOLATION, "ur friends are so immature"),
    (C.ISOLATION, "you don't need them, you have me"),
    (C.PLATFORM_MOVE, "add me on Chatterly"),
    (C.PLATFORM_MOVE, "add me on Quibblr"),  # an app the lexicon has never heard of
    (C.PLATFORM_MOVE, "lets talk somewhere more private"),
    (C.PLATFORM_MOVE, "whats ur number"),
    (C.PLATFORM_MOVE, "call me 555 0142 tonight"),
    (C.PLATFORM_MOVE, "write to kid.friend@example.org"),
    (C.GIFTS, "i can buy you gems"),
    (C.GIFTS, "i'll send u 1000 c0ins"),
    (C.GIFTS, "i got a gift for you"),
    (C.PHOTO_REQUEST, "send me a pic of you"),
    (C.PHOTO_REQUEST, "send me a p1c"),
    (C.PHOTO_REQUEST, "what do you look like"),
    (C.PHOTO_REQUEST, "turn on your camera"),
    (C.PHOTO_REQUEST, "lets video call"),
    (C.MEETING_REQUEST, "wanna meet up irl?"),
    (C.MEETING_REQUEST, "i could pick you up after school"),
    (C.MEETING_REQUEST, "where do you live"),
    (C.MEETING_REQUEST, "can you sneak out tonight"),
    (C.PRESSURE, "if you really liked me you would"),
    (C.PRESSURE, "after everything i did for you"),
    (C.PRESSURE, "why are you ignoring me"),
    (C.PRESSURE, "it's just one pic"),
    (C.AGE_DECEPTION, "im 15 too"),
    (C.AGE_DECEPTION, "age is just a number"),
    (C.AGE_DECEPTION, "i'm not that much older than you"),
    # Everyday wordings added after a handwritten paraphrase probe (docs/grooming-semantic.md);
    # these test the patterns with other words than the probe's.
    (C.AGE_PROBING, "which grade are you starting in september"),
    (C.AGE_PROBING, "ur not a teen yet are u"),
    (C.AGE_PROBING, "what age are you now"),
    (C.FLATTERY, "you could pass for a grownup honestly"),
    (C.FLATTERY, "so grown up you sound, i forget you're in school"),
    (C.FLATTERY, "way more mature than the people at my work"),
    (C.FLATTERY, "so wise for someone that young"),
    (C.EXCLUSIVITY, "no one gets me like you, seriously"),
    (C.EXCLUSIVITY, "i'm still your number one friend right"),
    (C.SECRECY, "let's keep these chats just for us"),
    (C.SECRECY, "never bring me up in front of your parents"),
    (C.SECRECY, "if anyone asks, tell them you were talking with a classmate"),
    (C.SUPERVISION_CHECK, "how late does your mom work tonight"),
    (C.SUPERVISION_CHECK, "do your parents know you're online"),
    (C.ISOLATION, "nobody at school cares about you like i do"),
    (C.PLATFORM_MOVE, "let's take our chat off this game"),
    (C.GIFTS, "what if i get you the season pass"),
    (C.GIFTS, "i want to send you something nice"),
    (C.GIFTS, "let me treat you to some gems"),
    (C.PHOTO_REQUEST, "put your camera on for a sec"),
    # Near misses of the vetoes for saying who is not on camera.
    (C.PHOTO_REQUEST, "why not get on cam"),
    (C.PHOTO_REQUEST, "you're not on cam yet? turn it on"),
    (C.MEETING_REQUEST, "i could drive to your school on friday"),
    (C.PRESSURE, "you're really hurting my feelings"),
    (C.PRESSURE, "if you cared even a little you would"),
    (C.PRESSURE, "i was so nice to you and this is what i get"),
    (C.AGE_DECEPTION, "don't care about how old i am"),
    (C.AGE_DECEPTION, "the age on my profile is wrong"),
    (C.AGE_DECEPTION, "dont go by my profile its wrong"),
    # Parents by the names many families use, and "about" for "around".
    (C.SUPERVISION_CHECK, "is your mami home yet"),
    (C.SUPERVISION_CHECK, "is ur mam about tonight"),
    (C.SECRECY, "never say anything to your abuela"),
    # The other half of a question about the parents; a cover story.
    (C.SUPERVISION_CHECK, "does your dad come to games or do you go on your own"),
    (C.SUPERVISION_CHECK, "does ur mum drive u or do u walk there by urself"),
    (C.SECRECY, "just tell your mom you're at practice"),
    (C.SECRECY, "say to them you were at the park"),
    # Keeping the contact from the team or the group; gifts in a currency no list holds.
    (C.SECRECY, "dont tell ur crew lol"),
    (C.SECRECY, "never bring up me to your sister"),
    (C.GIFTS, "ill send u 750 starbits"),
    (C.GIFTS, "i'm gonna gift you the gold kart"),
    (C.GIFTS, "ill give u 300 stars"),
    # Scots spellings, and a cover story about who the child is meeting.
    (C.AGE_PROBING, "whit age are ye"),
    (C.SECRECY, "just dinnae tell yer maw"),
    (C.SECRECY, "tell her ye're seeing yer pals"),
    # Wordings added after the family set's dev split (each written anew for this test).
    (C.SUPERVISION_CHECK, "does she ever look through your messages"),
    (C.SUPERVISION_CHECK, "they read your texts or nah"),
    (C.SUPERVISION_CHECK, "is your dad still on night shifts"),
    (C.SUPERVISION_CHECK, "he works nights right"),
    (C.ISOLATION, "she never understands people like you"),
    (C.EXCLUSIVITY, "honestly i'm like a big sister to you"),
    (C.EXCLUSIVITY, "just think of me as family"),
    (C.SECRECY, "your mom won't check it, i promise"),
    (C.PLATFORM_MOVE, "safer if we chat over there"),
    (C.PLATFORM_MOVE, "way easier to talk on it"),
    (C.PHOTO_REQUEST, "we can video chat you tonight"),
    (C.PRESSURE, "i guess i thought we were close"),
    (C.PRESSURE, "chill everybody does this"),
    (C.PRESSURE, "dont ghost me again"),
    (C.PRESSURE, "plz only for a minute"),
    # Wordings added after the family set's second dev split (written anew for this test).
    (C.FLATTERY, "ur so mature for 13 honestly"),
    (C.FLATTERY, "u write way better than kids your age"),
    (C.EXCLUSIVITY, "nobody else gets me like this"),
    (C.EXCLUSIVITY, "i'm basically your uncle at this point"),
    (C.SECRECY, "u dont need to tell your dad about the coins"),
    (C.SECRECY, "never mention the skins to your mom"),
    (C.SECRECY, "they'll never know"),
    (C.SUPERVISION_CHECK, "so ur home with just your mom tonight?"),
    (C.ISOLATION, "parents usually don't get kids like us"),
    (C.ISOLATION, "you don't need permission for everything"),
    (C.PLATFORM_MOVE, "r u on whisprr"),
    (C.PHOTO_REQUEST, "could you video chat later"),
    (C.MEETING_REQUEST, "can you meet me by the old bridge later"),
    (C.MEETING_REQUEST, "is there a park near you"),
    (C.GIFTS, "i want you to have it, i never use it"),
    (C.PRESSURE, "that's the least you can do"),
    (C.PRESSURE, "last chance, tonight or never"),
]

#: Innocent uses that the words of the message itself give away: no hit of that category.
BENIGN: list[tuple[Category, str]] = [
    (C.SECRECY, "secret"),
    (C.SECRECY, "it's a secret, the gift is for mom's birthday"),
    (C.SECRECY, "don't tell anyone the surprise quiz answers"),
    (C.SECRECY, "don't tell your mom about the surprise party!"),
    (C.SECRECY, "dont tell my mom i ate the last cookie lol"),
    (C.SECRECY, "the secret ingredient is cinnamon"),
    (C.PHOTO_REQUEST, "send me a pic of the permission slip"),
    (C.PHOTO_REQUEST, "please send a photo of your worksheet"),
    (C.PHOTO_REQUEST, "nobody's on camera tonight, just voices"),
    (C.PHOTO_REQUEST, "we're not on camera, it's audio only"),
    (C.PHOTO_REQUEST, "let's video call with grandma on sunday"),
    (C.PHOTO_REQUEST, "i took a pic of the sunset"),
    (C.MEETING_REQUEST, "meet at the field at 5"),
    (C.MEETING_REQUEST, "let's meet at the library at 4 on tuesday"),
    (C.MEETING_REQUEST, "see you soon"),
    (C.AGE_PROBING, "what grade did you get on the math test?"),
    (C.AGE_PROBING, "how old is your account?"),
    (C.AGE_DECEPTION, "i'm 5 minutes away"),
    (C.AGE_DECEPTION, "im level 15 now"),
    # A child putting the profile's age right gives the number; the claim is checked instead.
    (C.AGE_DECEPTION, "11 haha my profile says 12 though"),
    (C.AGE_DECEPTION, "my profile says 14 cos i typed it wrong"),
    (C.GIFTS, "i'll give you 500 gems for that sword"),
    (C.GIFTS, "trading my dragon skin for 200 coins"),
    (C.GIFTS, "grandma sent you a gift card"),
    (C.PLATFORM_MOVE, "what's your jersey number again?"),
    (C.PLATFORM_MOVE, "text me from your friend's phone if yours dies"),
    (C.PLATFORM_MOVE, "let's talk about something else"),
    (C.ISOLATION, "my parents dont understand me at all"),
    (C.ISOLATION, "your parents love you"),
    (C.FLATTERY, "you showed a really mature attitude in the debate"),
    (C.EXCLUSIVITY, "you were the only one who got question 5 right"),
    (C.SUPERVISION_CHECK, "are your parents coming to the game?"),
    (C.PRESSURE, "come on, one more lap! you got this"),
    (C.PRESSURE, "i'll tell your mom you said hi"),
    # Contexts visible in the message, vetoed after the scorer's dev evaluation showed them as
    # false alarms from relatives and teachers the platform did not know about.
    (C.GIFTS, "i'll send you some money for your birthday"),  # a present for an occasion
    (C.PHOTO_REQUEST, "send me a pic when you get to Sam's house"),  # a check-in photo
    (C.PRESSURE, "you promised you'd hand in the essay today"),  # a promise about a task
    (C.SUPERVISION_CHECK, "is your mom home? i need to reschedule the meeting"),  # asks for her
    (C.FLATTERY, "you look so grown up in the photos your mom sent!"),  # relayed by a parent
    # Near misses of the wordings added after the paraphrase probe.
    (C.AGE_PROBING, "what grade did you finish the test with"),
    (C.SECRECY, "if your mom asks, tell her practice moved to thursday"),
    (C.MEETING_REQUEST, "we'll drive to your grandma's house on sunday"),
    (C.GIFTS, "i want to send you a card for your birthday"),
    (C.GIFTS, "i'll gift you the new skin for christmas"),
    # Near misses of the wordings added after the family set's dev split.
    (C.SECRECY, "grandma won't see the cake until sunday, it's her surprise"),
    (C.ISOLATION, "they never get the bus on time lol"),
    (C.EXCLUSIVITY, "i'm like a zombie today"),
    (C.PRESSURE, "hold on just for a sec"),
    (C.PRESSURE, "it's not weird to be nervous before a recital"),
    (C.PHOTO_REQUEST, "let's video call grandpa on his birthday"),
    (C.SUPERVISION_CHECK, "the night shift at the bakery is hiring"),
    (C.FLATTERY, "bring 13 forms for the trip"),
    (C.SECRECY, "she'll never know how much we love her party, it's her surprise"),
    (C.PHOTO_REQUEST, "can you video call grandma later"),
    (C.PRESSURE, "the last chapter was my favorite"),
    # Asking for a parent who cannot be reached, after the dev writers' families and teachers.
    (C.SUPERVISION_CHECK, "is your dad around? his phone is switched off"),
    (C.SUPERVISION_CHECK, "is your mum home? can you put her on"),
    (C.SUPERVISION_CHECK, "are your parents there? i want to ask them about the trip"),
]

#: Innocent uses that only the conversation tells apart (who is talking to whom, known
#: relationships): the lexical stage fires, by design, and the scorer discounts.
CONTEXT_DECIDES: list[tuple[Category, str]] = [
    (C.AGE_PROBING, "how old are you? im 13"),  # between two 13-year-olds
    (C.AGE_DECEPTION, "im 13 too lol"),  # a true claim; metadata says so
    (C.PLATFORM_MOVE, "add me on PixelPal, my username is sky_kaven12"),  # teen peers
    (C.SUPERVISION_CHECK, "is your dad home? i'll drop off the casserole"),  # an aunt
    (C.GIFTS, "i got you a little something, no peeking"),  # a grandparent
    (C.MEETING_REQUEST, "we should meet for coffee this weekend"),  # two adults
    (C.PHOTO_REQUEST, "send me a pic"),  # a parent, or not
    (C.PRESSURE, "where are you? answer me"),  # a parent
]


@pytest.mark.parametrize(("category", "text"), POSITIVE)
def test_fires_on_its_phrasings(detector: LexicalDetector, category: Category, text: str) -> None:
    assert category in categories(detector, text)


@pytest.mark.parametrize(("category", "text"), BENIGN)
def test_quiet_on_lexical_look_alikes(
    detector: LexicalDetector, category: Category, text: str
) -> None:
    assert category not in categories(detector, text)


@pytest.mark.parametrize(("category", "text"), CONTEXT_DECIDES)
def test_context_look_alikes_are_left_to_the_scorer(
    detector: LexicalDetector, category: Category, text: str
) -> None:
    assert category in categories(detector, text)


def test_every_category_has_positive_and_benign_cases() -> None:
    assert {c for c, _ in POSITIVE} == set(Category)
    assert {c for c, _ in BENIGN} == set(Category)


def test_hit_carries_category_strength_span_and_rule(detector: LexicalDetector) -> None:
    text = "ok so... k33p th!s 0ur l!ttle s3cr3t, fine?"
    hits = [h for h in detector.detect(text) if h.pattern_id == "secrecy.our_secret"]
    assert len(hits) == 1
    hit = hits[0]
    assert isinstance(hit, Hit)
    assert hit.category is C.SECRECY
    assert 0 < hit.strength <= 1
    assert text[hit.span[0] : hit.span[1]] == "0ur l!ttle s3cr3t"


def test_misspelled_hit_is_a_little_weaker(detector: LexicalDetector) -> None:
    (exact,) = [h for h in detector.detect("our secret") if h.pattern_id == "secrecy.our_secret"]
    (typo,) = [h for h in detector.detect("our secert") if h.pattern_id == "secrecy.our_secret"]
    assert typo.strength < exact.strength


@pytest.mark.parametrize(
    ("text", "age"),
    [("im 15 too", 15), ("i just turned 16", 16), ("i'm thirteen", 13), ("14 m here", 14)],
)
def test_age_claims_carry_the_claimed_age(detector: LexicalDetector, text: str, age: int) -> None:
    claims = [h for h in detector.detect(text) if h.pattern_id == "age_deception.claim"]
    assert [h.claimed_age for h in claims] == [age]


def test_hits_are_ordered_and_one_per_rule(detector: LexicalDetector) -> None:
    text = "how old are you? how old are you?? keep this our secret"
    hits = detector.detect(text)
    assert [h.span for h in hits] == sorted(h.span for h in hits)
    ids = [h.pattern_id for h in hits]
    assert len(ids) == len(set(ids))


def test_ordinary_chat_is_quiet(detector: LexicalDetector) -> None:
    for text in ["lol same", "did you finish that level?", "my mom made tacos tonight", ""]:
        assert detector.detect(text) == []


def test_category_names_are_stable() -> None:
    # Stored and exchanged: renaming one is a breaking change, not a refactor.
    assert [c.value for c in Category] == [
        "age_probing", "flattery", "exclusivity", "secrecy", "supervision_check", "isolation",
        "platform_move", "gifts", "photo_request", "meeting_request", "pressure", "age_deception",
    ]  # fmt: skip


def test_rule_ids_are_unique_and_named_after_their_category() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert all(r.id.startswith(f"{r.category.value}.") for r in RULES)
    assert all(0 < r.strength <= 1 for r in RULES)
    assert {r.category for r in RULES} == set(Category)


def test_every_rule_pattern_compiles() -> None:
    compiler = Compiler(CLASSES)
    for r in RULES:
        for spec in (*r.patterns, *r.unless):
            assert compiler.compile(spec), spec
