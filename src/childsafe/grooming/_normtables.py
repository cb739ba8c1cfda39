"""Character and word tables for the normaliser.

Kept apart from the algorithm so that adding a homoglyph or an abbreviation is a data change.
Every entry here was chosen because it is how people actually dodge word filters in chat
(look-alike letters, digits for letters) or how they abbreviate (``ur``, ``rn``, ``plz``).
"""

from __future__ import annotations

# Characters that render as nothing (zero-width, joiners, soft hyphen, BOM). Combining marks are
# dropped separately by Unicode category, which also undoes "s̶e̶c̶r̶e̶t̶"-style decoration.
INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"
)

# Look-alikes that NFKC does not fold, mapped to the Latin letter they imitate. Lowercase only:
# text is lowercased before this table is consulted.
CONFUSABLES: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "ӏ": "l", "ү": "y", "һ": "h", "ь": "b", "ɡ": "g",
    # Greek
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "γ": "y", "η": "n", "ω": "w", "ς": "s", "σ": "o", "μ": "u",
    # Armenian and Latin extensions
    "ո": "n", "ս": "u", "օ": "o", "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h",
    # Apostrophes and quotes that should behave like the ASCII apostrophe
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u0060": "'", "\u00b4": "'",
}  # fmt: skip

# Digits and symbols standing in for letters, in order of preference. Where a symbol is
# ambiguous (1 = i or l) the normaliser prefers a decoding that is a known word.
LEET: dict[str, tuple[str, ...]] = {
    "0": ("o",), "1": ("i", "l"), "3": ("e",), "4": ("a",), "5": ("s",), "6": ("g", "b"),
    "7": ("t",), "8": ("b",), "9": ("g",), "@": ("a",), "$": ("s",), "|": ("l", "i"),
    "!": ("i", "l"), "'": ("",),
}  # fmt: skip

# Number + unit written as one token ("14yo", "5pm", "9th"): split so the number stays a number.
UNITS: dict[str, str] = {
    "yo": "yo", "yrs": "years", "yr": "year", "years": "years", "y": "yo", "m": "m", "f": "f",
    "st": "st", "nd": "nd", "rd": "rd", "th": "th", "am": "am", "pm": "pm", "k": "k",
    "min": "min", "mins": "mins", "h": "h", "hr": "hours", "hrs": "hours", "x": "x",
}  # fmt: skip

# Chat abbreviations and contractions (apostrophes already removed) to their plain words.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "u": ("you",), "ya": ("you",), "yu": ("you",), "yoo": ("you",), "ur": ("your",),
    "urs": ("yours",), "urself": ("yourself",), "ure": ("you", "are"), "youre": ("you", "are"),
    "r": ("are",), "pls": ("please",), "plz": ("please",), "pleez": ("please",),
    "pleas": ("please",), "rn": ("right", "now"), "bc": ("because",), "cuz": ("because",),
    "coz": ("because",), "cos": ("because",), "bcuz": ("because",), "becuz": ("because",),
    "k": ("ok",), "kk": ("ok",), "okay": ("ok",), "ppl": ("people",), "msg": ("message",),
    "msgs": ("messages",), "txt": ("text",), "dont": ("do", "not"), "doesnt": ("does", "not"),
    "didnt": ("did", "not"), "cant": ("can", "not"), "cannot": ("can", "not"),
    "wont": ("will", "not"), "wouldnt": ("would", "not"), "shouldnt": ("should", "not"),
    "couldnt": ("could", "not"), "isnt": ("is", "not"), "arent": ("are", "not"),
    "wasnt": ("was", "not"), "werent": ("were", "not"), "havent": ("have", "not"),
    "im": ("i", "am"), "ive": ("i", "have"), "ill": ("i", "will"), "youll": ("you", "will"),
    "youve": ("you", "have"), "youd": ("you", "would"), "its": ("it", "is"),
    "thats": ("that", "is"), "whats": ("what", "is"), "wats": ("what", "is"), "wat": ("what",),
    "wut": ("what",), "wht": ("what",), "whos": ("who", "is"), "wheres": ("where", "is"),
    "hows": ("how", "is"), "lets": ("let", "us"), "theyre": ("they", "are"),
    "theyll": ("they", "will"), "theyve": ("they", "have"), "theyd": ("they", "would"),
    "wanna": ("want", "to"), "gonna": ("going", "to"), "gotta": ("got", "to"),
    "gimme": ("give", "me"), "lemme": ("let", "me"), "dunno": ("do", "not", "know"),
    "idk": ("i", "do", "not", "know"), "tho": ("though",), "thx": ("thanks",),
    "thnx": ("thanks",), "thanx": ("thanks",), "ty": ("thanks",), "gf": ("girlfriend",),
    "bf": ("boyfriend",), "bday": ("birthday",), "pix": ("pics",), "vid": ("video",),
    "vids": ("videos",), "vc": ("video", "call"), "2day": ("today",), "2nite": ("tonight",),
    "2night": ("tonight",), "tonite": ("tonight",), "2moro": ("tomorrow",),
    "2morrow": ("tomorrow",), "tmrw": ("tomorrow",), "tmr": ("tomorrow",), "l8r": ("later",),
    "l8er": ("later",), "gr8": ("great",), "b4": ("before",), "4ever": ("forever",),
    "some1": ("someone",), "sum1": ("someone",), "any1": ("anyone",), "ne1": ("anyone",),
    "no1": ("no", "one"), "noone": ("no", "one"), "every1": ("everyone",), "cya": ("see", "you"),
    "wyd": ("what", "are", "you", "doing"), "hbu": ("how", "about", "you"),
    "wbu": ("what", "about", "you"), "rly": ("really",), "rlly": ("really",),
    "srsly": ("seriously",), "sry": ("sorry",), "srry": ("sorry",), "luv": ("love",),
    "dat": ("that",), "dis": ("this",), "nd": ("and",), "abt": ("about",), "alot": ("a", "lot"),
    "omw": ("on", "my", "way"), "kewl": ("cool",), "nite": ("night",), "rents": ("parents",),
    "fam": ("family",), "wanted2": ("wanted", "to"), "want2": ("want", "to"),
    "2b": ("to", "be"), "ok": ("ok",),
    # Scots, Irish and northern English spellings, as written in chat.
    "ye": ("you",), "yer": ("your",), "yere": ("you", "are"), "yous": ("you",),
    "youse": ("you",), "whit": ("what",), "dinnae": ("do", "not"), "didnae": ("did", "not"),
    "disnae": ("does", "not"), "doesnae": ("does", "not"), "cannae": ("can", "not"),
    "wouldnae": ("would", "not"), "couldnae": ("could", "not"), "isnae": ("is", "not"),
    "wasnae": ("was", "not"), "havnae": ("have", "not"), "havenae": ("have", "not"),
    "willnae": ("will", "not"), "naebody": ("nobody",), "nae": ("no",), "tae": ("to",),
    "fae": ("from",), "aff": ("off",), "oot": ("out",), "aboot": ("about",), "hame": ("home",),
}  # fmt: skip
