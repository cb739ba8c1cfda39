"""Per-message warning-sign detection over normalised text.

The lexical stage is the one that runs on every message, so it is built to be cheap: the rules
are compiled once, indexed by their rarest word, and a message costs one dict lookup per word
plus a handful of pattern attempts. Most messages (ordinary chit-chat) produce no attempt at all.

Besides the phrase rules, two regular expressions look for contact details: phone numbers (seven
or more digits, however they are spaced) and e-mail addresses. Those are found in the folded
text, not in words, because normalisation splits them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from childsafe.grooming.categories import Category, Hit
from childsafe.grooming.lexicon import AGE_WORDS, CLASSES, build_variants
from childsafe.grooming.normalize import Normalized, Normalizer
from childsafe.grooming.patterns import COMMON, Compiled, Compiler, index_by_anchor
from childsafe.grooming.rules import Rule, combine
from childsafe.grooming.rules_escalation import ESCALATION_RULES
from childsafe.grooming.rules_rapport import RAPPORT_RULES

_PHONE = re.compile(r"(?<![\w.])\+?\d(?:[\s.\-()]{0,2}\d){6,14}(?![\w])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
#: What either needs: a message without it has no number or address to find (one scan in C,
#: where a generator over the characters cost about 4 us more a message).
_MAY_HOLD_CONTACT = re.compile(r"[\d@]")
_PHONE_RULE = "platform_move.phone_number"
_EMAIL_RULE = "platform_move.email"
#: A hit that needed a misspelling variant is slightly less certain than an exact one.
_VARIANT_FACTOR = 0.85

#: The built-in rules, in a stable order.
RULES: tuple[Rule, ...] = combine(RAPPORT_RULES, ESCALATION_RULES)


class LexicalDetector:
    """Finds warning-sign hits in single messages.

    Build one per process and reuse it: construction compiles every rule (milliseconds), and the
    normaliser it owns memoises token decodings across messages.
    """

    def __init__(self, rules: Sequence[Rule] = RULES) -> None:
        self._rules = tuple(rules)
        exact: set[str] = set(COMMON)
        plain = Compiler(CLASSES)
        for rule in self._rules:
            for spec in (*rule.patterns, *rule.unless):
                for compiled in plain.compile(spec):
                    for element in (compiled.anchor, *compiled.left, *compiled.right):
                        exact.update(element.words)
        variants = build_variants(known=exact)
        self._variant_words = frozenset(v for vs in variants.values() for v in vs) - exact
        compiler = Compiler(CLASSES, variants)
        patterns: list[tuple[int, Compiled]] = []
        vetoes: list[list[Compiled]] = []
        for number, rule in enumerate(self._rules):
            for spec in rule.patterns:
                patterns.extend((number, p) for p in compiler.compile(spec))
            vetoes.append([p for spec in rule.unless for p in compiler.compile(spec)])
        self._index = index_by_anchor(patterns)
        self._vetoes = vetoes
        self._normalizer = Normalizer(exact | set(AGE_WORDS))

    @property
    def normalizer(self) -> Normalizer:
        return self._normalizer

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self._rules

    def detect(self, text: str) -> list[Hit]:
        """All hits in one message, at most one per rule, in order of position."""
        return self.detect_normalized(self._normalizer.normalize(text))

    def detect_normalized(self, message: Normalized) -> list[Hit]:
        return self.detect_with_vetoes(message)[0]

    def detect_with_vetoes(self, message: Normalized) -> tuple[list[Hit], frozenset[Category]]:
        """The hits, and the categories of rules that matched but were vetoed by an innocent
        context in the message ("keep it quiet, it's a surprise"): the learned stages should
        not find those categories again in the same message."""
        words = message.words
        hits: list[Hit] = []
        vetoed: set[Category] = set()
        done: set[int] = set()
        index = self._index
        for position, word in enumerate(words):
            candidates = index.get(word)
            if candidates is None:
                continue
            for number, pattern in candidates:
                if number in done:
                    continue
                found = pattern.match_at(words, position)
                if found is None:
                    continue
                done.add(number)
                if self._vetoed(number, words):
                    vetoed.add(self._rules[number].category)
                    continue
                hits.append(self._hit(self._rules[number], message, *found))
        if _MAY_HOLD_CONTACT.search(message.original) is not None:
            hits.extend(_contact_hits(message.original))
        hits.sort(key=lambda h: h.span)
        return hits, frozenset(vetoed)

    def _vetoed(self, number: int, words: Sequence[str]) -> bool:
        for veto in self._vetoes[number]:
            anchors = veto.anchor.words
            for position, word in enumerate(words):
                if word in anchors and veto.match_at(words, position) is not None:
                    return True
        return False

    def _hit(self, rule: Rule, message: Normalized, start: int, stop: int) -> Hit:
        strength = rule.strength
        matched = message.words[start:stop]
        if any(w in self._variant_words for w in matched):
            strength *= _VARIANT_FACTOR
        age = None
        if rule.claims_age:
            age = next((AGE_WORDS[w] for w in matched if w in AGE_WORDS), None)
        return Hit(rule.category, round(strength, 3), message.span(start, stop), rule.id, age)


def _contact_hits(text: str) -> Iterable[Hit]:
    for match in _PHONE.finditer(text):
        digits = sum(ch.isdigit() for ch in match.group())
        if digits >= 7:
            yield Hit(Category.PLATFORM_MOVE, 0.6, match.span(), _PHONE_RULE)
    for match in _EMAIL.finditer(text):
        yield Hit(Category.PLATFORM_MOVE, 0.5, match.span(), _EMAIL_RULE)
