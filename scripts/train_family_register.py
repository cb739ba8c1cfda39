"""Train the family register (``childsafe.grooming.register``) from labelled conversations.

Examples are the conversations of a parent or relative with a child (family) and of a risky
adult with a child (not family), in the chat dataset format (``datasets/chat/README.md``); any
other conversation is left out. Only ``split: dev`` conversations are read unless
``--all-splits`` is given, so the held-out splits stay unseen. A conversation's features are
the mean, over the adult's messages of 3 words or more, of each message's distinct normalised
words (binary, L2-normalised); the model is logistic regression with balanced class weights.

    python scripts/train_family_register.py                 # rewrites the shipped register
    python scripts/train_family_register.py --data mine.jsonl --out register.json
    python scripts/train_family_register.py --leave-out famk --out without-k.json

``--leave-out PREFIX`` drops the conversations whose id starts with PREFIX (one writer), for
measuring the register on a writer it was not trained on. Needs scikit-learn (test extra).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from chat_training import DEFAULT_DATA, ROOT, arguments, binary_words, load, provenance, save
from sklearn.linear_model import LogisticRegression

from childsafe.grooming import LexicalDetector
from childsafe.grooming.register import MIN_WORDS, SHIPPED_FILE, FamilyRegister

DEFAULT_OUT = ROOT / "src" / "childsafe" / "grooming" / SHIPPED_FILE
FAMILY = frozenset({"parent", "relative"})
#: Chosen by leaving one dev writer out at a time (docs/grooming.md, the family register).
C = 100.0
MIN_DF = 2


def examples(
    conversations: Iterable[dict[str, Any]], leave_out: Sequence[str] = ()
) -> tuple[list[list[str]], list[int], list[str]]:
    """Per usable conversation: the adult's messages as normalised texts, the label (1 for
    family), and the id."""
    normalizer = LexicalDetector().normalizer
    texts: list[list[str]] = []
    labels: list[int] = []
    ids: list[str] = []
    for c in conversations:
        if leave_out and c["id"].startswith(tuple(leave_out)):
            continue
        family = not c["risky"] and c["relationship"] in FAMILY
        if not (family or c["risky"]):
            continue
        ages = {a: f["true_age"] for a, f in c["accounts"].items()}
        mine = []
        for m in c["messages"]:
            if ages[m["from"]] >= 18 > ages[m["to"]]:
                words = normalizer.normalize(m["text"]).words
                if len(words) >= MIN_WORDS:
                    mine.append(" ".join(words))
        if mine:
            texts.append(mine)
            labels.append(int(family))
            ids.append(c["id"])
    return texts, labels, ids


def train(texts: list[list[str]], labels: list[int], about: dict[str, Any]) -> FamilyRegister:
    vectorizer = binary_words(MIN_DF)
    vectorizer.fit([t for conversation in texts for t in conversation])
    features = np.stack(
        [np.asarray(vectorizer.transform(conversation).mean(axis=0))[0] for conversation in texts]
    )
    model = LogisticRegression(C=C, class_weight="balanced", max_iter=10_000)
    model.fit(features, labels)
    vocabulary = vectorizer.get_feature_names_out()
    weights = {str(w): round(float(v), 6) for w, v in zip(vocabulary, model.coef_[0], strict=True)}
    return FamilyRegister(weights, round(float(model.intercept_[0]), 6), about)


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments(__doc__, DEFAULT_DATA, DEFAULT_OUT, "register", argv)
    texts, labels, ids = examples(load(args.data, args.all_splits), args.leave_out)
    if len(set(labels)) < 2:
        raise SystemExit("need both family and risky conversations to train on")
    about = {
        **provenance(args),
        "conversations": {"family": sum(labels), "risky": len(labels) - sum(labels)},
        "C": C,
        "min_df": MIN_DF,
    }
    register = train(texts, labels, about)
    save(
        args.out,
        register.to_dict(),
        f"{len(ids)} conversations ({sum(labels)} family), {len(register.weights)} words",
    )
    family, other = register.strongest(8)
    print(f"  family-like: {', '.join(family)}\n  not: {', '.join(other)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
