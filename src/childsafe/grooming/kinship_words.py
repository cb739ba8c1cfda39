"""The words and phrase patterns behind the family cues (``kinship``).

Kept apart from the detector so the vocabulary can be read, reviewed and extended on its own:
what counts as a family term, an address, an introduction, household routine, bringing the
parents in, an invitation and a role claim. Written as general family phrasing, not as any
data set's lines (``docs/grooming.md`` says which conversations each part was checked on).
"""

from __future__ import annotations

from childsafe.grooming.categories import Category
from childsafe.grooming.lexicon import CLASSES as LEXICON


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
    "papaw meemaw grams grandpop grandpapa grandmama tia tio nani nanu dadi ammi amma appa abbu "
    # Filipino grandparents, aunts and uncles; Spanish and Filipino godparents.
    "lolo lola tito tita madrina padrino ninang ninong"
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
NOT_A_NAME = _words(
    "my your ur yo ya his her their our a an the this that these those other some any no every "
    "like as me own"
)
#: Words before a family term at the end of a child's message that make it an address:
#: "ok mom", "love you dad", "thanks grandma".
ADDRESS_BEFORE = _words(
    "ok okay k kk yes yeah yep yup ya no nope nah sure thanks thank thx ty you hi hey hello "
    "bye night goodnight morning sorry please pls plz coming omw fine alright later soon cool "
    "yay"
)
#: Words after a family term opening a child's message that make it an address: "mom can
#: you", "dad where are you", "grandma its me", "mom i got an A". (Not "is" or "said": "dad is
#: asleep" is about dad.)
ADDRESS_AFTER = _words(
    "can could will would where when what please pls plz it its i im you u we my our the "
    # an imperative to the reader: "grandad come see", "mum look"
    "come look wait stop help hurry guess listen "
    # an answer to the reader: "mum no thats so embarrassing", "tio no way", "mom ok fine"
    # ("okay" arrives as "ok")
    "no nope nah yes yeah yep ok"
)
#: Verbs that make an opening family term the subject of a report, not an address: "mom said
#: u can't", "dad is picking u up", "grandma sent u a card".
REPORTING = _words(
    "said says say told tells is was are were will would gonna going has had have does did do "
    "doesnt didnt dont took takes sent sends gave gives wants wanted thinks thought knows knew "
    "let lets made makes asked asks got gets and or s"
)
YOU = _words("you u ya")
#: "you're my mum", "ur my nan": the child naming the relationship to the reader ("ur"
#: arrives as "your").
YOU_ARE = (("you", "are"), ("your",))
AUX = _words("did do does are is will would can could have has")
#: Who an auxiliary opens a question to or for: "can you", "can i", "can we".
ASKER = YOU | _words("i we")
#: How soon after an opening family term the "you" must come.
YOU_WITHIN = 3
#: Words before a family term ending a child's message that make it about the family member,
#: not an address: determiners ("my mom", above), prepositions, copulas and verbs that take
#: a person ("ask mom", "with dad", "its mom", "tell grandma"), and the adverbs of an answer to
#: "who's home?" ("just mom"). Any other word before a final family term makes it an address:
#: "5th pop", "i wont nonno", "i already am nan".
OBJECT_BEFORE = NOT_A_NAME | _words(
    "to for from with without about at by of and or than but is was its it's thats be been "
    "ask asked asking tell told telling call called text texted show showed give gave help "
    "helped see saw visit visiting miss meet love loves hug hugs want wants need needs "
    # adverbs of an answer about who is around: "just mom", "usually dad", "home with grandma"
    "just only also even except nobody plus then too probably prob prolly maybe mostly usually "
    "sometimes always never home here there now"
)
#: In an adult's message, a family term near these is about the family's whereabouts or what
#: they know or see: the supervision-check and secrecy look-alikes, never a cue.
WHEREABOUTS = _words(
    "tell tells told know knows find finds found see sees saw check checks checking notice "
    "hear hears around awake asleep sleeping sleep bed work working away gone strict busy "
    "leave leaves left watching looking read reads"
)
QUESTION_START = _words("is are does do did when what where will can could has have")

CLASSES: dict[str, frozenset[str]] = {
    "KIN": KIN,
    "ROLE": KIN | ROLE,
    "SELF": SELF,
    # The child's parents and guardians: the rules' class, with the spellings only the
    # family cues need.
    "GUARD": LEXICON["PARENT"] | _words("auntie stepmum"),
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
NEGATION = _words("not never dont no without")
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
#: "this is your aunt", "love, dad". Checked before the role claims: "it's auntie bee, your
#: godmother" normalises to "... be your godmother", the shape of a claim. ("i am your uncle"
#: and "call me dad" match no introduction: they stay claims.)
SELF_PATTERNS: tuple[str, ...] = (
    "{it is|its|this is} your? @SELF",
    "{it is|its|this is} your big|older|oldest|eldest|favorite|favourite|fave @SELF|sis|bro",
    "@SELF *1 here",
    "@SELF {speaking|writing}",
)
#: Signs that hide the conversation from the family: a message with one of them introduces
#: nobody. Other signs may share a family member's first line ("hi its grandma, can we do a
#: video call sunday?").
HIDING = frozenset({Category.SECRECY, Category.ISOLATION, Category.SUPERVISION_CHECK})
#: Words that may come before an introduction in a first line ("hi honey its grandma").
GREETING = _words(
    "hi hey hello hiya heya hii hiii heyy morning evening yo sweetie honey sweetheart hun "
    "darling bud buddy kiddo love dear ok okay"
)
#: How far into a message an introduction may start (after a greeting and a name).
SELF_WITHIN = 4
#: Sign-offs: "love, mum" or "love you - dad" at the end of the adult's message.
SIGN_OFF = _words("love xx xoxo xo")
#: Raw-text words: a message without any of them has no cue and is not normalised again.
TRIGGERS = frozenset(
    SELF
    | KIN_POSSESSIVE
    | KIN_PLURAL
    | ROLE
    | CLASSES["PET"]
    | CLASSES["MEAL"]
    | CLASSES["TRASH"]
    | CLASSES["KIT"]
    | _words("dishes dishwasher laundry chores room bed home think pretend")
)
