"""Family cues in the conversation itself: evidence of a relationship the platform did not record.

A parent's "I'll pick you up at 4" and "where are you? answer me" are the words a stranger uses;
when the platform does not record the two accounts as family, the lexical stage cannot tell
them apart. The conversation often can: the child calls the adult "mom" or "grandpa", or the
adult talks about family both of them share ("grandpa says hi", "dad and I will be home at 7")
and about household routine ("did you feed the dog?", "dinner is at 6"). This module finds
those cues, one message at a time, and keeps three numbers on the pair (``PairState``):

- ``kin_minor``: messages in which the **minor side addressed the adult side** with a family
  term (a vocative: "ok mom", "thanks, grandma", "dad can you ..."). An adult who is not family
  can write family words, but cannot make the child call them dad, so these count most;
- ``kin_adult``: messages in which the **adult side** referred to shared family by a bare
  family term used as a name ("grandma sent you ...", "for mom's birthday", not "your mom" or
  "my mom", which anyone says) or to household routine (chores, pets, meals at home, lunch,
  curfew);
- ``kin_claim``: the adult side **claimed** a family-like role ("I'm like an uncle to you",
  "call me dad", "I'll be your big brother"): from then on the pair gets no kinship effect at
  all, whatever else was said. That is what a groomer says, and it is how a child could be led
  to use a family word.

A message of the adult side that carries any warning sign is not a cue ("don't tell mom",
"is dad home?", "let's get dinner at 7"), nor is one that talks about the family's
whereabouts or what they know or see ("when does dad leave for work").

What the counts do to the risk is a metadata effect (``metadata``, ``kinship_cues``): a
lowering multiplier, floored like every other, and only when the cues are strong enough
(one vocative from the child, or at least two cue messages from the adult). The trade-off is
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
from childsafe.grooming.normalize import Normalized, Normalizer
from childsafe.grooming.patterns import Compiled, Compiler, index_by_anchor
from childsafe.grooming.state import PairState


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Family terms that can be used as a name or to address someone ("mom", "grandpa").
KIN = _words(
    "mom mum mommy mummy mama momma mamma dad daddy dada papa grandma grandpa granny gran "
    "grandad granddad grandmom granddaddy gramps grandmother grandfather nana nanna nan "
    "auntie aunty aunt uncle stepmom stepmum stepdad mother father"
)
#: The same as possessives after normalisation ("mom's birthday" arrives as "moms birthday").
KIN_POSSESSIVE = frozenset(k + "s" for k in KIN)
#: Plural family terms after "the": "the cousins are coming" names a family both share.
KIN_PLURAL = _words("cousins grandparents grandkids grandchildren aunts uncles twins")
#: Family-like roles an adult may claim (with the terms above).
ROLE = _words("brother sister sis bro cousin godfather godmother")
#: A family term after one of these is not used as a shared name: "your mom", "my dad",
#: "a dad", "like an uncle", "call me dad".
_NOT_A_NAME = _words(
    "my your ur yo ya his her their our a an the this that these those other some any no every "
    "like as me own"
)
#: Words before a family term at the end of a child's message that make it an address:
#: "ok mom", "love you dad", "thanks grandma".
_ADDRESS_BEFORE = _words(
    "ok okay k kk yes yeah yep yup ya no nope nah sure thanks thank thx ty you hi hey hello "
    "bye night goodnight morning sorry please pls plz coming omw fine alright later soon cool "
    "yay"
)
#: Words after a family term opening a child's message that make it an address: "mom can
#: you", "dad where are you". (Not "is" or "said": "dad is asleep" is about dad.)
_ADDRESS_AFTER = _words("can could will would where when what please pls plz")
#: In an adult's message, a family term near these is about the family's whereabouts or what
#: they know or see: the supervision-check and secrecy look-alikes, never a cue.
_WHEREABOUTS = _words(
    "tell tells told know knows find finds found see sees saw check checks checking notice "
    "hear hears around awake asleep sleeping sleep bed work working away gone strict busy "
    "leave leaves left watching looking read reads"
)
_QUESTION_START = _words("is are does do did when what where will can could has have")

_CLASSES: dict[str, frozenset[str]] = {
    "KIN": KIN,
    "ROLE": KIN | ROLE,
    "PET": _words("dog dogs cat cats fish hamster hamsters rabbit rabbits bunny pets puppy kitten"),
    "MEAL": _words("dinner dinners supper suppers breakfast"),
    "TIME": _words(
        "1 2 3 4 5 6 7 8 9 10 11 12 one two three four five six seven eight nine ten eleven "
        "twelve noon"
    ),
    "TAKE": _words("take took put bring"),
    "TRASH": _words("trash garbage rubbish recycling bins bin"),
    "FORGET": _words("forget forgot"),
    "KIT": _words("lunch lunchbox keys key coat jacket umbrella retainer inhaler"),
}
#: Household routine the adult side brings up: chores, pets, meals at home, what to take to
#: school, when to be home. Written as general household phrasing, not as any data set's lines.
HOUSEHOLD_PATTERNS: tuple[str, ...] = (
    "feed|fed|walk|walked the|your @PET",
    "@TAKE *1 the? @TRASH out",
    "{take|took} out the @TRASH",
    "{do|did|load|unload|empty|finish|finished} the dishes|dishwasher|laundry",
    "{do|did|finish|finished} your chores",
    "{clean|cleaned|tidy|tidied} your room",
    "{make|made} your bed",
    "@MEAL is ready|at",
    "dinners|suppers ready|at",
    "come down for @MEAL",
    "@FORGET *1 your @KIT",
    "pack your lunch",
    "{be|get} home by|before",
)
#: An invitation to the adult's place or to be alone together is never a household cue, even
#: when the lexical stage missed it as a meeting request ("come over for dinner at my place").
INVITATION_PATTERNS: tuple[str, ...] = (
    "my place|house|apartment|flat|car|room",
    "{come|coming} over",
    "take you",
    "{just|only} us|you and me|the two of us",
    "hang out",
    "alone|together",
)
#: The adult side claiming a family-like role: disqualifies the pair from the kinship effect.
CLAIM_PATTERNS: tuple[str, ...] = (
    "call me *1 @ROLE",
    "like a|an|your *1 @ROLE",
    "{i am|i will be|i can be|i could be|id be|i would be|i am basically|i am practically} "
    "your? *1 @ROLE",
    "{be|being} your *1 @ROLE",
    "think of me as",
    "pretend *3 @ROLE",
)
#: Raw-text words: a message without any of them has no cue and is not normalised again.
_TRIGGERS = frozenset(
    KIN
    | KIN_POSSESSIVE
    | KIN_PLURAL
    | ROLE
    | _CLASSES["PET"]
    | _CLASSES["MEAL"]
    | _CLASSES["TRASH"]
    | _CLASSES["KIT"]
    | _words("dishes dishwasher laundry chores room bed home think pretend")
)
_LETTERS = re.compile(r"[a-z]+")
#: Counters stop here (they are only compared with small thresholds).
_CAP = 255


class KinshipDetector:
    """Finds family cues in one message (see the module docstring). Build once, reuse."""

    def __init__(self) -> None:
        compiler = Compiler(_CLASSES)
        self._household = index_by_anchor(
            (0, p) for spec in HOUSEHOLD_PATTERNS for p in compiler.compile(spec)
        )
        self._invitations = index_by_anchor(
            (0, p) for spec in INVITATION_PATTERNS for p in compiler.compile(spec)
        )
        self._claims = index_by_anchor(
            (0, p) for spec in CLAIM_PATTERNS for p in compiler.compile(spec)
        )

    @staticmethod
    def may_have_cue(text: str) -> bool:
        """Cheap pre-filter on the raw text."""
        return not _TRIGGERS.isdisjoint(_LETTERS.findall(text.lower()))

    def claims_role(self, words: Sequence[str]) -> bool:
        """Whether the adult side claims a family-like role ("like an uncle to you")."""
        return _matches(self._claims, words)

    def adult_cue(self, message: Normalized, hits: Sequence[Hit]) -> bool:
        """Whether a message of the adult side refers to shared family or household routine."""
        if hits:
            return False  # a message with a warning sign is never family evidence
        words = message.words
        if _matches(self._invitations, words):
            return False
        if _matches(self._household, words):
            return True
        if any(w in _WHEREABOUTS for w in words):
            return False
        if words and words[0] in _QUESTION_START and "home" in words:
            return False
        for i, word in enumerate(words):
            before = words[i - 1] if i > 0 else ""
            if (word in KIN or word in KIN_POSSESSIVE) and before not in _NOT_A_NAME:
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
            if word not in KIN:
                continue
            before = words[i - 1] if i > 0 else ""
            after = original[message.ends[i] : message.ends[i] + 1]
            comma_before = original[: message.starts[i]].rstrip().endswith(",")
            if before in _NOT_A_NAME - {"ya"}:
                continue
            if i == last and (i == 0 or before in _ADDRESS_BEFORE or comma_before):
                return True  # "mom?", "ok mom", "love you dad", "see you later, grandma"
            titled = word in {"aunt", "auntie", "aunty", "uncle"}
            if i == last - 1 and titled and (i == 0 or before in _ADDRESS_BEFORE):
                return True  # "thanks uncle rob"
            if after in (",", "!", "?") and (i == 0 or before in _ADDRESS_BEFORE or comma_before):
                return True  # "mom, can I ...", "ok, dad, see you"
            if i == 0 and i < last and words[i + 1] in _ADDRESS_AFTER:
                return True  # "dad can you ...", "mom where are you"
        return False


def _matches(index: dict[str, list[tuple[int, Compiled]]], words: Sequence[str]) -> bool:
    for position, word in enumerate(words):
        for _, pattern in index.get(word, ()):
            if pattern.match_at(words, position) is not None:
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
