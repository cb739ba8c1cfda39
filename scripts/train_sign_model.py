"""Train the sign model (``childsafe.grooming.signmodel``) from labelled conversations.

Examples are the messages adults (by ``true_age``) wrote to children (by ``true_age``) in the
chat dataset format (``datasets/chat/README.md``): a message is a positive of each category in
its ``signs``, and a negative of every other category; family and other look-alikes are
negatives of everything. Only ``split: dev`` conversations are read unless ``--all-splits`` is
given, so the held-out splits stay unseen. Features are a message's distinct normalised words
and adjacent word pairs seen in at least two messages (binary, L2 normalised); each category is
a logistic regression with balanced class weights. Weights under ``PRUNE`` are dropped.

    python scripts/train_sign_model.py                  # rewrites the shipped model
    python scripts/train_sign_model.py --data mine.jsonl --out signs.json
    python scripts/train_sign_model.py --leave-out famk --out without-k.json

``--leave-out PREFIX`` drops the conversations whose id starts with PREFIX (one writer), for
measuring the model on a writer it was not trained on. Needs scikit-learn (test extra).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from chat_training import DEFAULT_DATA, ROOT, arguments, binary_words, load, provenance, save
from sklearn.linear_model import LogisticRegression

from childsafe.grooming import Category, LexicalDetector
from childsafe.grooming.signmodel import CATEGORIES, MIN_WORDS, SHIPPED_FILE, SignModel

#: The register's data, the teen-peer sets and the trusted-adult sets.
SIGN_DATA = (
    *DEFAULT_DATA,
    "peers-v1.jsonl",
    "peers-v2.jsonl",
    "peers-v3.jsonl",
    "mentors-v1.jsonl",
    "mentors-v2.jsonl",
)
DEFAULT_OUT = ROOT / "src" / "childsafe" / "grooming" / SHIPPED_FILE
#: Chosen by leaving one dev writer out at a time (docs/grooming.md, the sign model).
C = 30.0
MIN_DF = 2
THRESHOLD = 0.8
STRENGTH = 0.5
PRUNE = 0.05
INCLUDE_PEERS = True
#: A category needs this many positive messages to be learned at all.
MIN_POSITIVES = 3
#: Not learned: an age lie is a claim the rules read with its number and check against the
#: declared age; a learned guess has no number, and between two declared teenagers it would
#: mark an ordinary "im in year 8" as an adult playing their age down.
NOT_LEARNED = frozenset({Category.AGE_DECEPTION})
#: Read from conversations between two children too (teenagers' own look-alikes are what the
#: model meets between declared minors), as negatives.
PEERS = frozenset({"teen_peers"})


def examples(
    conversations: Iterable[dict[str, Any]], leave_out: Sequence[str] = ()
) -> tuple[list[str], list[set[str]]]:
    """Per adult-to-child message of at least ``MIN_WORDS`` words: its normalised words
    joined by spaces, and its signs."""
    normalizer = LexicalDetector().normalizer
    texts: list[str] = []
    labels: list[set[str]] = []
    for c in conversations:
        if leave_out and c["id"].startswith(tuple(leave_out)):
            continue
        ages = {a: f["true_age"] for a, f in c["accounts"].items()}
        peers = c["relationship"] in PEERS and not c["risky"] and INCLUDE_PEERS
        for m in c["messages"]:
            if ages[m["from"]] >= 18 > ages[m["to"]] or peers:
                words = normalizer.normalize(m["text"]).words
                if len(words) >= MIN_WORDS:
                    texts.append(" ".join(words))
                    labels.append(set(m["signs"]))
    return texts, labels


def train(texts: list[str], labels: list[set[str]], about: dict[str, Any]) -> SignModel:
    vectorizer = binary_words(MIN_DF, (1, 2))
    features = vectorizer.fit_transform(texts)
    vocabulary = [str(f) for f in vectorizer.get_feature_names_out()]
    per_feature: dict[str, list[tuple[int, float]]] = {}
    bias = [-20.0] * len(CATEGORIES)  # a category with too few examples never fires
    for index, category in enumerate(CATEGORIES):
        y = np.array([category.value in signs for signs in labels], dtype=int)
        if category in NOT_LEARNED or y.sum() < MIN_POSITIVES:
            continue
        model = LogisticRegression(C=C, class_weight="balanced", max_iter=10_000)
        model.fit(features, y)
        bias[index] = round(float(model.intercept_[0]), 5)
        for feature, weight in zip(vocabulary, model.coef_[0], strict=True):
            if abs(weight) >= PRUNE:
                per_feature.setdefault(feature, []).append((index, round(float(weight), 3)))
    weights = {f: tuple(pairs) for f, pairs in per_feature.items()}
    return SignModel(weights, tuple(bias), about, THRESHOLD, STRENGTH)


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments(__doc__, SIGN_DATA, DEFAULT_OUT, "model", argv)
    texts, labels = examples(load(args.data, args.all_splits), args.leave_out)
    positives = sum(bool(signs) for signs in labels)
    if not positives or positives == len(labels):
        raise SystemExit("need messages with signs and messages without to train on")
    about = {
        **provenance(args),
        "messages": {"with_signs": positives, "without": len(labels) - positives},
        "C": C,
        "min_df": MIN_DF,
        "prune": PRUNE,
    }
    model = train(texts, labels, about)
    save(
        args.out,
        model.to_dict(),
        f"{len(labels)} messages ({positives} with signs), {len(model.weights)} features",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
