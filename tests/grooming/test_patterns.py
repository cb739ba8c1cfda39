"""The phrase-pattern language: words, classes, optional words, gaps, groups, misspellings."""

from __future__ import annotations

import pytest

from childsafe.grooming.patterns import Compiler, PatternError

CLASSES = {"PARENT": frozenset({"mom", "dad", "parents"})}


def matches(spec: str, text: str, variants: dict[str, frozenset[str]] | None = None) -> bool:
    words = text.split()
    compiled = Compiler(CLASSES, variants or {}).compile(spec)
    return any(
        p.match_at(words, i) is not None
        for p in compiled
        for i, w in enumerate(words)
        if w in p.anchor.words
    )


@pytest.mark.parametrize(
    ("spec", "text", "expected"),
    [
        ("keep it secret", "please keep it secret ok", True),
        ("keep it secret", "keep secret", False),
        ("keep it|this secret", "keep this secret", True),
        ("keep it? secret", "keep secret", True),
        ("keep *2 secret", "keep it our secret", True),
        ("keep *2 secret", "keep it as our secret", False),
        ("tell @PARENT", "do not tell dad", True),
        ("tell @PARENT", "do not tell anyone", False),
        ("{between us|between you and me}", "just between you and me", True),
        ("just {you and me|us two}? now", "just now", True),
        ("our secret", "our secert", False),
    ],
)
def test_pattern_semantics(spec: str, text: str, expected: bool) -> None:
    assert matches(spec, text) is expected


def test_variants_extend_a_word() -> None:
    assert matches("our secret", "our secert", {"secret": frozenset({"secert"})})


def test_match_reports_the_word_range() -> None:
    (pattern,) = Compiler(CLASSES).compile("tell *1 @PARENT")
    words = ["please", "do", "not", "tell", "your", "mom", "today"]
    assert "tell" in pattern.anchor.words  # the rarest required word anchors the pattern
    assert pattern.match_at(words, 3) == (3, 6)
    assert pattern.match_at(words, 0) is None


@pytest.mark.parametrize(
    "spec",
    ["*2 secret", "secret *1", "tell @NOBODY", "keep? it?", "{a|b", "x{a|b}", "a *x b", "a || b"],
)
def test_bad_patterns_are_refused_with_a_reason(spec: str) -> None:
    with pytest.raises(PatternError):
        Compiler(CLASSES).compile(spec)
