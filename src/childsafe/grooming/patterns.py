"""A small phrase-pattern language over normalised words, and its matcher.

Bare keyword lists fail both ways: "secret" fires on every birthday surprise, and a list of whole
phrases misses "keep this just our little secret". Patterns here are sequences of word sets with
small gaps, which is enough to say "keep ... secret" or "don't tell ... your mom" and no more.

Syntax (one pattern per string, elements separated by spaces)::

    keep it|this *2 our? secret          words, alternatives with "|", "?" = optional
    dont tell @PARENT                    "@NAME" = a word class from the lexicon
    {between us|between you and me}      "{...|...}" = multi-word alternatives ("?" after "}"
                                         makes the whole group optional)
    *2                                   a gap of 0 to 2 arbitrary words

Each word may also match its pre-computed misspellings (see ``lexicon.build_variants``).
Matching starts from each pattern's rarest required element (its *anchor*), found through one
dict lookup per message word, so the cost per message grows with the number of candidate anchors
in it, not with the number of patterns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product

#: Words so common that a pattern should not be anchored on them if it can be helped.
_COMMON_WORDS = (
    "a an the i you me my your we us our it is are am was be to of in on at for and or not do "
    "does did can will would could should have has what how who where when that this so just "
    "with about if get got go let want know like up out all no yes ok"
)
COMMON = frozenset(_COMMON_WORDS.split())


class PatternError(ValueError):
    """A pattern string that cannot be compiled; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Element:
    """One position in a pattern: a set of words (possibly optional) or a gap of up to ``gap``."""

    words: frozenset[str] = frozenset()
    optional: bool = False
    gap: int = 0


@dataclass(frozen=True, slots=True)
class Compiled:
    """One expanded pattern, split around its anchor so matching can run both ways."""

    source: str
    anchor: Element
    left: tuple[Element, ...]  # elements before the anchor, nearest first
    right: tuple[Element, ...]  # elements after the anchor, in order

    def match_at(self, words: Sequence[str], index: int) -> tuple[int, int] | None:
        """The word range ``(start, stop)`` of a match anchored at ``index``, or ``None``."""
        stop = _forward(self.right, 0, words, index + 1)
        if stop is None:
            return None
        start = _backward(self.left, 0, words, index - 1)
        if start is None:
            return None
        return start, stop


@dataclass(frozen=True, slots=True)
class Compiler:
    """Compiles pattern strings against word classes and a misspelling table."""

    classes: Mapping[str, frozenset[str]]
    variants: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def compile(self, spec: str) -> list[Compiled]:
        """Every expansion of ``spec`` (one per combination of ``{...}`` alternatives)."""
        return [self._compile_one(spec, parts) for parts in _expand_groups(spec)]

    def _compile_one(self, spec: str, parts: list[str]) -> Compiled:
        elements = [self._element(spec, part) for part in parts]
        if not elements or elements[0].gap or elements[-1].gap:
            raise PatternError(f"{spec!r}: a pattern must start and end with words")
        required = [i for i, e in enumerate(elements) if not e.gap and not e.optional]
        if not required:
            raise PatternError(f"{spec!r}: a pattern needs at least one required word")
        anchor = min(required, key=lambda i: _cost(elements[i].words))
        left = tuple(reversed(elements[:anchor]))
        return Compiled(spec, elements[anchor], left, tuple(elements[anchor + 1 :]))

    def _element(self, spec: str, part: str) -> Element:
        if part.startswith("*"):
            try:
                return Element(gap=int(part[1:]))
            except ValueError:
                raise PatternError(f"{spec!r}: bad gap {part!r}") from None
        optional = part.endswith("?")
        words: set[str] = set()
        for alt in part.rstrip("?").split("|"):
            if alt.startswith("@"):
                try:
                    words.update(self.classes[alt[1:]])
                except KeyError:
                    raise PatternError(f"{spec!r}: unknown word class {alt!r}") from None
            elif alt:
                words.add(alt)
            else:
                raise PatternError(f"{spec!r}: empty alternative in {part!r}")
        for word in list(words):
            words.update(self.variants.get(word, ()))
        return Element(frozenset(words), optional=optional)


def _cost(words: frozenset[str]) -> int:
    return 1000 * len(words & COMMON) + len(words)


def _expand_groups(spec: str) -> list[list[str]]:
    """Split on spaces and expand ``{a b|c}`` groups into separate word lists."""
    chunks: list[list[list[str]]] = []  # per position: list of alternative word sequences
    rest = spec.strip()
    while rest:
        if rest.startswith("{"):
            close = rest.find("}")
            if close < 0:
                raise PatternError(f"{spec!r}: unclosed group")
            alts = [a.split() for a in rest[1:close].split("|")]
            rest = rest[close + 1 :]
            if rest.startswith("?"):
                alts.append([])
                rest = rest[1:]
            if any(not a for a in alts[: len(alts) - (1 if [] in alts else 0)]):
                raise PatternError(f"{spec!r}: empty alternative in group")
            chunks.append(alts)
        else:
            head, _, rest = rest.partition(" ")
            if "{" in head or "}" in head:
                raise PatternError(f"{spec!r}: a group must stand alone: {head!r}")
            chunks.append([[head]])
        rest = rest.lstrip()
    return [[w for seq in combo for w in seq] for combo in product(*chunks)]


def _forward(elements: tuple[Element, ...], k: int, words: Sequence[str], pos: int) -> int | None:
    if k == len(elements):
        return pos
    element = elements[k]
    if element.gap:
        for skip in range(element.gap + 1):
            if pos + skip > len(words):
                break
            end = _forward(elements, k + 1, words, pos + skip)
            if end is not None:
                return end
        return None
    if pos < len(words) and words[pos] in element.words:
        end = _forward(elements, k + 1, words, pos + 1)
        if end is not None:
            return end
    return _forward(elements, k + 1, words, pos) if element.optional else None


def _backward(elements: tuple[Element, ...], k: int, words: Sequence[str], pos: int) -> int | None:
    if k == len(elements):
        return pos + 1
    element = elements[k]
    if element.gap:
        for skip in range(element.gap + 1):
            if pos - skip < -1:
                break
            start = _backward(elements, k + 1, words, pos - skip)
            if start is not None:
                return start
        return None
    if pos >= 0 and words[pos] in element.words:
        start = _backward(elements, k + 1, words, pos - 1)
        if start is not None:
            return start
    return _backward(elements, k + 1, words, pos) if element.optional else None


def index_by_anchor(
    patterns: Iterable[tuple[int, Compiled]],
) -> dict[str, list[tuple[int, Compiled]]]:
    """Map each anchor word to the ``(owner, pattern)`` pairs it can start."""
    index: dict[str, list[tuple[int, Compiled]]] = {}
    for owner, pattern in patterns:
        for word in pattern.anchor.words:
            index.setdefault(word, []).append((owner, pattern))
    return index
