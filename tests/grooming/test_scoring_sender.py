"""Sender-level state: fan-out to many minors, similar openers, fast moves, sender bands."""

from __future__ import annotations

from collections.abc import Callable

from childsafe.grooming import Band, Category, Hit, Normalized, Normalizer
from childsafe.grooming.metadata import AccountFacts
from childsafe.grooming.scoring import ChatMessage, Scorer, ScorerConfig
from childsafe.grooming.state import opener_signature, signature_similarity
from tests.grooming.conftest import ADULT, Chat

MakeScorer = Callable[..., Scorer]
MakeChat = Callable[..., Chat]

NAMES = ("Lerin", "Tovak", "Miradel", "Zonix")
ALIKE = "hey {name}! saw you in blockcraft, you are really good at building"
DIFFERENT = (
    "did you finish the science project yet",
    "good game last night, that final round was wild",
    "do you know when the next tournament starts",
    "my cat just knocked over a plant lol",
)
GIFT = "i can get you 500 gems if you want"


def _fan_out(scorer: Scorer, chat: MakeChat, sender: str, openers: list[str]) -> None:
    facts = {sender: ADULT, **{f"kid{i}": AccountFacts(declared_age=12 + i) for i in range(4)}}
    c = chat(facts)
    for i, opener in enumerate(openers):
        scorer.process(c(sender, f"kid{i}", opener, 600.0 * i))
    for i in range(len(openers)):
        scorer.process(c(sender, f"kid{i}", GIFT, 3_600.0 + 60 * i))


def test_words_signature_tolerates_swapped_names() -> None:
    normalizer = Normalizer()
    a = opener_signature(normalizer.normalize(ALIKE.format(name="Lerin")).words)
    b = opener_signature(normalizer.normalize(ALIKE.format(name="Tovak")).words)
    c = opener_signature(normalizer.normalize(DIFFERENT[0]).words)
    assert a is not None and b is not None and c is not None
    assert len(a) == 64  # 16 x 32 bits: fixed size whatever the message
    assert signature_similarity(a, b) >= 0.5
    assert signature_similarity(a, c) < 0.5
    assert opener_signature(normalizer.normalize("hi there").words) is None  # too short
    # Deterministic across processes: no use of Python's salted hash().
    assert a == opener_signature(normalizer.normalize(ALIKE.format(name="Lerin")).words)


def test_fan_out_with_similar_openers_raises_the_sender_score(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    scorer = make_scorer()
    _fan_out(scorer, chat, "copier", [ALIKE.format(name=n) for n in NAMES])
    _fan_out(scorer, chat, "varied", list(DIFFERENT))
    single = make_scorer()
    _fan_out(single, chat, "one", [ALIKE.format(name=NAMES[0])])

    copier = scorer.sender_report("copier")
    varied = scorer.sender_report("varied")
    one = single.sender_report("one")
    assert copier is not None and varied is not None and one is not None
    assert copier.minors == 4 and copier.fan_out == 4 and copier.similar_openers == 4
    assert varied.fan_out == 4 and varied.similar_openers == 1
    assert copier.risk > varied.risk > one.risk > 0.0

    pair = scorer.pair_report("copier", "kid0")
    assert pair is not None
    factor = next(
        fe.factor for fe in pair.explanation.factors if fe.factor.name == "similar_openers"
    )
    assert "4 minors" in factor.detail
    varied_pair = scorer.pair_report("varied", "kid0")
    assert varied_pair is not None
    names = {fe.factor.name for fe in varied_pair.explanation.factors}
    assert "fan_out" in names and "similar_openers" not in names
    assert copier.to_dict()["top_pairs"][0]["risk"] > 0


def test_contacts_outside_the_window_are_not_fan_out(
    make_scorer: MakeScorer, chat: MakeChat
) -> None:
    scorer = make_scorer()
    facts = {"adult": ADULT, **{f"kid{i}": AccountFacts(declared_age=13) for i in range(4)}}
    c = chat(facts)
    for i in range(4):  # one new minor every ten days
        scorer.process(c("adult", f"kid{i}", ALIKE.format(name=NAMES[i]), i * 10 * 86_400.0))
    report = scorer.sender_report("adult")
    assert report is not None and report.minors == 4 and report.fan_out == 1


def test_fast_moves_are_counted_per_sender(make_scorer: MakeScorer, chat: MakeChat) -> None:
    scorer = make_scorer()
    facts = {
        "adult": ADULT,
        "kid0": AccountFacts(declared_age=13),
        "kid1": AccountFacts(declared_age=14),
    }
    c = chat(facts)
    scorer.process(c("adult", "kid0", "hey", 0.0))
    scorer.process(c("adult", "kid0", "add me on whisprr", 120.0))  # two minutes in
    scorer.process(c("adult", "kid1", "hey", 0.0))
    scorer.process(c("adult", "kid1", "add me on whisprr", 5 * 86_400.0))  # days later
    report = scorer.sender_report("adult")
    assert report is not None and report.fast_moves == 1
    fast = scorer.pair_report("adult", "kid0")
    slow = scorer.pair_report("adult", "kid1")
    assert fast is not None and slow is not None
    assert "fast_platform_move" in {fe.factor.name for fe in fast.explanation.factors}
    assert "fast_platform_move" not in {fe.factor.name for fe in slow.explanation.factors}


def test_sender_risk_combines_the_riskiest_pairs(make_scorer: MakeScorer, chat: MakeChat) -> None:
    scorer = make_scorer()
    facts = {"adult": ADULT, **{f"kid{i}": AccountFacts(declared_age=13) for i in range(5)}}
    c = chat(facts)
    for i in range(5):
        scorer.process(c("adult", f"kid{i}", "you're really mature for your age", 86_400.0 * i))
    report = scorer.sender_report("adult")
    assert report is not None
    assert len(report.top_pairs) == 3
    expected = 1.0
    for _, r in report.top_pairs:
        expected *= 1.0 - r
    assert abs(report.risk - (1.0 - expected)) < 1e-12
    assert report.risk > max(r for _, r in report.top_pairs)
    assert scorer.memory().senders == 1 and scorer.memory().sender_bytes > 0


class Paraphrased:
    """An embedding-stage double that reads every message as a paraphrased platform move."""

    max_strength = 0.6

    def detect(self, message: ChatMessage, normalized: Normalized, lexical: object) -> list[Hit]:
        return [Hit(Category.PLATFORM_MOVE, 0.5, (0, len(message.text)), "semantic:test")]


def test_only_a_rules_backed_match_is_a_fast_move(make_scorer: MakeScorer, chat: MakeChat) -> None:
    # A move the learned stages read into other words adds its evidence, but the x1.25 for a
    # fast move needs a rule's own match the sign model backs ("add me on whisprr", above).
    config = ScorerConfig(sign_model=None, semantic_min_band=Band.WATCH)  # the gate open
    scorer = make_scorer(config, semantic=Paraphrased())
    scorer.process(chat()("adult", "kid", "your username will be shown on the stream", 60.0))
    report = scorer.pair_report("adult", "kid")
    assert report is not None
    assert [e.category for e in report.explanation.categories] == [Category.PLATFORM_MOVE]
    assert "fast_platform_move" not in {fe.factor.name for fe in report.explanation.factors}
    # "message me on here" is this platform.
    assert (
        not make_scorer().process(chat()("adult", "kid", "ask her to message me on here", 0.0)).hits
    )
