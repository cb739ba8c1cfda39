"""The Sentinel-shape baseline: Roblox Sentinel's scoring shape over lexical vectors.

Sentinel's *scoring shape* (per-message contrastive score against the top-k most similar
harmful and benign exemplars, aggregated per user by skewness over the user's recent messages,
0 for users with fewer than 10 messages) over TF-IDF vectors of character n-grams, **not**
Sentinel's sentence-embedding model. Exemplars are the dev split's sign messages (harmful) and,
as benign exemplars, either the dev look-alike messages (``sentinel-shape/lookalike``) or every
dev message that is not a sign (``sentinel-shape/common``: Sentinel is built to contrast a rare
class with the common one). Thresholds are tuned on dev: the lowest with a dev false-positive
rate of at most 2%. It is here to compare the scorer with a published design on the same
messages, not to reproduce Sentinel's own figures.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np

from childsafe.grooming.evaluate_data import Conversation, to_messages
from childsafe.grooming.evaluate_metrics import Outcome, to_outcomes

MAX_FPR = 0.02


def _char_grams(text: str, low: int, high: int) -> Counter[str]:
    """Character n-grams within words padded by spaces (scikit-learn's ``char_wb``)."""
    grams: Counter[str] = Counter()
    for word in text.lower().split():
        padded = f" {word} "
        for n in range(low, high + 1):
            if len(padded) < n:
                grams[padded] += 1
                break
            for i in range(len(padded) - n + 1):
                grams[padded[i : i + n]] += 1
    return grams


class CharTfidf:
    """TF-IDF over character n-grams (sublinear tf, smoothed idf, L2-normalised rows), fitted
    on a small corpus; features unseen in the corpus are ignored, as in scikit-learn."""

    def __init__(self, corpus: Sequence[str], ngrams: tuple[int, int] = (3, 5)) -> None:
        self.ngrams = ngrams
        df: Counter[str] = Counter()
        for text in corpus:
            df.update(set(_char_grams(text, *ngrams)))
        self.vocabulary = {g: i for i, g in enumerate(sorted(df))}
        n = len(corpus)
        self.idf = np.array(
            [math.log((1 + n) / (1 + df[g])) + 1.0 for g in sorted(df)], dtype=np.float64
        )

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(self.vocabulary)), dtype=np.float32)
        for row, text in enumerate(texts):
            for gram, tf in _char_grams(text, *self.ngrams).items():
                col = self.vocabulary.get(gram)
                if col is not None:
                    out[row, col] = (1.0 + math.log(tf)) * self.idf[col]
            norm = float(np.linalg.norm(out[row]))
            if norm > 0:
                out[row] /= norm
        return out


class Vectorizer(Protocol):
    """Texts to L2-normalised rows (``CharTfidf``, or a sentence-embedding model)."""

    def transform(self, texts: Sequence[str]) -> np.ndarray: ...


class SentinelShape:
    """Sentinel's scoring shape over lexical vectors (see the module docstring).

    Per message: ``log(mean(exp(top-k similarities to harmful exemplars)) /
    mean(exp(top-k similarities to benign exemplars)))``, clipped to 0 when the ratio is at
    most 1 and zeroed below ``min_score``. Per user: the skewness ``(mean - median) / std`` of
    the scores of their last ``window`` messages, 0 with fewer than ``min_messages``.
    """

    description = (
        "Sentinel's scoring shape (top-k contrastive score per message, skewness per user, "
        "0 under 10 messages) over character n-gram TF-IDF vectors, not its embedding model"
    )

    def __init__(
        self,
        harmful: Iterable[str],
        benign: Iterable[str],
        *,
        top_k: int = 5,
        min_score: float = 0.1,
        min_messages: int = 10,
        window: int = 100,
        vectorizer: Vectorizer | None = None,
    ) -> None:
        self.harmful = sorted(set(harmful))
        self.benign = sorted(set(benign))
        if not self.harmful or not self.benign:
            raise ValueError("Sentinel-shape scoring needs harmful and benign exemplars")
        self.top_k = top_k
        self.min_score = min_score
        self.min_messages = min_messages
        self.window = window
        # Character n-gram TF-IDF fitted on the exemplars unless another vectorizer is given
        # (``childsafe.grooming.semantic.evaluate`` passes Sentinel's own embedding model).
        self.vectorizer: Vectorizer = vectorizer or CharTfidf([*self.harmful, *self.benign])
        self._pos = self.vectorizer.transform(self.harmful)
        self._neg = self.vectorizer.transform(self.benign)

    def message_scores(self, texts: Sequence[str], *, exclude_exact: bool = False) -> np.ndarray:
        """Contrastive score of each text. ``exclude_exact`` ignores exemplars identical to the
        text (for scoring the exemplars' own split, as Sentinel's ``prevent_exact_match``)."""
        unique = sorted(set(texts))
        if not unique:
            return np.zeros(0)
        q = self.vectorizer.transform(unique)
        pos = q @ self._pos.T
        neg = q @ self._neg.T
        if exclude_exact:
            where = {t: i for i, t in enumerate(unique)}
            for j, t in enumerate(self.harmful):
                if t in where:
                    pos[where[t], j] = -np.inf
            for j, t in enumerate(self.benign):
                if t in where:
                    neg[where[t], j] = -np.inf
        scores = _contrastive(pos, neg, self.top_k)
        scores[scores < self.min_score] = 0.0
        by_text = dict(zip(unique, scores.tolist(), strict=True))
        return np.array([by_text[t] for t in texts])

    def user_score(self, scores: Sequence[float]) -> float:
        if len(scores) < self.min_messages:
            return 0.0
        values = np.asarray(scores, dtype=np.float64)
        std = float(values.std())
        if std == 0.0:
            return 0.0
        return float((values.mean() - np.median(values)) / std)


def _contrastive(pos: np.ndarray, neg: np.ndarray, k: int) -> np.ndarray:
    def term(sims: np.ndarray) -> np.ndarray:
        kk = min(k, sims.shape[1])
        top = -np.partition(-sims, kk - 1, axis=1)[:, :kk]
        with np.errstate(over="ignore"):
            means: np.ndarray = np.mean(np.exp(top), axis=1)
        return means

    ratio = term(pos) / term(neg)
    out = np.zeros(len(ratio))
    above = ratio > 1.0
    out[above] = np.log(ratio[above])
    return out


SENTINEL_NEGATIVES = ("lookalike", "common")


def sentinel_exemplars(
    conversations: Iterable[Conversation], negatives: str = "lookalike"
) -> tuple[list[str], list[str]]:
    """Harmful exemplars (the dev split's sign messages) and benign ones: the dev split's
    look-alike messages (``"lookalike"``), or every dev message that is not a sign
    (``"common"``: look-alikes and ordinary chat, the common class Sentinel is built for)."""
    if negatives not in SENTINEL_NEGATIVES:
        raise ValueError(f"negatives must be one of {', '.join(SENTINEL_NEGATIVES)}")
    harmful: list[str] = []
    benign: list[str] = []
    for c in conversations:
        if c.get("split") != "dev":
            continue
        for m in c["messages"]:
            if m.get("signs"):
                harmful.append(m["text"])
            elif negatives == "common" or m.get("lookalike"):
                benign.append(m["text"])
    return harmful, benign


def sentinel_running_scores(
    model: SentinelShape,
    conversations: Sequence[Conversation],
    *,
    exclude_exact: bool = False,
) -> list[tuple[int, int, float]]:
    """``(conversation number, message index, sender's running user score)`` in time order."""
    messages = to_messages(conversations)
    scores = model.message_scores([m.text for _, _, m in messages], exclude_exact=exclude_exact)
    history: dict[str, deque[float]] = {}
    out: list[tuple[int, int, float]] = []
    for (number, index, msg), score in zip(messages, scores.tolist(), strict=True):
        h = history.get(msg.sender)
        if h is None:
            h = history[msg.sender] = deque(maxlen=model.window)
        h.append(score)
        out.append((number, index, model.user_score(list(h))))
    return out


def tune_threshold(
    conversations: Sequence[Conversation],
    running: Sequence[tuple[int, int, float]],
    max_fpr: float = MAX_FPR,
) -> float:
    """The lowest threshold whose false-positive rate on these conversations is at most
    ``max_fpr`` (so recall is as high as that rate allows)."""
    peak: dict[int, float] = {}
    for number, _, score in running:
        peak[number] = max(peak.get(number, 0.0), score)
    benign = sorted(
        (peak.get(n, 0.0) for n, c in enumerate(conversations) if not c.get("risky")),
        reverse=True,
    )
    allowed = math.floor(max_fpr * len(benign))
    if allowed >= len(benign):
        return 0.0
    return math.nextafter(max(benign[allowed], 0.0), math.inf)


def run_sentinel(
    conversations: Sequence[Conversation],
    model: SentinelShape,
    threshold: float,
    *,
    exclude_exact: bool = False,
) -> list[Outcome]:
    detected: dict[int, int] = {}
    for number, index, score in sentinel_running_scores(
        model, conversations, exclude_exact=exclude_exact
    ):
        if number not in detected and score >= threshold:
            detected[number] = index
    return to_outcomes(conversations, detected)
