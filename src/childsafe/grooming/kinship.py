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
- ``kin_self``: the adult side **introduced themselves** by a family term ("hi it's
  grandma", "its your aunt kat", "dad here", "love, mum"): families texting from a new number
  or a new account do this in their first message. It weighs like two cue messages of the
  adult side, because a stranger who says it to a child is caught out by the child at once;
- ``kin_claim``: the adult side **claimed** a family-like role ("I'm like an uncle to you",
  "call me dad", "I'll be your big brother"): from then on the pair gets no kinship effect at
  all, whatever else was said. That is what a groomer says, and it is how a child could be led
  to use a family word.

A message of the adult side that carries any warning sign is not a cue ("don't tell mom",
"is dad home?", "let's get dinner at 7"), nor is one that talks about the family's
whereabouts or what they know or see ("when does dad leave for work").

What the counts do to the risk is a metadata effect (``metadata``, ``kinship_cues``): a
lowering multiplier, floored like every other, and only when the cues are strong enough
(one vocative from the child, or an introduction or at least two cue messages from the
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

from childsafe.grooming.categories import Category, Hit
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
#: Family names a child calls a grandparent or parent that are also ordinary words ("pop
#: quiz", "ma'am" split, "pa" as an abbreviation), or that only some families use ("nonno",
#: "abuela", "oma"). They count only where the grammar says they address someone or introduce
#: the writer, never as a bare name in the adult's messages ("i'll pop over").
KIN_ADDRESS = KIN | _words(
    "pop pops ma pa mam mammy nonno nonna abuela abuelo abuelita abuelito oma opa mamaw "
    "papaw meemaw grams grandpop grandpapa grandmama tia tio nani nanu dadi ammi amma appa abbu"
)
#: What an adult may introduce themselves as: a family term, or a relative by their role
#: ("it's cousin ava", "your godmother here").
SELF = KIN_ADDRESS | _words(
    "cousin godmother godfather godmom goddad godparent brother sister stepmother stepfather "
    "stepmama stepdaddy"
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
#: you", "dad where are you", "grandma its me", "mom i got an A". (Not "is" or "said": "dad is
#: asleep" is about dad.)
_ADDRESS_AFTER = _words(
    "can could will would where when what please pls plz it its i im you u we my our the"
)
#: Verbs that make an opening family term the subject of a report, not an address: "mom said
#: u can't", "dad is picking u up", "grandma sent u a card".
_REPORTING = _words(
    "said says say told tells is was are were will would gonna going has had have does did do "
    "doesnt didnt dont took takes sent sends gave gives wants wanted thinks thought knows knew "
    "let lets made makes asked asks got gets and or s"
)
_YOU = _words("you u ya")
_AUX = _words("did do does are is will would can could have has")
#: Who an auxiliary opens a question to or for: "can you", "can i", "can we".
_ASKER = _YOU | _words("i we")
#: How soon after an opening family term the "you" must come.
_YOU_WITHIN = 3
#: Words before a family term ending a child's message that make it about the family member,
#: not an address: determiners ("my mom", above), prepositions, copulas and verbs that take
#: a person ("ask mom", "with dad", "its mom", "tell grandma"), and the adverbs of an answer to
#: "who's home?" ("just mom"). Any other word before a final family term makes it an address:
#: "5th pop", "i wont nonno", "i already am nan".
_OBJECT_BEFORE = _NOT_A_NAME | _words(
    "to for from with without about at by of and or than but is was its it's thats be been "
    "ask asked asking tell told telling call called text texted show showed give gave help "
    "helped see saw visit visiting miss meet love loves hug hugs want wants need needs "
    # adverbs of an answer about who is around: "just mom", "usually dad", "home with grandma"
    "just only also even except nobody plus then too probably prob prolly maybe mostly usually "
    "sometimes always never home here there now"
)
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
    "SELF": SELF,
    "GUARD": _words(
        "mom mum mother dad father parents parent mama papa stepmom stepmum stepdad grandma "
        "grandpa nan nana granny folks guardian guardians aunt auntie uncle"
    ),
    "PET": _words("dog dogs cat cats fish hamster hamsters rabbit rabbits bunny pets puppy kitten"),
    "MEAL": _words("dinner dinners supper suppers breakfast tea"),
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
    "come home",
    "home in *1 5|10|15|20|30|45|five|ten|fifteen|twenty|thirty|mins|minutes|min|hour|an|a",
    "the @PET got|gets|is|was|ran|escaped|needs|ate|threw|knocked|keeps|has|had|chewed",
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
    "home with me",
)
#: The adult side bringing the child's parents in: "ask your mom first", "i'll set it up with
#: your dad", "tell your mom to call me". Grooming hides the contact from the family; an adult
#: who routes plans through the parents is doing the opposite. Counted like a household cue,
#: and also in a message with a sign that does not hide anything ("i'll send you 300 gems, but
#: ask your mom first").
GUARDIAN_PATTERNS: tuple[str, ...] = (
    "{ask|asked|check with|clear it with|run it by|okay it with|ok it with} your @GUARD",
    "{i will|ill|let me|i can|i already|i just} *1 {ask|asked|text|texted|call|called|tell|told|"
    "check with|talk to|talked to|set it up with|sort it with|arrange it with} your @GUARD",
    "tell|have|get your @GUARD *2 {call|text|ring|message} me",
    "your @GUARD {said|says} *1 {yes|ok|okay|it is fine|its fine|you can}",
    "{with|if} your @GUARD *1 {permission|ok|okay|says yes|say yes|agrees|agree|is ok|is okay|"
    "are ok|are okay}",
)
#: "don't ask your mom" says the opposite.
_NEGATION = _words("not never dont no without")
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
#: The adult side introducing themselves by a family term: "hi its grandma linda", "mom here",
#: "this is your aunt", "love, dad". (The role claims above are checked first: "i am your
#: uncle" and "call me dad" are claims, not introductions.)
SELF_PATTERNS: tuple[str, ...] = (
    "{it is|its|this is} your? @SELF",
    "{it is|its|this is} your big|older|oldest|eldest|favorite|favourite|fave @SELF|sis|bro",
    "@SELF *1 here",
    "@SELF {speaking|writing}",
)
#: Signs that hide the conversation from the family: a message with one of them introduces
#: nobody. Other signs may share a family member's first line ("hi its grandma, can we do a
#: video call sunday?").
_HIDING = frozenset({Category.SECRECY, Category.ISOLATION, Category.SUPERVISION_CHECK})
#: Words that may come before an introduction in a first line ("hi honey its grandma").
_GREETING = _words(
    "hi hey hello hiya heya hii hiii heyy morning evening yo sweetie honey sweetheart hun "
    "darling bud buddy kiddo love dear ok okay"
)
#: How far into a message an introduction may start (after a greeting and a name).
_SELF_WITHIN = 4
#: Sign-offs: "love, mum" or "love you - dad" at the end of the adult's message.
_SIGN_OFF = _words("love xx xoxo xo")
#: Raw-text words: a message without any of them has no cue and is not normalised again.
_TRIGGERS = frozenset(
    SELF
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
        self._self = index_by_anchor(
            (0, p) for spec in SELF_PATTERNS for p in compiler.compile(spec)
        )
        self._guardian = index_by_anchor(
            (0, p) for spec in GUARDIAN_PATTERNS for p in compiler.compile(spec)
        )

    @staticmethod
    def may_have_cue(text: str) -> bool:
        """Cheap pre-filter on the raw text."""
        return not _TRIGGERS.isdisjoint(_LETTERS.findall(text.lower()))

    def claims_role(self, words: Sequence[str]) -> bool:
        """Whether the adult side claims a family-like role ("like an uncle to you")."""
        return _matches(self._claims, words)

    def introduces_self(self, message: Normalized, hits: Sequence[Hit]) -> bool:
        """Whether the adult side introduces themselves by a family term ("its grandma",
        "dad here", "love, mum"), near the start of the message or as its sign-off."""
        if any(h.category in _HIDING for h in hits):
            return False  # "it's your uncle, don't tell mom" is no evidence of family
        words = message.words
        start = 0
        while start < len(words) and words[start] in _GREETING:
            start += 1
        for position, word in enumerate(words):
            for _, pattern in self._self.get(word, ()):
                found = pattern.match_at(words, position)
                if found is None or found[0] >= start + _SELF_WITHIN:
                    continue
                if found[0] > 0 and words[found[0] - 1] in _NOT_A_NAME:
                    continue  # "your dad here?" asks about someone else
                return True
        last = len(words) - 1
        return last >= 1 and words[last] in KIN_ADDRESS and words[last - 1] in _SIGN_OFF

    def adult_cue(self, message: Normalized, hits: Sequence[Hit]) -> bool:
        """Whether a message of the adult side refers to shared family or household routine, or
        brings the child's parents in."""
        if any(h.category in _HIDING for h in hits):
            return False
        words = message.words
        if _matches(self._invitations, words):
            return False
        if _matches(self._guardian, words, unless_after=_NEGATION):
            return True
        if not hits and _matches(self._household, words):
            return True  # not with a sign: "let's get dinner at 7" is a meeting request
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
            if word not in KIN_ADDRESS:
                continue
            before = words[i - 1] if i > 0 else ""
            after = original[message.ends[i] : message.ends[i] + 1]
            comma_before = original[: message.starts[i]].rstrip().endswith(",")
            if before in _NOT_A_NAME - {"ya"}:
                continue
            if i == last and (i == 0 or before not in _OBJECT_BEFORE or comma_before):
                return True  # "mom?", "ok mom", "love you dad", "5th pop", "later, grandma"
            titled = word in {"aunt", "auntie", "aunty", "uncle"}
            if i == last - 1 and titled and (i == 0 or before in _ADDRESS_BEFORE):
                return True  # "thanks uncle rob"
            if after in (",", "!", "?", ".") and (
                i == 0 or before in _ADDRESS_BEFORE or comma_before
            ):
                return True  # "mom, can I ...", "ok, dad, see you", "dad. yes."
            if i == 0 and i < last and words[i + 1] in _ADDRESS_AFTER:
                modal = words[i + 1] in _AUX
                if not modal or (i + 2 <= last and words[i + 2] in _YOU):
                    return True  # "dad can you ...", "mom where are you"; not "mom will kill u"
            if i == 0 and _asks_the_reader(words, 2 if titled else 1):
                return True  # "mom did u see my hoodie", "aunt mel can u help"
        return False


def _asks_the_reader(words: Sequence[str], start: int) -> bool:
    """Whether the words from ``start`` on speak to the reader: a "you" soon after, and the
    opening family term is not the subject of a report ("mom said u can't")."""
    if start >= len(words):
        return False
    if words[start] in _AUX and start + 1 < len(words) and words[start + 1] in _ASKER:
        return True  # "mom did u see ...", "uncle mo are u still coming", "auntie can i"
    if words[start] in _REPORTING:
        return False
    return any(w in _YOU for w in words[start : start + _YOU_WITHIN])


def _matches(
    index: dict[str, list[tuple[int, Compiled]]],
    words: Sequence[str],
    *,
    unless_after: frozenset[str] = frozenset(),
) -> bool:
    for position, word in enumerate(words):
        if position > 0 and words[position - 1] in unless_after:
            continue
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
