"""Word classes and misspelling variants that the warning-sign rules are written in.

Rules name classes (``@PARENT``, ``@PHOTO``) rather than repeating word lists, so that adding
"stepdad" once teaches every rule about parents. App names are invented (SAFETY.md): the
platform-move rules rely on phrasing ("add me on ..."), not on knowing every app.

Misspellings: for a short list of key words, every string one edit away (a letter dropped,
doubled, swapped with its neighbour, or replaced) is pre-computed into the pattern's word set.
That makes "secert", "parnets" and "matture" cost nothing at match time, unlike computing edit
distances per message. Variants that are themselves ordinary words ("nature" for "mature",
"patents" for "parents") are excluded, or they would turn unrelated text into warning signs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from string import ascii_lowercase


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NUMBER_WORDS = (
    "eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen "
    "twenty thirty forty fifty sixty"
)
#: Ages a message can state. Words as well as digits: "im thirteen".
AGE_WORDS: dict[str, int] = {
    **{str(n): n for n in range(8, 100)},
    **{w: n for w, n in zip(_NUMBER_WORDS.split(), [*range(8, 21), 30, 40, 50, 60], strict=True)},
}

CLASSES: dict[str, frozenset[str]] = {
    "PARENT": _words(
        "parents parent mom moms mum mums mother mothers dad dads father fathers mommy mama momma "
        "daddy papa folks family stepmom stepdad guardian guardians grandma grandpa grandparents "
        "nan nana gran granny aunt uncle "
        # Irish, northern English and Scots "mam", "maw" and "da", Spanish and Romanian "mami"
        # and "papi", and the relatives who often raise a child ("is your mam home", "dont tell
        # your tia").
        "mam mams mammy maw da mami papi abuela abuelo tia tio"
    ),
    "SIBLING": _words("sister sisters brother brothers sis bro siblings"),
    "FRIENDS": _words("friends friend bff bffs bestie besties mates classmates"),
    "ANYONE": _words("anyone anybody nobody someone people others everyone"),
    "ADULTS": _words("teacher teachers adults grownups counselor police coach"),
    "SECRET": _words("secret secrets"),
    "PHOTO": _words(
        "pic pics picture pictures photo photos selfie selfies snap snaps image images pix"
    ),
    "CAM": _words("video cam webcam camera facetime"),
    "APP": _words(
        "chatterly pixelpal whisprr hushline snapnest talkbox chirpa velvetchat echoroom "
        "driftchat murmur pinglet blinkr quietline nestle"
    ),
    "PRIVATE": _words("private privately dm dms pm pms inbox"),
    "CONTACT": _words("number phone cell email mobile"),
    "CURRENCY": _words(
        "gems gem coins coin credits skins skin tokens money cash giftcard giftcards bucks "
        "points diamonds crystals gold glimmers pixelcoins shards crowns"
    ),
    "GIFT": _words("gift gifts present presents surprise"),
    #: Round amounts of an in-game currency whose name no list can hold ("800 sparks").
    "AMOUNT": _words(
        "100 150 200 250 300 400 500 600 700 750 800 900 1000 1200 1500 2000 2500 3000 5000 10000"
    ),
    "GIFT_THING": _words(
        "phone headphones console stuff something anything clothes shoes outfit pass subscription "
        "card cards game games membership upgrade tablet"
    ),
    "ITEM": _words(
        "sword skin shield armor pet mount item items bow staff helmet axe wand cape emote badge "
        "dragon account slot spot boots"
    ),
    "THING": _words(
        "slip form forms homework worksheet notes drawing project receipt ticket tickets "
        "schedule screen score essay assignment page map recipe cake dog cat puppy kitten bike "
        "car room setup build base garden menu poster answers answer sheet board whiteboard "
        "cast trophy medal certificate team uniform kit jersey bruise cut knee report card shoes "
        "sneakers painting lego fish hamster haircut"
    ),
    "PUBLIC_PLACE": _words(
        "field gym pool school library club rink pitch track office classroom hall "
        "studio center centre practice game match rehearsal lesson lessons church station "
        "cafe café museum stadium arena lobby basketball tennis volleyball"
    ),
    "SURPRISE": _words(
        "surprise surprises party birthday bday christmas anniversary quiz test exam answers "
        "spoiler spoilers ending recipe plot finale"
    ),
    "TRADE": _words(
        "trade trading traded trades swap swapping swapped sell selling sold auction price "
        "dupe split loot"
    ),
    "UNIT": _words(
        "min mins minute minutes hours hour hrs km miles mile pm am points percent bucks dollars "
        "gems coins levels level kills wins euros pounds seconds secs sec days weeks months "
        "times k x st nd rd th"
    ),
    "AGE": frozenset(AGE_WORDS),
}

#: Key words whose one-edit misspellings are also recognised. Five letters or more: shorter
#: words have too many real-word neighbours ("tell"/"fell", "meet"/"meat").
FUZZY = _words(
    "secret secrets parents parent mother father nobody anyone anybody mature special "
    "understand understands picture pictures photo photos selfie camera video alone private "
    "number promise promised delete between trust ignoring please school address webcam "
    "meeting older younger gorgeous beautiful pretty friends together forever family "
    "facetime chatterly pixelpal whisprr hushline snapnest anything someone grade birthday "
    "messages phone teenager"
)

#: Real words one edit away from a key word; never treated as a misspelling.
NOT_VARIANTS = _words(
    "nature matures matured patent patents parent parents parted secrete secreted secrets "
    "mothers fathers bother bothers lather rather father mother alone atone clone along "
    "photon video vides pretty petty prettier school schools schoo trust truest crust "
    "thrust truss trusty older elder holder folder colder bolder oldie younger lounger "
    "number numbers lumber umber cumber friend fiends fronds fries fried family familia "
    "delete delve delft dilate please plead pleas pleases lease pleased pease promise "
    "premise promised anyone someone anybody somebody nobody nobly special spacial "
    "between betwixt address adders forever foreverr camera cameras meeting melting meting "
    "together pictured picture pictures photos photo beautiful gorgeous selfie selfies "
    "understand understands understood mature matter secrets secret mater motor dater dates "
    "other others order elder olden solder oldest fatter gather farther feather manure smother "
    "mothed lumber umber numbed parens latter tryst grace grate grape glade grades graded "
    "grader trade shone prone phony phono phoned phones message massages messaged"
)


def one_edit_variants(word: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion away from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out: set[str] = set()
    for left, right in splits:
        if right:
            out.add(left + right[1:])
            for ch in ascii_lowercase:
                out.add(left + ch + right[1:])
        if len(right) > 1:
            out.add(left + right[1] + right[0] + right[2:])
        for ch in ascii_lowercase:
            out.add(left + ch + right)
    out.discard(word)
    return out


def build_variants(
    fuzzy: Iterable[str] = FUZZY, known: Iterable[str] = ()
) -> Mapping[str, frozenset[str]]:
    """Misspelling table: key word → its one-edit variants, minus real words.

    ``known`` is every word the rules use exactly; a variant that is one of them (or in
    :data:`NOT_VARIANTS`) is dropped, so a misspelling table never changes what a correctly
    spelled word means.
    """
    fuzzy = frozenset(fuzzy)
    excluded = NOT_VARIANTS | frozenset(known) | fuzzy
    table: dict[str, frozenset[str]] = {}
    for word in sorted(fuzzy):
        table[word] = frozenset(v for v in one_edit_variants(word) if v not in excluded)
    return table
