"""Invented names, apps, games and currencies for the synthetic conversations.

Everything here is made up (SAFETY.md): names are assembled from syllables, apps and games are
invented. Each list is split so that some values appear only in held-out conversations — a
detector that memorised "Chatterly" rather than the phrasing "add me on ..." should fail there.
"""

from __future__ import annotations

import random

_ONSETS = tuple(
    [
        "ka",
        "ri",
        "mo",
        "le",
        "dra",
        "vi",
        "se",
        "to",
        "ba",
        "ni",
        "ju",
        "pe",
        "zo",
        "a",
        "e",
        "wy",
        "fa",
        "ro",
        "lu",
        "ty",
        "qui",
        "bre",
        "ma",
        "co",
    ]
)
_CODAS = tuple(
    [
        "ven",
        "ria",
        "lo",
        "nix",
        "dan",
        "ra",
        "bel",
        "mir",
        "sa",
        "tin",
        "ko",
        "ly",
        "rin",
        "del",
        "na",
        "vo",
    ]
)

#: Apps. The first five are in the detector's lexicon; the rest are not (held-out only).
APPS_DEV = ["Chatterly", "PixelPal", "Whisprr", "Hushline", "Snapnest"]
APPS_HELDOUT = ["Natterbox", "Glimmerchat", "Kwikly", "Zapline"]

GAMES = [
    "Skyforge", "Block Realms", "Puzzle Pals", "Dragon Reach", "Starfall Arena", "Kart Kingdom",
    "Moonbase Builders", "Reef Rescue",
]  # fmt: skip

#: In-game currencies. The held-out ones are not in the lexicon.
CURRENCY_DEV = ["gems", "coins", "crystals", "shards"]
CURRENCY_HELDOUT = ["orbs", "sparkbits"]

PLACES = [
    "the mall", "the park by your school", "the cinema", "the arcade", "the skate park",
    "the bus stop near you", "the food court",
]  # fmt: skip
DAYS = ["saturday", "sunday", "friday after school", "tomorrow", "this weekend", "next week"]
AMOUNTS = ["100", "500", "1000", "2000", "250"]


def person_name(rng: random.Random) -> str:
    """An invented first name such as "Moriel" or "Brevo"."""
    name = rng.choice(_ONSETS) + rng.choice(_CODAS)
    if rng.random() < 0.3:
        name = rng.choice(_ONSETS) + name
    return name.capitalize()


def handle(rng: random.Random) -> str:
    """An invented username such as "sky_nixa42"."""
    first = rng.choice(["sky", "star", "pixel", "moon", "frost", "ember", "leaf", "byte", "nova"])
    return f"{first}_{person_name(rng).lower()}{rng.randint(1, 99)}"


def account_id(rng: random.Random) -> str:
    return f"acct_{rng.getrandbits(32):08x}"


def phone(rng: random.Random) -> str:
    """A fictional number in the 555-01xx range reserved for fiction."""
    return f"555-01{rng.randint(0, 99):02d}"
