"""The warning-sign rules: phrase patterns per category, with strengths and vetoes.

Patterns are written against *normalised* text (see ``normalize``): "don't"/"dont" arrive as
"do not", "ur" as "your", "u" as "you", "r" as "are", "im" as "i am", "lets" as "let us",
"wanna" as "want to", "its" as "it is". Pattern syntax is described in ``patterns``.

Why vetoes (``unless``): the same surface words are innocent in other contexts, and some of
those contexts are visible in the message itself. "Don't tell anyone the surprise quiz answers"
is not a secrecy request; "send me a pic of the permission slip" is not a photo request. A veto
is a pattern that, when it matches anywhere in the message, suppresses the rule. Contexts that
are *not* visible in the message ("how old are you" between two 13-year-olds) are left to the
conversation scorer, which knows who is talking to whom.

Strength is how much one hit of the rule, on its own, says about its category (0..1): a plain
age claim is weak evidence, "mature for your age" strong.
"""

from __future__ import annotations

from dataclasses import dataclass

from childsafe.grooming.categories import Category


@dataclass(frozen=True, slots=True)
class Rule:
    """One named rule: any of ``patterns`` fires it unless one of ``unless`` matches too."""

    id: str
    category: Category
    strength: float
    patterns: tuple[str, ...]
    unless: tuple[str, ...] = ()
    claims_age: bool = False


def rule(
    category: Category,
    name: str,
    strength: float,
    *patterns: str,
    unless: tuple[str, ...] = (),
    claims_age: bool = False,
) -> Rule:
    """A rule whose id is ``category.name``."""
    return Rule(f"{category.value}.{name}", category, strength, patterns, unless, claims_age)


# Vetoes shared by several rules.
#: Secrets that are surprises, quizzes or presents for the family.
SURPRISE = ("@SURPRISE", "gift|present|card *3 for @PARENT|@SIBLING|teacher|coach")
#: A picture *of a thing* (the permission slip, your worksheet), not of the child.
THING_PHOTO = (
    "@PHOTO of the|a|this|that|my|our|his|her|their|these|those",
    "@PHOTO of your|ur *1 @THING",
    "@PHOTO of *1 @THING",
)
#: Video calls with the family, the class or the team, or about work.
FAMILY_CALL = (
    "with @PARENT|@SIBLING|class|team|everyone|group",
    # Calling a family member together: "let's video call grandpa on his birthday".
    "@CAM call|chat @PARENT|@SIBLING",
    "the team|class|group call",
    "@CAM call|calls|chat|lesson|session *3 project|budget|meeting|homework|assignment|lesson|"
    "session|work|team|class",
)
#: "5 minutes", "20 gems": a number that is not an age.
AGE_UNIT = ("@AGE @UNIT",)


def combine(*tables: tuple[Rule, ...]) -> tuple[Rule, ...]:
    """Rule tables joined, refusing duplicate rule ids (they are stored and must be unique)."""
    out = tuple(r for table in tables for r in table)
    ids = [r.id for r in out]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"duplicate rule ids: {dupes}")
    return out
