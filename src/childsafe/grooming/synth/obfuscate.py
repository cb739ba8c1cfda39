"""Evasive spellings, applied to the key word of a template.

Templates mark their key word with square brackets ("keep this our little [secret]"); the
generator either drops the brackets or rewrites the word in one of the ways people dodge word
filters. Some styles are held-out only, so held-out results say something about evasions the
detectors were not tuned on.
"""

from __future__ import annotations

import random
import re

_LEET = {"a": "4@", "e": "3", "i": "1!", "o": "0", "s": "5$", "t": "7", "l": "1", "g": "9"}
_HOMOGLYPH = {
    "a": "а",
    "e": "е",
    "o": "оο",
    "p": "р",
    "c": "с",
    "x": "х",
    "y": "у",
    "i": "і",
    "s": "ѕ",
}
_NEIGHBOURS = {
    "a": "sq", "e": "wr", "i": "uo", "o": "ip", "u": "yi", "s": "ad", "t": "ry", "r": "et",
    "n": "bm", "m": "n", "l": "k", "c": "xv", "d": "sf", "g": "fh", "h": "gj", "p": "o",
}  # fmt: skip
_MARK = re.compile(r"\[([^\]]+)\]")

STYLES_DEV = ("leet", "spaced", "dotted", "misspell", "homoglyph", "repeat", "zero_width")
STYLES_HELDOUT = (*STYLES_DEV, "mixed", "fullwidth", "dashed")


def obfuscate_word(word: str, style: str, rng: random.Random) -> str:
    """``word`` rewritten in ``style`` (one of :data:`STYLES_HELDOUT`)."""
    if style == "leet":
        out = [rng.choice(_LEET[ch]) if ch in _LEET and rng.random() < 0.7 else ch for ch in word]
        if out == list(word):
            out = [_LEET[ch][0] if ch in _LEET else ch for ch in word]
        return "".join(out)
    if style == "spaced":
        return " ".join(word)
    if style == "dotted":
        return ".".join(word)
    if style == "dashed":
        return "-".join(word)
    if style == "misspell":
        return _misspell(word, rng)
    if style == "homoglyph":
        out = list(word)
        spots = [i for i, ch in enumerate(word) if ch in _HOMOGLYPH]
        for i in rng.sample(spots, min(len(spots), rng.randint(1, 3))):
            out[i] = rng.choice(_HOMOGLYPH[out[i]])
        return "".join(out)
    if style == "repeat":
        vowels = [i for i, ch in enumerate(word) if ch in "aeiouy"] or [len(word) - 1]
        i = rng.choice(vowels)
        return word[:i] + word[i] * rng.randint(3, 6) + word[i + 1 :]
    if style == "zero_width":
        i = rng.randint(1, max(1, len(word) - 1))
        return word[:i] + "\u200b" + word[i:]
    if style == "mixed":
        return " ".join(obfuscate_word(word, "leet", rng))
    if style == "fullwidth":
        return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in word)
    raise ValueError(f"unknown obfuscation style {style!r}")


def _misspell(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word + word[-1]
    i = rng.randint(1, len(word) - 2)
    kind = rng.choice(("drop", "double", "swap", "near"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    near = _NEIGHBOURS.get(word[i])
    return word[:i] + rng.choice(near) + word[i + 1 :] if near else word[:i] + word[i + 1 :]


def render(template: str, rng: random.Random, style: str | None) -> str:
    """Drop the key-word brackets, rewriting the (first) key word in ``style`` if given."""
    if style is None:
        return _MARK.sub(r"\1", template)
    done = False

    def swap(match: re.Match[str]) -> str:
        nonlocal done
        if done:
            return match.group(1)
        done = True
        return obfuscate_word(match.group(1), style, rng)

    return _MARK.sub(swap, template)
