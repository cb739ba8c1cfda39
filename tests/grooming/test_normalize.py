"""The normaliser undoes each evasion kind and keeps every word mapped to the original text."""

from __future__ import annotations

import pytest

from childsafe.grooming.normalize import Normalizer

VOCAB = ["secret", "parents", "tell", "mom", "pic", "old", "how", "cool", "so", "please", "asl"]


@pytest.fixture(scope="module")
def norm() -> Normalizer:
    return Normalizer(VOCAB)


@pytest.mark.parametrize(
    ("kind", "text", "plain"),
    [
        ("plain", "Keep this our Secret!", "keep this our secret"),
        ("leetspeak", "k33p th1s 0ur s3cr3t", "keep this our secret"),
        ("leet symbols", "$ecr3t p@rents", "secret parents"),
        ("leet 1 as l or i", "w1ll t3ll 1t", "will tell it"),
        ("a lone digit is a number", "1 more", "1 more"),
        ("spaced letters", "s e c r e t", "secret"),
        ("dotted letters", "s.e.c.r.e.t", "secret"),
        ("dashed letters", "s-e-c-r-e-t", "secret"),
        ("spaced, with a stray article", "keep it a s e c r e t", "keep it a secret"),
        ("spaced leet", "s 3 c r 3 t", "secret"),
        ("slashed abbreviation", "a/s/l?", "asl"),
        ("repeated letters", "sooooo cooool", "so cool"),
        ("repeated letters in a key word", "seeeecret", "secret"),
        ("one doubled letter too many", "secrett", "secret"),
        ("zero-width space", "se\u200bcr\u200det", "secret"),
        ("soft hyphen", "sec\u00adret", "secret"),
        ("cyrillic homoglyphs", "ѕесrеt", "secret"),
        ("greek homoglyphs", "ρarεnts", "parents"),
        ("full-width letters", "ｓｅｃｒｅｔ", "secret"),
        ("mathematical letters", "𝐬𝐞𝐜𝐫𝐞𝐭", "secret"),
        ("combining decoration", "s\u0336e\u0336c\u0336r\u0336e\u0336t\u0336", "secret"),
        ("abbreviations", "dont tell ur mom", "do not tell your mom"),
        ("more abbreviations", "r u home rn? pls", "are you home right now please"),
        ("abbreviation with repeats", "plzzz", "please"),
        ("apostrophes", "don’t tell, I’m sure", "do not tell i am sure"),
        ("number and unit", "im 14yo", "i am 14 yo"),
        ("leet word that looks like number+unit", "1m 14", "i am 14"),
        ("money", "I'll send $50", "i will send money"),
        ("mention", "@bob hi", "bob hi"),
        ("punctuation runs do not join words", "wow!!!nice", "wow nice"),
        ("short runs are not joined", "r u a girl", "are you a girl"),
        ("scots", "dinnae tell yer da, ye ken", "do not tell your da you ken"),
        ("scots and northern", "whit age are ye, naebody asked", "what age are you nobody asked"),
    ],
)
def test_each_evasion_maps_to_the_plain_form(
    norm: Normalizer, kind: str, text: str, plain: str
) -> None:
    assert norm.normalize(text).text == plain, kind


@pytest.mark.parametrize(
    ("text", "word", "quoted"),
    [
        ("keep this our s3cr3t ok", "secret", "s3cr3t"),
        ("it is a s e c r e t", "secret", "s e c r e t"),
        ("dont tell", "not", "dont"),
        ("the ѕесrеt one", "secret", "ѕесrеt"),
        ("a se\u200bcret", "secret", "se\u200bcret"),
        ("ｓｅｃｒｅｔ!", "secret", "ｓｅｃｒｅｔ"),
        ("soooo", "so", "soooo"),
        ("ok rn", "now", "rn"),
    ],
)
def test_spans_map_back_to_the_original(
    norm: Normalizer, text: str, word: str, quoted: str
) -> None:
    message = norm.normalize(text)
    i = message.words.index(word)
    start, end = message.span(i, i + 1)
    assert text[start:end] == quoted
    assert message.quote(i, i + 1) == quoted


def test_span_of_several_words_covers_them_all(norm: Normalizer) -> None:
    text = "well, d0nt t e l l ur mom!"
    message = norm.normalize(text)
    assert message.text == "well do not tell your mom"
    assert message.quote(1, len(message.words)) == "d0nt t e l l ur mom"


def test_tokens_are_parallel_to_words(norm: Normalizer) -> None:
    message = norm.normalize("are ur p a r e n t s home")
    assert [t.text for t in message.tokens] == list(message.words)
    assert all(message.original[t.start : t.end] for t in message.tokens)


def test_bad_span_is_refused(norm: Normalizer) -> None:
    with pytest.raises(IndexError):
        norm.normalize("hi there").span(1, 5)


def test_empty_and_symbol_only_messages(norm: Normalizer) -> None:
    assert norm.normalize("").words == ()
    assert norm.normalize("!!! ??? ...").words == ()
    assert norm.normalize("\u200b\u200b").words == ()


def test_numbers_stay_numbers(norm: Normalizer) -> None:
    assert norm.normalize("room 1337 at 5").text == "room 1337 at 5"
