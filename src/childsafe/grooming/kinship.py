"""Family cues in the conversation itself: evidence of a relationship the platform did not record.

A parent's "I'll pick you up at 4" and "where are you? answer me" are the words a stranger uses;
when the platform does not record the two accounts as family, the lexical stage cannot tell
them apart. The conversation often can: the child calls the adult "mom" or "grandpa", or the
adult talks about family both of them share ("grandpa says hi", "dad and I will be home at 7")
and about household routine ("did you feed the dog?", "dinner is at 6"). This module finds
those cues, one message at a time, and keeps four values on the pair (``PairState``):

- ``kin_minor``: messages in which the **minor side addressed the adult side** with a family
  term (a vocative: "ok mom", "thanks, grandma", "dad can you ...", "mum no") or named the
  relationship to them ("ur my mum"). An adult who is not family can write family words, but
  cannot make the child call them dad, so these count most;
- ``kin_adult``: messages in which the **adult side** referred to shared family by a bare
  family term used as a name ("grandma sent you ...", "for mom's birthday", not "your mom" or
  "my mom", which anyone says) or to household routine (chores, pets, meals at home, lunch,
  curfew);
- ``kin_self``: the adult side **introduced themselves** by a family term ("hi it's
  grandma", "its your aunt kat", "dad here", "love, mum"): families texting from a new number
  or a new account do this in their first message. It weighs like the child's vocative (it
  names the relationship), because a stranger who says it to a child is caught out at once;
- ``kin_claim``: the adult side **claimed** a family-like role ("I'm like an uncle to you",
  "call me dad", "I'll be your big brother"): from then on the pair gets no kinship effect at
  all, whatever else was said. That is what a groomer says, and it is how a child could be led
  to use a family word.

A message of the adult side that carries any warning sign is not a cue ("don't tell mom",
"is dad home?", "let's get dinner at 7"), nor is one that talks about the family's
whereabouts or what they know or see ("when does dad leave for work").

What the counts do to the risk is a metadata effect (``metadata``, ``kinship_cues``): a
lowering multiplier, floored like every other, and only when the cues are strong enough
(one vocative from the child or one introduction, or at least two cue messages from the
adult). The trade-off is
documented in ``docs/grooming.md``: an adult who is not family can write two household
sentences and get a moderate discount; the floor and the moderate multiplier keep that from
hiding a conversation with several clear signs.

The per-message cost: a substring pre-filter on the raw text; only messages containing a
family or household word are normalised again and matched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from childsafe.grooming.categories import Hit
from childsafe.grooming.kinship_words import (
    ADDRESS_AFTER,
    ADDRESS_BEFORE,
    ASKER,
    AUX,
    CLAIM_PATTERNS,
    CLASSES,
    GREETING,
    GUARDIAN_PATTERNS,
    HIDING,
    HOUSEHOLD_PATTERNS,
    INVITATION_PATTERNS,
    KIN,
    KIN_ADDRESS,
    KIN_PLURAL,
    KIN_POSSESSIVE,
    NEGATION,
    NOT_A_NAME,
    OBJECT_BEFORE,
    QUESTION_START,
    REPORTING,
    SELF_PATTERNS,
    SELF_WITHIN,
    SIGN_OFF,
    TRIGGERS,
    WHEREABOUTS,
    YOU,
    YOU_ARE,
    YOU_WITHIN,
)
from childsafe.grooming.normalize import Normalized, Normalizer
from childsafe.grooming.patterns import Compiled, Compiler, index_by_anchor
from childsafe.grooming.state import PairState

_LETTERS = re.compile(r"[a-z]+")
#: Counters stop here (they are only compared with small thresholds).
_CAP = 255


class KinshipDetector:
    """Finds family cues in one message (see the module docstring). Build once, reuse."""

    def __init__(self) -> None:
        compiler = Compiler(CLASSES)
        self._household = index_by_anchor(
            (0, p) for spec in HOUSEHOLD_PATTERNS for p in compiler.compile(spec)
        )
        self._invitations = index_by_anchor(
            (0, p) for spec in INVITATION_PATTERNS for p in compiler.compile(spec)
        )
        self._claims = index_by_anchor(
            (0, p) for spec in CLAIM_PATTERNS for p in compiler.compile(spec)
        )
        self._self = index_by_anchor(
            (0, p) for spec in SELF_PATTERNS for p in compiler.compile(spec)
        )
        self._guardian = index_by_anchor(
            (0, p) for spec in GUARDIAN_PATTERNS for p in compiler.compile(spec)
        )

    @staticmethod
    def may_have_cue(text: str) -> bool:
        """Cheap pre-filter on the raw text."""
        return not TRIGGERS.isdisjoint(_LETTERS.findall(text.lower()))

    def claims_role(self, words: Sequence[str]) -> bool:
        """Whether the adult side claims a family-like role ("like an uncle to you")."""
        return _matches(self._claims, words)

    def introduces_self(self, message: Normalized, hits: Sequence[Hit]) -> bool:
        """Whether the adult side introduces themselves by a family term ("its grandma",
        "dad here", "love, mum"), near the start of the message or as its sign-off."""
        if any(h.category in HIDING for h in hits):
            return False  # "it's your uncle, don't tell mom" is no evidence of family
        words = message.words
        start = 0
        while start < len(words) and words[start] in GREETING:
            start += 1
        for position, word in enumerate(words):
            for _, pattern in self._self.get(word, ()):
                found = pattern.match_at(words, position)
                if found is None or found[0] >= start + SELF_WITHIN:
                    continue
                if found[0] > 0 and words[found[0] - 1] in NOT_A_NAME:
                    continue  # "your dad here?" asks about someone else
                return True
        last = len(words) - 1
        return last >= 1 and words[last] in KIN_ADDRESS and words[last - 1] in SIGN_OFF

    def adult_cue(self, message: Normalized, hits: Sequence[Hit]) -> bool:
        """Whether a message of the adult side refers to shared family or household routine, or
        brings the child's parents in."""
        if any(h.category in HIDING for h in hits):
            return False
        words = message.words
        if _matches(self._invitations, words):
            return False
        if _matches(self._guardian, words, unless_after=NEGATION):
            return True
        if not hits and _matches(self._household, words):
            return True  # not with a sign: "let's get dinner at 7" is a meeting request
        if any(w in WHEREABOUTS for w in words):
            return False
        if words and words[0] in QUESTION_START and "home" in words:
            return False
        for i, word in enumerate(words):
            before = words[i - 1] if i > 0 else ""
            if (word in KIN or word in KIN_POSSESSIVE) and before not in NOT_A_NAME:
                return True
            if word in KIN_PLURAL and before == "the":
                return True
        return False

    def minor_cue(self, message: Normalized) -> bool:
        """Whether a message of the minor side addresses the adult side with a family term."""
        words = message.words
        original = message.original
        last = len(words) - 1
        for i, word in enumerate(words):
            if word not in KIN_ADDRESS:
                continue
            before = words[i - 1] if i > 0 else ""
            after = original[message.ends[i] : message.ends[i] + 1]
            comma_before = original[: message.starts[i]].rstrip().endswith(",")
            if before == "my" and any(
                tuple(words[max(0, i - 1 - len(y)) : i - 1]) == y for y in YOU_ARE
            ):
                return True  # "ur my mum u have to say that", "you're my nan"
            if before in NOT_A_NAME - {"ya"}:
                continue
            if i == last and (i == 0 or before not in OBJECT_BEFORE or comma_before):
                return True  # "mom?", "ok mom", "love you dad", "5th pop", "later, grandma"
            titled = word in {"aunt", "auntie", "aunty", "uncle"}
            if i == last - 1 and titled and (i == 0 or before in ADDRESS_BEFORE):
                return True  # "thanks uncle rob"
            if after in (",", "!", "?", ".") and (
                i == 0 or before in ADDRESS_BEFORE or comma_before
            ):
                return True  # "mom, can I ...", "ok, dad, see you", "dad. yes."
            if i == 0 and i < last and words[i + 1] in ADDRESS_AFTER:
                modal = words[i + 1] in AUX
                if not modal or (i + 2 <= last and words[i + 2] in YOU):
                    return True  # "dad can you ...", "mom where are you"; not "mom will kill u"
            if i == 0 and _asks_the_reader(words, 2 if titled else 1):
                return True  # "mom did u see my hoodie", "aunt mel can u help"
        return False


def _asks_the_reader(words: Sequence[str], start: int) -> bool:
    """Whether the words from ``start`` on speak to the reader: a "you" soon after, and the
    opening family term is not the subject of a report ("mom said u can't")."""
    if start >= len(words):
        return False
    if words[start] in AUX and start + 1 < len(words) and words[start + 1] in ASKER:
        return True  # "mom did u see ...", "uncle mo are u still coming", "auntie can i"
    if words[start] in REPORTING:
        return False
    return any(w in YOU for w in words[start : start + YOU_WITHIN])


def _matches(
    index: dict[str, list[tuple[int, Compiled]]],
    words: Sequence[str],
    *,
    unless_after: frozenset[str] = frozenset(),
) -> bool:
    for position, word in enumerate(words):
        for _, pattern in index.get(word, ()):
            found = pattern.match_at(words, position)
            if found is not None and not (found[0] > 0 and words[found[0] - 1] in unless_after):
                return True
    return False


_DETECTOR: KinshipDetector | None = None


def default_detector() -> KinshipDetector:
    """The shared detector (compiled on first use; it holds no per-conversation state)."""
    global _DETECTOR
    if _DETECTOR is None:
        _DETECTOR = KinshipDetector()
    return _DETECTOR


def observe(
    state: PairState,
    text: str,
    hits: Sequence[Hit],
    normalizer: Normalizer,
    *,
    adult_side: bool,
    detector: KinshipDetector | None = None,
) -> bool:
    """Count the family cues of one message of a tracked pair; return whether the pair's
    kinship counts changed (so its risk should be re-evaluated)."""
    if state.kin_claim:
        return False
    found = detector or default_detector()
    if not found.may_have_cue(text):
        return False
    message = normalizer.normalize(text)
    if adult_side:
        # An introduction first: "it's auntie bee, your godmother" reads "... be your
        # godmother" after normalisation, which is not a claim to be like family.
        if found.introduces_self(message, hits):
            if state.kin_self:
                return False
            state.kin_self = True
            return True
        if found.claims_role(message.words):
            state.kin_claim = True
            return True
        if found.adult_cue(message, hits) and state.kin_adult < _CAP:
            state.kin_adult += 1
            return True
        return False
    if found.minor_cue(message) and state.kin_minor < _CAP:
        state.kin_minor += 1
        return True
    return False
