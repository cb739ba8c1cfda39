"""The embedding stage finds paraphrases the lexical rules miss, stays quiet on look-alikes, is
called only where the scorer's gate allows, and learns from operators and reviewers."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from childsafe.grooming import Band, Category, Hit, LexicalDetector, Normalized
from childsafe.grooming.metadata import AccountFacts
from childsafe.grooming.scoring import ChatMessage, Scorer, ScorerConfig
from childsafe.grooming.semantic import EmbeddingStage, MiniLMEmbedder, SemanticConfig

C = Category
ADULT = AccountFacts(declared_age=41, account_age_days=400)
ADULT2 = AccountFacts(declared_age=36, account_age_days=900)
MINOR = AccountFacts(declared_age=13, account_age_days=300)
TEEN = AccountFacts(declared_age=14, account_age_days=300)

#: Paraphrases written for this test; the lexical rules have no phrase for any of them.
PARAPHRASES = [
    ("nobody else needs to find out about our little talks", C.SECRECY),
    ("do your mum and dad keep an eye on who you chat with", C.SUPERVISION_CHECK),
    ("your family just holds you back, you're better off without them", C.ISOLATION),
]
#: Innocent messages with the same surface words.
LOOKALIKES = [
    "the coach wants everyone's photo for the team poster by friday",
    "we kept the party a secret from grandma and she loved it",
    "the class is moving to the new learning app next term",
    "grandpa sent some money for your birthday, say thank you",
    "we're meeting the other families at the park on sunday",
    "i'm sending the pictures from the school play to all the parents",
    "lol i leveled up my character twice today",
    "your sister says the bus was late again this morning",
]


@pytest.fixture
def stage(precise_embedder: MiniLMEmbedder, lexical: LexicalDetector) -> EmbeddingStage:
    return EmbeddingStage(precise_embedder, normalizer=lexical.normalizer)


@pytest.mark.parametrize(("text", "category"), PARAPHRASES)
def test_finds_paraphrases_the_lexical_rules_miss(
    stage: EmbeddingStage, lexical: LexicalDetector, text: str, category: Category
) -> None:
    assert category not in {h.category for h in lexical.detect(text)}
    hits = stage.detect_text(text)
    assert [h.category for h in hits] == [category]
    hit = hits[0]
    assert hit.span == (0, len(text))
    assert hit.pattern_id.startswith(f"semantic:{category.value}.")
    # Paraphrase evidence is moderate: weaker than a lexical rule's usual 0.7 to 1.0.
    assert 0.3 <= hit.strength <= 0.6


@pytest.mark.parametrize("text", LOOKALIKES)
def test_quiet_on_innocent_lookalikes(stage: EmbeddingStage, text: str) -> None:
    assert stage.detect_text(text) == []


def test_only_one_category_per_message(stage: EmbeddingStage) -> None:
    sims = stage.similarities(["your family just holds you back, you're better off without them"])
    assert len(stage.hits_from(sims, 0, (0, 1))) <= 1


class Counting:
    """Wraps the real stage and counts how often the scorer calls it."""

    def __init__(self, inner: EmbeddingStage) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def detect(
        self, message: ChatMessage, normalized: Normalized, lexical: Sequence[Hit]
    ) -> Sequence[Hit]:
        self.calls.append(message.id)
        return self.inner.detect(message, normalized, lexical)


def _msg(
    i: int, sender: str, recipient: str, text: str, facts: dict[str, AccountFacts]
) -> ChatMessage:
    return ChatMessage(f"m{i}", 60.0 * i, sender, recipient, text, facts[sender], facts[recipient])


def test_called_only_where_the_gate_allows(stage: EmbeddingStage, lexical: LexicalDetector) -> None:
    counting = Counting(stage)
    # The embedding stage's own gate, without the sign model in front of it.
    scorer = Scorer(ScorerConfig(sign_model=None), detector=lexical, semantic=counting)
    facts = {"a1": ADULT, "a2": ADULT2, "t1": TEEN, "t2": MINOR, "adult": ADULT, "kid": MINOR}
    script = [
        # Two adults and two teens with no sign: the stage is never asked.
        ("a1", "a2", "nobody else needs to find out about our little talks"),
        ("a2", "a1", "do your mum and dad keep an eye on who you chat with"),
        ("t1", "t2", "wanna play another round after dinner"),
        ("t2", "t1", "sure, after i finish my homework"),
        # Adult to minor: asked for the adult's messages, never for the child's replies.
        ("adult", "kid", "hey, how was the tournament today"),
        ("kid", "adult", "it was fun, we came second"),
    ]
    gated = []
    for i, (sender, recipient, text) in enumerate(script):
        if sender == "adult":
            gated.append(scorer.could_change_band((sender, recipient), 60.0 * i))
        scorer.process(_msg(i, sender, recipient, text, facts))
    assert counting.calls == ["m4"]
    assert stage.stats.calls == 1

    # Push the pair to the top band with lexical signs; after that no message can raise it.
    signs = [
        "keep this our little secret ok?",
        "wanna meet irl?",
        "can i see a pic of you?",
        "are your parents home?",
        "your parents just don't understand you",
    ]
    for j, text in enumerate(signs, start=10):
        scorer.process(_msg(j, "adult", "kid", text, facts))
    state = scorer.pair_state("adult", "kid")
    assert state is not None and state.band is Band.URGENT_REVIEW
    before = len(counting.calls)
    scorer.process(_msg(30, "adult", "kid", "nobody else needs to find out about our chats", facts))
    assert len(counting.calls) == before
    assert not scorer.could_change_band(("adult", "kid"), 60.0 * 31)


def test_semantic_hit_raises_a_pair_the_lexical_stage_leaves_alone(
    stage: EmbeddingStage, lexical: LexicalDetector
) -> None:
    facts = {"adult": ADULT, "kid": MINOR}
    texts = [
        "hey, how was the tournament today",
        "nobody else needs to find out about our little talks",
        "your family just holds you back, you're better off without them",
    ]
    # The stage alone: a sign model in front of it could find these signs itself.
    config = ScorerConfig(sign_model=None)
    plain = Scorer(config, detector=lexical)
    semantic = Scorer(config, detector=lexical, semantic=stage)
    for i, text in enumerate(texts):
        plain.process(_msg(i, "adult", "kid", text, facts))
        outcome = semantic.process(_msg(i, "adult", "kid", text, facts))
    assert outcome.semantic
    with_stage = semantic.pair_report("adult", "kid")
    without = plain.pair_report("adult", "kid")
    assert with_stage is not None
    assert without is None or without.risk < with_stage.risk
    assert with_stage.band.at_least(Band.WATCH)
    quoted = [r for ce in with_stage.explanation.categories for r in ce.messages]
    assert any(r.pattern_id.startswith("semantic:") for r in quoted)


def test_short_messages_and_lexical_hits_can_be_skipped(
    embedder: MiniLMEmbedder, lexical: LexicalDetector
) -> None:
    stage = EmbeddingStage(
        embedder, config=SemanticConfig(skip_if_lexical=True), normalizer=lexical.normalizer
    )
    msg = _msg(0, "adult", "kid", "u there", {"adult": ADULT, "kid": MINOR})
    assert stage.detect(msg, lexical.normalizer.normalize(msg.text), []) == ()
    text = "keep this our little secret ok?"
    msg = _msg(1, "adult", "kid", text, {"adult": ADULT, "kid": MINOR})
    assert stage.detect(msg, lexical.normalizer.normalize(text), lexical.detect(text)) == ()
    assert (stage.stats.skipped_short, stage.stats.skipped_lexical, stage.stats.embedded) == (
        1,
        1,
        0,
    )
