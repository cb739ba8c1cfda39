"""Text normalisation that undoes the usual tricks for dodging word filters.

Someone who knows that a platform filters "secret" writes "s3cr3t", "s e c r e t", "sеcret" with
a Cyrillic е, "secreeeet", or slips a zero-width space inside the word. The detectors should see
the plain word in every case, and an explanation must still quote what was actually written. So
the normaliser produces plain tokens, each carrying the character range of the original text it
came from.

Steps, in order:

1. Per character: drop invisible characters and combining marks, apply NFKC (full-width and
   "mathematical" letters become ASCII), lowercase, fold common Cyrillic/Greek look-alikes.
   Pure-ASCII messages, the vast majority, skip this loop entirely.
2. Tokenise, keeping digits and the symbols used as letters (``@ $ | !``) inside words.
3. Re-join spaced-out letters ("s e c r e t", "s.e.c.r.e.t", "a/s/l").
4. Per token (memoised, because chat vocabulary is small): split number+unit ("14yo"),
   expand chat abbreviations ("ur" → "your", "rn" → "right now"), decode leetspeak, collapse
   letters repeated three or more times. Where a decoding is ambiguous ("1" is i or l, "sooo"
   is "so", "cooool" is "cool") the decoding that is a known word wins.

One-letter misspellings are deliberately *not* handled here: the lexicon pre-computes the
one-edit variants of its key words, which costs nothing per message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import product

from childsafe.grooming._normtables import ABBREVIATIONS, CONFUSABLES, INVISIBLE, LEET, UNITS

# A word: letters and digits, with "@ $ | ! '" allowed inside (and "@ $" at the ends) where
# they stand in for letters. Runs of punctuation ("!!!") never join words.
_TOKEN = re.compile(
    r"(?:[@$]|(?<![!|])[|!](?=[^\W_]))?[^\W_]"
    r"(?:[^\W_]|[@$|!'](?=[@$|']?[^\W_]))*[@$]?"
)
_NUMBER_UNIT = re.compile(r"(\d{1,3})([a-z]{1,5})")
_MONEY = re.compile(r"\$\d+(?:[.,]\d+)?|\d+(?:[.,]\d+)?\$")
_REPEAT = re.compile(r"(.)\1{2,}")
_DOUBLE = re.compile(r"([a-z])\1")
_LETTERS = re.compile(r"[^\W\d_]+")
# What may sit between the letters of a spaced-out word, and how much of it.
_SPACING = frozenset(" .-_*/,~+")
_MAX_SPACING = 3
# Spaced-out runs this long are re-joined even when the result is not a known word (it may be
# a misspelling the lexicon's variants catch); shorter runs ("r u a") only when the result is.
_ALWAYS_JOIN = 5
_SINGLE_WORDS = frozenset({"a", "i", "u", "r"})
_CACHE_LIMIT = 50_000
_MAX_LEET_CHOICES = 64


@dataclass(frozen=True, slots=True)
class Token:
    """One normalised word and the half-open range of original characters it came from."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Normalized:
    """A message as plain words, each mapped back to the original text.

    ``words``, ``starts`` and ``ends`` are parallel tuples (cheaper to match against than a tuple
    of objects). An abbreviation that expands to several words ("rn" → "right now") gives each
    of them the span of the abbreviation.
    """

    original: str
    words: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @property
    def text(self) -> str:
        """The normalised words joined by single spaces (for display and debugging)."""
        return " ".join(self.words)

    @property
    def tokens(self) -> tuple[Token, ...]:
        return tuple(
            Token(w, s, e) for w, s, e in zip(self.words, self.starts, self.ends, strict=True)
        )

    def span(self, first: int, stop: int) -> tuple[int, int]:
        """The original character range covered by words ``first`` up to (excluding) ``stop``."""
        if not 0 <= first < stop <= len(self.words):
            raise IndexError(f"word range {first}:{stop} outside 0:{len(self.words)}")
        return self.starts[first], max(self.ends[first:stop])

    def quote(self, first: int, stop: int) -> str:
        """The original text of words ``first`` up to (excluding) ``stop``."""
        start, end = self.span(first, stop)
        return self.original[start:end]


class Normalizer:
    """Turns messages into plain, position-mapped words.

    ``vocabulary`` is the set of words the caller cares about (the lexicon); it is used only to
    choose between ambiguous decodings. The instance memoises per-character and per-token
    results, so keep one per process (or per worker) rather than one per message.
    """

    def __init__(self, vocabulary: Iterable[str] = ()) -> None:
        vocab = set(vocabulary)
        for expansion in ABBREVIATIONS.values():
            vocab.update(expansion)
        self._vocabulary = frozenset(vocab)
        self._chars: dict[str, str] = {}
        self._words: dict[str, tuple[str, ...]] = {}

    @property
    def vocabulary(self) -> frozenset[str]:
        return self._vocabulary

    def normalize(self, text: str) -> Normalized:
        folded, positions = self._fold(text)
        raw: list[tuple[str, int, int]] = [
            (m.group(), m.start(), m.end()) for m in _TOKEN.finditer(folded)
        ]
        if len(raw) >= 2:
            raw = self._join_spaced(folded, raw)
        words: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        cache = self._words
        for piece, start, end in raw:
            plain = cache.get(piece)
            if plain is None:
                plain = self._word(piece)
                if len(cache) >= _CACHE_LIMIT:
                    cache.clear()
                cache[piece] = plain
            if positions is None:
                o_start, o_end = start, end
            else:
                o_start, o_end = positions[start], positions[end - 1] + 1
            for word in plain:
                words.append(word)
                starts.append(o_start)
                ends.append(o_end)
        return Normalized(text, tuple(words), tuple(starts), tuple(ends))

    # -- characters ------------------------------------------------------------------------

    def _fold(self, text: str) -> tuple[str, list[int] | None]:
        """Lowercased, look-alike-folded text and, unless it is the identity, a map from each
        folded character to the index of the original character it came from."""
        if text.isascii():
            return text.lower(), None
        chars: list[str] = []
        positions: list[int] = []
        table = self._chars
        for index, ch in enumerate(text):
            if ch < "\x80":
                chars.append(ch.lower())
                positions.append(index)
                continue
            folded = table.get(ch)
            if folded is None:
                folded = _fold_char(ch)
                table[ch] = folded
            for out in folded:
                chars.append(out)
                positions.append(index)
        return "".join(chars), positions

    # -- spaced-out letters ----------------------------------------------------------------

    def _join_spaced(
        self, folded: str, raw: list[tuple[str, int, int]]
    ) -> list[tuple[str, int, int]]:
        """Re-join runs of single characters separated by a little spacing or punctuation."""
        out: list[tuple[str, int, int]] = []
        i = 0
        n = len(raw)
        while i < n:
            j = i
            while j + 1 < n and len(raw[j][0]) == 1 and len(raw[j + 1][0]) == 1:
                gap = folded[raw[j][2] : raw[j + 1][1]]
                if len(gap) > _MAX_SPACING or not _SPACING.issuperset(gap):
                    break
                j += 1
            if j > i:
                out.extend(self._join_run(folded, raw[i : j + 1]))
                i = j + 1
            else:
                out.append(raw[i])
                i += 1
        return out

    def _join_run(self, folded: str, run: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
        letters = "".join(piece for piece, _, _ in run)
        slashed = "/" in folded[run[0][1] : run[-1][2]] or "." in folded[run[0][1] : run[-1][2]]
        # Try the whole run, then with a stray one-letter word ("a", "u") trimmed off either end.
        for lo, hi in ((0, len(run)), (1, len(run)), (0, len(run) - 1), (1, len(run) - 1)):
            if hi - lo < 2 or (lo and letters[0] not in _SINGLE_WORDS):
                continue
            if hi < len(run) and letters[-1] not in _SINGLE_WORDS:
                continue
            joined = letters[lo:hi]
            if self._known(joined) and (hi - lo >= 3 or slashed):
                merged = (joined, run[lo][1], run[hi - 1][2])
                return [*run[:lo], merged, *run[hi:]]
        if len(run) >= _ALWAYS_JOIN:
            return [(letters, run[0][1], run[-1][2])]
        return run

    def _known(self, piece: str) -> bool:
        return any(w in self._vocabulary for w in self._word(piece))

    # -- words -----------------------------------------------------------------------------

    def _word(self, piece: str) -> tuple[str, ...]:
        """The plain word(s) for one raw token."""
        piece = piece.replace("'", "")
        if not piece:
            return ()
        if piece.isdigit():
            return (piece,)
        if _MONEY.fullmatch(piece):
            return ("money",)
        expansion = ABBREVIATIONS.get(piece)
        if expansion is not None:
            return expansion
        word = piece
        if not _LETTERS.fullmatch(word):
            word = self._deleet(word)
            unit = _NUMBER_UNIT.fullmatch(piece)
            if unit is not None and unit.group(2) in UNITS and not self._is_word(word):
                # "14yo", "5pm", "9th" — but "1m" is "im".
                return unit.group(1), UNITS[unit.group(2)]
        if _REPEAT.search(word):
            word = self._collapse(word)
        if not self._is_word(word) and _DOUBLE.search(word):
            # "heyy", "giift": one doubled letter too many is a typo or emphasis.
            for match in _DOUBLE.finditer(word):
                shorter = word[: match.start()] + word[match.start() + 1 :]
                if self._is_word(shorter):
                    word = shorter
                    break
        return ABBREVIATIONS.get(word, (word,))

    def _deleet(self, piece: str) -> str:
        """Decode digits and symbols used as letters, preferring a known word."""
        options = [LEET.get(ch, (ch,)) if not ch.isalpha() else (ch,) for ch in piece]
        choices = 1
        for opt in options:
            choices *= len(opt)
        default = "".join(opt[0] for opt in options).strip("@$|!")
        if choices > 1 and choices <= _MAX_LEET_CHOICES:
            for combo in product(*options):
                candidate = "".join(combo)
                if self._is_word(candidate):
                    return candidate
                collapsed = _REPEAT.sub(r"\1", candidate)
                if self._is_word(collapsed):
                    return collapsed
        if self._is_word(default):
            return default
        # A leading "@" or "$" that does not decode to a known word is a mention or a price.
        stripped = piece.lstrip("@$")
        if stripped != piece and stripped:
            return self._deleet(stripped) if not _LETTERS.fullmatch(stripped) else stripped
        return default

    def _is_word(self, word: str) -> bool:
        return word in self._vocabulary or word in ABBREVIATIONS

    def _collapse(self, word: str) -> str:
        """Collapse letters repeated three or more times to one, or two if that is a word."""
        single = _REPEAT.sub(r"\1", word)
        if single in self._vocabulary or single in ABBREVIATIONS:
            return single
        double = _REPEAT.sub(r"\1\1", word)
        if double in self._vocabulary:
            return double
        return single


def _fold_char(ch: str) -> str:
    """The folded form of one non-ASCII character ("" for invisible ones)."""
    if ch in INVISIBLE:
        return ""
    out: list[str] = []
    for part in unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", ch)):
        if unicodedata.combining(part) or unicodedata.category(part) in ("Mn", "Me", "Cf"):
            continue
        low = part.lower()
        out.append(CONFUSABLES.get(low, low))
    return "".join(out)
