"""Assembling synthetic conversations from the phrase banks.

Everything is drawn from one ``random.Random(seed)`` in a fixed order, and nothing iterates over
a ``set`` of strings (whose order changes between processes), so a seed always gives the same
bytes. The recipe (counts per relationship, speeds, rates of evasive spelling and age lies) is in
:data:`RECIPE`; the dataset README explains it in prose.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from childsafe.grooming.synth import benign, chitchat, risky, vocab
from childsafe.grooming.synth.obfuscate import STYLES_DEV, STYLES_HELDOUT, render

Conversation = dict[str, Any]

#: How many conversations of each kind: (relationship, risky, count).
RECIPE: tuple[tuple[str, bool, int], ...] = (
    ("stranger_adult_minor", True, 150),
    ("gaming_clan", True, 28),
    ("coach", True, 8),
    ("tutor", True, 8),
    ("teacher", False, 45),
    ("coach", False, 45),
    ("tutor", False, 35),
    ("relative", False, 45),
    ("parent", False, 40),
    ("teen_peers", False, 70),
    ("adult_adult", False, 40),
    ("gaming_clan", False, 45),
)
#: Adults who contact several children with the same opener: (groups, children per group).
FAN_OUT = (10, (3, 5))
HELDOUT_SHARE = 0.4
EVASION_RISKY = 0.35
EVASION_BENIGN = 0.15
AGE_LIE_RATE = 0.35
#: Signs that alone make a reasonable moderator alert when an adult sends them to a child.
SEVERE = frozenset({"secrecy", "isolation", "meeting_request", "photo_request"})
_STAGE = {
    "age_probing": 0, "flattery": 1, "exclusivity": 2, "gifts": 2, "platform_move": 3,
    "supervision_check": 3, "secrecy": 4, "isolation": 4, "photo_request": 5,
    "meeting_request": 6, "pressure": 6,
}  # fmt: skip
_SLOT = re.compile(r"<(\w+)>")
_DAY = 86_400


def pool(items: Sequence[Any], split: str) -> list[Any]:
    """The entries a split may use: held-out gets all, dev all but every third."""
    return list(items) if split == "heldout" else [x for i, x in enumerate(items) if i % 3 != 2]


@dataclass
class _Chat:
    """One conversation being written: two accounts, a clock and the messages so far."""

    rng: random.Random
    split: str
    a: str  # the adult, or the first party
    b: str  # the child, or the second party
    t: int
    pace: tuple[int, int]
    slots: dict[str, str]
    messages: list[dict[str, Any]] = field(default_factory=list)

    def say(
        self,
        sender: str,
        template: str,
        signs: Sequence[str] = (),
        lookalike: Sequence[str] = (),
        evasion: float = 0.0,
    ) -> None:
        text = _SLOT.sub(lambda m: self.slots.get(m.group(1), m.group(0)), template)
        styles = STYLES_HELDOUT if self.split == "heldout" else STYLES_DEV
        style = self.rng.choice(styles) if self.rng.random() < evasion else None
        if self.messages:
            self.t += self.rng.randint(*self.pace)
        self.messages.append(
            {
                "i": len(self.messages),
                "t": self.t,
                "from": sender,
                "to": self.b if sender == self.a else self.a,
                "text": render(text, self.rng, style),
                "signs": sorted(signs),
                "lookalike": sorted(lookalike),
            }
        )

    def break_(self) -> None:
        """A pause between chat sessions: hours or a day or two."""
        self.t += self.rng.choice((3, 5, 9, 20, 30, 50)) * 3600

    def chitchat(self, exchanges: int) -> None:
        rng = self.rng
        for _ in range(exchanges):
            asker = rng.choice((self.a, self.b))
            other = self.b if asker == self.a else self.a
            self.say(asker, rng.choice(chitchat.ASKS))
            self.say(other, rng.choice(chitchat.TELLS), evasion=0.03)
            if rng.random() < 0.3:
                self.say(asker, rng.choice(chitchat.TELLS))


def _account(rng: random.Random, age: int, *, declared: int | None = None) -> dict[str, Any]:
    return {
        "declared_age": age if declared is None else declared,
        "age_verified": False,
        "account_age_days": rng.choice((rng.randint(1, 60), rng.randint(61, 2000))),
        "true_age": age,
    }


def _slots(rng: random.Random, split: str, child_age: int) -> dict[str, str]:
    apps = vocab.APPS_DEV + (vocab.APPS_HELDOUT if split == "heldout" else [])
    currencies = vocab.CURRENCY_DEV + (vocab.CURRENCY_HELDOUT if split == "heldout" else [])
    return {
        "name": vocab.person_name(rng),
        "game": rng.choice(vocab.GAMES),
        "app": rng.choice(apps),
        "currency": rng.choice(currencies),
        "n": rng.choice(vocab.AMOUNTS),
        "place": rng.choice(vocab.PLACES),
        "day": rng.choice(vocab.DAYS),
        "phone": vocab.phone(rng),
        "handle": vocab.handle(rng),
        "age": str(child_age),
    }


def _plan(rng: random.Random, speed: str) -> list[str]:
    """Which signs the adult shows, in which order: loosely staged or fully shuffled."""
    k = {"fast": rng.randint(3, 4), "medium": rng.randint(4, 6), "slow": rng.randint(5, 8)}[speed]
    signs = rng.sample(sorted(_STAGE), k)
    if rng.random() < 0.5:
        signs.sort(key=lambda s: _STAGE[s] + rng.uniform(-1.5, 1.5))
    else:
        rng.shuffle(signs)
    return signs


def risky_conversation(
    rng: random.Random,
    split: str,
    relationship: str,
    *,
    adult: str | None = None,
    adult_account: dict[str, Any] | None = None,
    opener: str | None = None,
    start: int | None = None,
) -> Conversation:
    """An adult showing several warning signs to a child, at one of three speeds."""
    speed = rng.choice(("fast", "medium", "slow"))
    child_age = rng.randint(10, 15)
    adult = adult or vocab.account_id(rng)
    lying = adult_account is not None and adult_account["declared_age"] < 18
    if adult_account is None:
        true_age = rng.randint(21, 58)
        lying = rng.random() < AGE_LIE_RATE
        fake = rng.randint(14, 17)
        declared = fake if lying and rng.random() < 0.6 else true_age
        adult_account = _account(rng, true_age, declared=declared)
        adult_account["age_verified"] = not lying and rng.random() < 0.25
    child = vocab.account_id(rng)
    slots = _slots(rng, split, child_age)
    true_age = adult_account["true_age"]
    slots["true_age"] = str(true_age)
    declared_adult = adult_account["declared_age"]
    slots["fake_age"] = str(declared_adult if declared_adult < 18 else rng.randint(14, 17))
    pace = {"fast": (5, 60), "medium": (10, 240), "slow": (10, 600)}[speed]
    t0 = start if start is not None else rng.randint(0, 60 * _DAY)
    chat = _Chat(rng, split, adult, child, t0, pace, slots)
    chat.say(adult, opener or rng.choice(risky.OPENERS))
    chat.say(child, rng.choice([*chitchat.GREETINGS, "thanks", "lol yeah", "who is this?"]))
    plan = _plan(rng, speed)
    if lying:
        spot = plan.index("age_probing") + 1 if "age_probing" in plan else rng.randint(0, 1)
        plan.insert(spot, "age_deception")
    gaps = {"fast": (0, 0), "medium": (1, 3), "slow": (3, 7)}[speed]
    topical = benign.TOPICAL.get(relationship, [])
    i = 0
    while i < len(plan):
        sign = plan[i]
        if i and gaps[1]:
            if speed == "slow" and rng.random() < 0.4:
                chat.break_()
            chat.chitchat(rng.randint(*gaps))
            if topical and rng.random() < 0.4:
                chat.say(adult, rng.choice(topical))
        pair = plan[i : i + 2]
        combined = [
            text for cats, text in pool(risky.COMBINED, split) if sorted(cats) == sorted(pair)
        ]
        if len(pair) == 2 and combined and rng.random() < 0.5:
            chat.say(adult, rng.choice(combined), signs=pair, evasion=EVASION_RISKY)
            i += 2
            sign = pair[1]
        else:
            chat.say(adult, rng.choice(pool(risky.SIGNS[sign], split)), [sign], (), EVASION_RISKY)
            i += 1
        presses_next = i < len(plan) and plan[i] == "pressure"
        if presses_next or (sign in risky.REFUSABLE and rng.random() < 0.3):
            chat.say(child, rng.choice(risky.REFUSALS))
            if presses_next:
                chat.say(adult, rng.choice(pool(risky.SIGNS["pressure"], split)), ["pressure"],
                         (), EVASION_RISKY)  # fmt: skip
                i += 1
                chat.say(child, rng.choice(risky.REPLIES["pressure"]))
        elif speed != "fast" or rng.random() < 0.7:
            chat.say(child, rng.choice(risky.REPLIES[sign]))
    if rng.random() < 0.5:
        chat.say(child, rng.choice(chitchat.GOODBYES))
    if relationship in ("coach", "tutor"):
        known: str | None = "teacher" if rng.random() < 0.5 else None
    else:
        known = None
    return _finish(
        chat,
        relationship,
        risky_=True,
        accounts={adult: adult_account, child: _child_account(rng, child_age)},
        connected=relationship != "stranger_adult_minor" or rng.random() < 0.3,
        known=known,
    )


def _child_account(rng: random.Random, age: int) -> dict[str, Any]:
    # Children often declare an older age to get past a sign-up minimum of 13.
    declared = max(age, 13) if rng.random() < 0.5 else age
    return _account(rng, age, declared=declared)


def fan_out(rng: random.Random, split: str) -> list[Conversation]:
    """One adult, several children, the same opener (names and games swapped)."""
    adult = vocab.account_id(rng)
    true_age = rng.randint(24, 55)
    declared = rng.randint(15, 17) if rng.random() < 0.5 else true_age
    account = _account(rng, true_age, declared=declared)
    account["account_age_days"] = rng.randint(1, 20)
    opener = rng.choice(risky.OPENERS)
    start = rng.randint(0, 60 * _DAY)
    n = rng.randint(*FAN_OUT[1])
    return [
        risky_conversation(
            rng,
            split,
            "stranger_adult_minor",
            adult=adult,
            adult_account=account,
            opener=opener,
            start=start + rng.randint(0, 6 * 3600),
        )
        for _ in range(n)
    ]


_ADULT_MINOR = {
    "teacher": ((24, 62), "teacher", 0.7),
    "coach": ((22, 60), "teacher", 0.5),
    "tutor": ((19, 60), "teacher", 0.6),
    "relative": ((25, 78), "family", 0.8),
    "parent": ((28, 55), "family", 0.9),
}


def benign_conversation(rng: random.Random, split: str, relationship: str) -> Conversation:
    """An innocent conversation that uses the risky surface words in their innocent sense."""
    if relationship in _ADULT_MINOR:
        (lo, hi), kind, p_known = _ADULT_MINOR[relationship]
        ages = (rng.randint(lo, hi), rng.randint(9, 16))
        known: str | None = kind if rng.random() < p_known else None
    elif relationship == "teen_peers":
        first = rng.randint(12, 16)
        ages, known = (first, max(12, min(16, first + rng.randint(-1, 1)))), None
    elif relationship == "adult_adult":
        ages, known = (rng.randint(20, 65), rng.randint(20, 65)), None
    else:  # gaming_clan: adults and teens playing together
        ages, known = (
            (rng.randint(18, 45), rng.choice((rng.randint(13, 17), rng.randint(18, 40)))),
            None,
        )
    a, b = vocab.account_id(rng), vocab.account_id(rng)
    slots = _slots(rng, split, ages[1])
    long = rng.random() < 0.25
    pace = (10, 900) if long else (10, 300)
    chat = _Chat(rng, split, a, b, rng.randint(0, 60 * _DAY), pace, slots)
    chat.say(a, rng.choice(chitchat.GREETINGS))
    chat.say(b, rng.choice(chitchat.GREETINGS))
    lines = pool(benign.LOOKALIKES[relationship], split)
    picks = rng.sample(lines, min(len(lines), rng.randint(3, 7)))
    topical = benign.TOPICAL[relationship]
    for category, text in picks:
        if long and rng.random() < 0.4:
            chat.break_()
        chat.chitchat(rng.randint(3, 8) if long else rng.randint(0, 3))
        if rng.random() < 0.5:
            teller = a if relationship in _ADULT_MINOR else rng.choice((a, b))
            chat.say(teller, rng.choice(topical))
        speaker = a if relationship in _ADULT_MINOR or rng.random() < 0.6 else b
        chat.say(speaker, text, lookalike=[category], evasion=EVASION_BENIGN)
        reply = rng.choice(["ok", "sure", "lol ok", "thanks!", "will do", "haha", "ok got it"])
        chat.say(b if speaker == a else a, reply)
    if rng.random() < 0.6:
        chat.say(rng.choice((a, b)), rng.choice(chitchat.GOODBYES))
    accounts = {a: _account(rng, ages[0]), b: _account(rng, ages[1])}
    for account in accounts.values():
        account["age_verified"] = account["true_age"] >= 18 and rng.random() < 0.4
    if ages[1] < 13:
        accounts[b]["declared_age"] = 13
    connected = known is not None or rng.random() < 0.6
    return _finish(chat, relationship, risky_=False, accounts=accounts, connected=connected,
                   known=known)  # fmt: skip


def _finish(
    chat: _Chat,
    relationship: str,
    *,
    risky_: bool,
    accounts: dict[str, dict[str, Any]],
    connected: bool,
    known: str | None,
) -> Conversation:
    categories = sorted({s for m in chat.messages for s in m["signs"]})
    return {
        "id": "",
        "relationship": relationship,
        "risky": risky_,
        "split": chat.split,
        "accounts": accounts,
        "connected": connected,
        "known_relationship": known,
        "messages": chat.messages,
        "earliest_alert": earliest_alert(chat.messages, chat.a) if risky_ else None,
        "categories": categories,
    }


def earliest_alert(messages: Sequence[dict[str, Any]], adult: str) -> int | None:
    """The first message by which the adult has shown two different signs, or one severe one."""
    seen: set[str] = set()
    for message in messages:
        if message["from"] != adult or not message["signs"]:
            continue
        seen.update(message["signs"])
        if len(seen) >= 2 or seen & SEVERE:
            return int(message["i"])
    return None


def generate(seed: int) -> list[Conversation]:
    """The whole dataset for ``seed``: conversations in a shuffled order, numbered."""
    rng = random.Random(seed)
    out: list[Conversation] = []

    def split() -> str:
        return "heldout" if rng.random() < HELDOUT_SHARE else "dev"

    for relationship, is_risky, count in RECIPE:
        for _ in range(count):
            if is_risky:
                out.append(risky_conversation(rng, split(), relationship))
            else:
                out.append(benign_conversation(rng, split(), relationship))
    for _ in range(FAN_OUT[0]):
        out.extend(fan_out(rng, split()))
    rng.shuffle(out)
    for number, conversation in enumerate(out, 1):
        conversation["id"] = f"syn1-{number:04d}"
    return out
