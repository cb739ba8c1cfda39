"""Message-level recall and false hits of the lexical detectors on the synthetic set.

Reported, and asserted only loosely: the targets that matter are conversation-level (recall,
false-positive rate on benign look-alikes, messages to detection) and belong to the scorer.
A message counts as found when the detector reports the category it was written to show;
a false hit is a category reported on a message of a benign conversation.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from childsafe.grooming import Category, LexicalDetector

DATASET = Path(__file__).resolve().parents[2] / "datasets" / "chat" / "synthetic-v1.jsonl"
#: Loose floors: a regression guard, not a target.
MIN_RECALL = {"dev": 0.85, "heldout": 0.6}
MAX_FALSE_HIT_RATE = 0.01


def measure(conversations: list[dict[str, Any]], split: str) -> dict[str, Any]:
    detector = LexicalDetector()
    positives: Counter[str] = Counter()
    found: Counter[str] = Counter()
    false_hits: Counter[str] = Counter()
    benign_messages = 0
    for conversation in conversations:
        if conversation["split"] != split:
            continue
        for message in conversation["messages"]:
            seen = {hit.category.value for hit in detector.detect(message["text"])}
            if conversation["risky"]:
                positives.update(message["signs"])
                found.update(s for s in message["signs"] if s in seen)
            else:
                benign_messages += 1
                false_hits.update(seen)
    return {
        "positives": positives,
        "found": found,
        "false_hits": false_hits,
        "benign_messages": benign_messages,
    }


@pytest.fixture(scope="module")
def conversations() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_message_level_recall_and_false_hits(
    conversations: list[dict[str, Any]], split: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = measure(conversations, split)
    rows = [f"lexical detectors, {split} split, message level:"]
    rows.append(f"  {'category':18} {'recall':>14}  {'false hits on benign':>22}")
    failures = []
    for category in Category:
        name = category.value
        pos, hit = result["positives"][name], result["found"][name]
        recall = hit / pos if pos else 1.0
        rate = result["false_hits"][name] / result["benign_messages"]
        rows.append(
            f"  {name:18} {hit:4}/{pos:<4} {recall:4.2f}  "
            f"{result['false_hits'][name]:5}/{result['benign_messages']} {rate:6.4f}"
        )
        if recall < MIN_RECALL[split]:
            failures.append(f"{name} recall {recall:.2f} < {MIN_RECALL[split]}")
        if rate > MAX_FALSE_HIT_RATE:
            failures.append(f"{name} false-hit rate {rate:.4f} > {MAX_FALSE_HIT_RATE}")
    with capsys.disabled():
        print("\n" + "\n".join(rows))
    assert not failures, failures
