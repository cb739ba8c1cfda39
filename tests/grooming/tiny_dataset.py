"""A seven-conversation dataset small enough to work out every figure by hand.

Risky (stranger, adult 40 to child 12), each with one secrecy request from the adult:
    r1  secret at message 2, earliest alert 2  -> detected at 2, delay 0
    r2  secret at message 4, earliest alert 2  -> detected at 4, delay 2
    r3  secret at message 7, earliest alert 2  -> detected at 7, delay 5
    r4  chit-chat only, earliest alert 1       -> missed
Benign:
    b1  teen peers; "wanna meet at the mall" (ordinary between teens; a keyword hit)
    b2  a teacher the platform knows; chit-chat
    b3  a coach whose messages include a secrecy request -> a false positive

childsafe: TP 3, FP 1 -> precision 3/4, recall 3/4, FPR 1/3 (coach 1/1, teacher 0/1,
teen_peers 0/1); delays [0, 2, 5] -> median 2, p90 2 + 0.8 * 3 = 4.4, within +3: 2/3.
keywords ("secret", "meet"): also flags b1 -> precision 3/5, FPR 2/3, same delays.
"""

from __future__ import annotations

from typing import Any

CHAT = ("what are you up to?", "nothing much", "that boss is impossible", "lol yeah")
SECRET = "keep this our little secret ok?"

EXPECTED = {
    "childsafe": {
        "precision": 0.75,
        "recall": 0.75,
        "fpr": 1 / 3,
        "median_delay": 2.0,
        "p90_delay": 4.4,
        "within_3": 2 / 3,
    },
    "keywords": {
        "precision": 0.6,
        "recall": 0.75,
        "fpr": 2 / 3,
        "median_delay": 2.0,
        "p90_delay": 4.4,
        "within_3": 2 / 3,
    },
}


def _account(age: int, days: int = 400) -> dict[str, Any]:
    return {"declared_age": age, "age_verified": False, "account_age_days": days, "true_age": age}


def _conversation(
    number: int,
    relationship: str,
    risky: bool,
    texts: list[str],
    *,
    ages: tuple[int, int] = (40, 12),
    known: str | None = None,
    earliest_alert: int | None = None,
    split: str = "heldout",
) -> dict[str, Any]:
    a, b = f"acct_t{number}a", f"acct_t{number}b"
    messages = []
    for i, text in enumerate(texts):
        sender, recipient = (a, b) if i % 2 == 0 or text == SECRET else (b, a)
        messages.append(
            {
                "i": i,
                "t": 1000 * number + 30 * i,
                "from": sender,
                "to": recipient,
                "text": text,
                "signs": ["secrecy"] if risky and text == SECRET else [],
                "lookalike": [],
            }
        )
    return {
        "id": f"tiny-{number}",
        "relationship": relationship,
        "risky": risky,
        "split": split,
        "accounts": {a: _account(ages[0]), b: _account(ages[1])},
        "connected": known is not None,
        "known_relationship": known,
        "messages": messages,
        "earliest_alert": earliest_alert,
        "categories": ["secrecy"] if risky else [],
    }


def _chat(n: int) -> list[str]:
    return [CHAT[i % len(CHAT)] for i in range(n)]


def tiny_dataset() -> list[dict[str, Any]]:
    return [
        _conversation(1, "stranger_adult_minor", True, [*_chat(2), SECRET, *_chat(2)],
                      earliest_alert=2),
        _conversation(2, "stranger_adult_minor", True, [*_chat(4), SECRET, *_chat(1)],
                      earliest_alert=2),
        _conversation(3, "stranger_adult_minor", True, [*_chat(7), SECRET], earliest_alert=2),
        _conversation(4, "stranger_adult_minor", True, _chat(6), earliest_alert=1),
        _conversation(5, "teen_peers", False,
                      [*_chat(2), "wanna meet at the mall at 3? jess is coming too", *_chat(2)],
                      ages=(13, 13)),
        _conversation(6, "teacher", False, _chat(6), ages=(38, 12), known="teacher"),
        _conversation(7, "coach", False, [CHAT[0], SECRET, *_chat(3)]),
    ]  # fmt: skip
