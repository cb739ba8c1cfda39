"""Conversation-level evaluation of the scorer against two baselines, with bootstrap intervals.

Input is the synthetic set's format (``datasets/chat/README.md``): one dict per conversation.
The scorer sees only what a platform would send (text, times, declared ages, verification,
account age, connection, known relationship); it never reads ``true_age``, ``risky``,
``signs``, ``lookalike``, ``earliest_alert`` or ``categories``. The messages of every
conversation in the split are merged in time order and fed to one scorer, so a sender's
fan-out across conversations is visible as it would be on a platform.

Definitions (``docs/grooming.md`` repeats them):

- A conversation is *flagged* when a pair of its two accounts (either direction) reaches the
  alert band (default ``nudge_child``: the first band that does something for the child). Its
  *detection message* is the index ``i`` of the message at which that first happened.
- Precision = flagged risky / flagged; recall = flagged risky / risky; false-positive rate =
  flagged benign / benign, overall and per relationship type.
- Messages to detection = detection message minus ``earliest_alert``, over detected risky
  conversations (negative when the alert came earlier than the reference). Median and p90 use
  linear interpolation between closest ranks (numpy's default).
- Bootstrap: resample conversations with replacement, recompute every figure, report the
  2.5th and 97.5th percentiles; seeded, so a seed gives the same intervals every run.

Baselines, run on the same messages:

- ``keywords``: a conversation is flagged at the first message containing any word of a flat
  keyword list (:data:`KEYWORDS`).
- ``sentinel-shape``: Roblox Sentinel's *scoring shape* (per-message contrastive score against
  the top-k most similar harmful and benign exemplars, aggregated per user by skewness over the
  user's recent messages, 0 for users with fewer than 10 messages) over TF-IDF vectors of
  character n-grams, **not** Sentinel's sentence-embedding model. Exemplars are the dev split's
  sign messages (harmful) and, as benign exemplars, either the dev look-alike messages
  (``sentinel-shape/lookalike``) or every dev message that is not a sign
  (``sentinel-shape/common``: Sentinel is built to contrast a rare class with the common one).
  Thresholds are tuned on dev: the lowest with a dev false-positive rate of at most 2%.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from childsafe.grooming.bands import Band
from childsafe.grooming.metadata import AccountFacts, PairFacts
from childsafe.grooming.scoring import ChatMessage, Scorer, ScorerConfig

Conversation = Mapping[str, Any]
Progress = Callable[[int, int], None]

#: The obvious words a keyword filter would start from (SAFETY.md: invented where needed).
_KEYWORD_LIST = (
    "secret secrets parents parent mom dad pic pics picture photo photos selfie snap meet "
    "gift gifts age old alone address phone number cam video delete private trust mature "
    "home app"
)
KEYWORDS: frozenset[str] = frozenset(_KEYWORD_LIST.split(" "))
MAX_FPR = 0.02
SPLITS = ("dev", "heldout", "all")


# -- feeding the dataset ---------------------------------------------------------------------


def select(conversations: Iterable[Conversation], split: str) -> list[Conversation]:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}")
    return [c for c in conversations if split == "all" or c.get("split") == split]


def _facts(account: Mapping[str, Any]) -> AccountFacts:
    # Only what a platform knows; ``true_age`` is ground truth and is never read.
    age = account.get("declared_age")
    days = account.get("account_age_days")
    return AccountFacts(
        declared_age=int(age) if age is not None else None,
        age_verified=bool(account.get("age_verified", False)),
        account_age_days=float(days) if days is not None else None,
    )


def message_id(conversation: Conversation, index: int) -> str:
    return f"{conversation['id']}#{index}"


def to_messages(conversations: Sequence[Conversation]) -> list[tuple[int, int, ChatMessage]]:
    """Every message as ``(conversation number, index, ChatMessage)``, merged in time order."""
    out: list[tuple[float, int, int, ChatMessage]] = []
    for number, conversation in enumerate(conversations):
        accounts = {a: _facts(f) for a, f in conversation["accounts"].items()}
        pair = PairFacts(
            connected=bool(conversation.get("connected", False)),
            known_relationship=conversation.get("known_relationship"),
            guardians_present=bool(conversation.get("guardians_present", False)),
        )
        for m in conversation["messages"]:
            msg = ChatMessage(
                id=message_id(conversation, int(m["i"])),
                time=float(m["t"]),
                sender=m["from"],
                recipient=m["to"],
                text=m["text"],
                sender_facts=accounts.get(m["from"], AccountFacts()),
                recipient_facts=accounts.get(m["to"], AccountFacts()),
                pair=pair,
            )
            out.append((msg.time, number, int(m["i"]), msg))
    out.sort(key=lambda x: (x[0], x[1], x[2]))
    return [(number, index, msg) for _, number, index, msg in out]


def _message_record(record: Mapping[str, Any], number: int) -> ChatMessage:
    try:
        return ChatMessage(
            id=str(record.get("id", f"line{number}")),
            time=float(record["t"]),
            sender=str(record["from"]),
            recipient=str(record["to"]),
            text=str(record["text"]),
            sender_facts=_facts(record.get("from_facts") or {}),
            recipient_facts=_facts(record.get("to_facts") or {}),
            pair=PairFacts(
                connected=bool(record.get("connected", False)),
                known_relationship=record.get("known_relationship"),
                guardians_present=bool(record.get("guardians_present", False)),
            ),
        )
    except KeyError as e:
        raise ValueError(f"record {number}: a message needs {e.args[0]!r}") from None
    except (TypeError, ValueError) as e:
        raise ValueError(f"record {number}: {e}") from None


def records_to_messages(records: Sequence[Mapping[str, Any]]) -> list[ChatMessage]:
    """Messages from JSONL records, in time order (stable for equal times).

    A record with ``messages`` is a conversation in the dataset's format (labels, if present,
    are ignored). Any other record is one message: ``id``, ``t``, ``from``, ``to``, ``text``,
    and optionally ``from_facts`` / ``to_facts`` (``declared_age``, ``age_verified``,
    ``account_age_days``), ``connected``, ``known_relationship``, ``guardians_present``.
    """
    out: list[ChatMessage] = []
    for number, record in enumerate(records, 1):
        if not isinstance(record, Mapping):
            raise ValueError(f"record {number}: expected a JSON object")
        if "messages" in record:
            conversation = {**record, "id": record.get("id", f"conversation{number}")}
            try:
                out.extend(m for _, _, m in to_messages([conversation]))
            except (KeyError, TypeError, ValueError, AttributeError) as e:
                raise ValueError(f"record {number}: not a valid conversation ({e!r})") from None
        else:
            out.append(_message_record(record, number))
    out.sort(key=lambda m: m.time)
    return out


# -- outcomes and metrics --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """One conversation's result under one method."""

    conversation: str
    relationship: str
    risky: bool
    detected_at: int | None
    earliest_alert: int | None

    @property
    def flagged(self) -> bool:
        return self.detected_at is not None

    @property
    def delay(self) -> int | None:
        if self.detected_at is None or self.earliest_alert is None or not self.risky:
            return None
        return self.detected_at - self.earliest_alert


def _outcomes(conversations: Sequence[Conversation], detected: Mapping[int, int]) -> list[Outcome]:
    return [
        Outcome(
            str(c["id"]),
            str(c.get("relationship", "unknown")),
            bool(c.get("risky", False)),
            detected.get(number),
            c.get("earliest_alert"),
        )
        for number, c in enumerate(conversations)
    ]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) by linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _ratio(a: int, b: int) -> float:
    return a / b if b else math.nan


@dataclass(frozen=True)
class Metrics:
    """Conversation-level figures for one method on one set of conversations."""

    risky: int
    benign: int
    true_positives: int
    false_positives: int
    precision: float
    recall: float
    fpr: float
    detected: int
    median_delay: float
    p90_delay: float
    within_3: float
    #: relationship -> (conversations, flagged, risky?) ; rate = flagged / conversations
    by_relationship: dict[tuple[str, bool], tuple[int, int]] = field(default_factory=dict)

    def scalars(self) -> dict[str, float]:
        out = {
            "precision": self.precision,
            "recall": self.recall,
            "fpr": self.fpr,
            "median_delay": self.median_delay,
            "p90_delay": self.p90_delay,
            "within_3": self.within_3,
        }
        for (relationship, risky), (n, flagged) in self.by_relationship.items():
            out[_rate_key(relationship, risky)] = _ratio(flagged, n)
        return out


def _rate_key(relationship: str, risky: bool) -> str:
    return f"{'recall' if risky else 'fpr'}:{relationship}"


def compute_metrics(outcomes: Sequence[Outcome]) -> Metrics:
    risky = [o for o in outcomes if o.risky]
    benign = [o for o in outcomes if not o.risky]
    tp = sum(o.flagged for o in risky)
    fp = sum(o.flagged for o in benign)
    delays = [float(d) for o in risky if (d := o.delay) is not None]
    groups: dict[tuple[str, bool], list[int]] = {}
    for o in outcomes:
        g = groups.setdefault((o.relationship, o.risky), [0, 0])
        g[0] += 1
        g[1] += o.flagged
    return Metrics(
        risky=len(risky),
        benign=len(benign),
        true_positives=tp,
        false_positives=fp,
        precision=_ratio(tp, tp + fp),
        recall=_ratio(tp, len(risky)),
        fpr=_ratio(fp, len(benign)),
        detected=len(delays),
        median_delay=percentile(delays, 50),
        p90_delay=percentile(delays, 90),
        within_3=_ratio(sum(d <= 3 for d in delays), len(delays)),
        by_relationship={k: (v[0], v[1]) for k, v in sorted(groups.items())},
    )


def bootstrap(
    outcomes: Sequence[Outcome], n: int, seed: int, level: float = 0.95
) -> dict[str, tuple[float, float]]:
    """Percentile intervals of every scalar metric over ``n`` resamples of the conversations.

    A resample in which a figure is undefined (no flagged conversation for precision, no
    detected one for delays) is left out of that figure's interval.
    """
    if n <= 0 or not outcomes:
        return {}
    rng = random.Random(seed)
    samples: dict[str, list[float]] = {}
    keys = list(compute_metrics(outcomes).scalars())
    for _ in range(n):
        resample = [outcomes[rng.randrange(len(outcomes))] for _ in outcomes]
        values = compute_metrics(resample).scalars()
        for key in keys:
            value = values.get(key, math.nan)
            if not math.isnan(value):
                samples.setdefault(key, []).append(value)
    tail = (1.0 - level) / 2 * 100
    return {
        key: (percentile(vals, tail), percentile(vals, 100 - tail)) for key, vals in samples.items()
    }


# -- the methods -----------------------------------------------------------------------------


def run_scorer(
    conversations: Sequence[Conversation],
    config: ScorerConfig | None = None,
    *,
    alert: Band = Band.NUDGE_CHILD,
    scorer: Scorer | None = None,
    progress: Progress | None = None,
) -> tuple[list[Outcome], Scorer]:
    """Feed every message to one scorer; a conversation is detected when a pair of its two
    accounts first reaches ``alert``."""
    scorer = scorer or Scorer(config)
    detected: dict[int, int] = {}
    messages = to_messages(conversations)
    total = len(messages)
    for done, (number, index, msg) in enumerate(messages, 1):
        outcome = scorer.process(msg)
        # The pairs a message touches are pairs of its conversation's two accounts.
        if number not in detected and any(u.band.at_least(alert) for u in outcome.pairs):
            detected[number] = index
        if progress is not None and (done % 500 == 0 or done == total):
            progress(done, total)
    return _outcomes(conversations, detected), scorer


_WORD = re.compile(r"[a-z0-9']+")


def run_keywords(
    conversations: Sequence[Conversation], keywords: frozenset[str] = KEYWORDS
) -> list[Outcome]:
    """Flag a conversation at its first message containing any keyword (plain lowercase words,
    no normalisation: what a simple filter does)."""
    detected: dict[int, int] = {}
    for number, c in enumerate(conversations):
        for m in c["messages"]:
            words = {w.replace("'", "") for w in _WORD.findall(m["text"].lower())}
            if words & keywords:
                detected[number] = int(m["i"])
                break
    return _outcomes(conversations, detected)


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
    ) -> None:
        self.harmful = sorted(set(harmful))
        self.benign = sorted(set(benign))
        if not self.harmful or not self.benign:
            raise ValueError("Sentinel-shape scoring needs harmful and benign exemplars")
        self.top_k = top_k
        self.min_score = min_score
        self.min_messages = min_messages
        self.window = window
        self.vectorizer = CharTfidf([*self.harmful, *self.benign])
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
    return _outcomes(conversations, detected)


# -- one evaluation run ----------------------------------------------------------------------


@dataclass(frozen=True)
class MethodResult:
    name: str
    description: str
    metrics: Metrics
    intervals: dict[str, tuple[float, float]]
    outcomes: list[Outcome]
    threshold: float | None = None


@dataclass(frozen=True)
class EvaluationReport:
    split: str
    conversations: int
    messages: int
    alert: Band
    bootstrap: int
    seed: int
    methods: list[MethodResult]
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "split": self.split,
            "conversations": self.conversations,
            "messages": self.messages,
            "alert_band": self.alert.value,
            "bootstrap": self.bootstrap,
            "seed": self.seed,
            "methods": [
                {
                    "name": m.name,
                    "description": m.description,
                    "threshold": m.threshold,
                    "risky": m.metrics.risky,
                    "benign": m.metrics.benign,
                    "true_positives": m.metrics.true_positives,
                    "false_positives": m.metrics.false_positives,
                    "detected": m.metrics.detected,
                    "metrics": {k: _num(v) for k, v in m.metrics.scalars().items()},
                    "intervals": {k: [_num(lo), _num(hi)] for k, (lo, hi) in m.intervals.items()},
                    "by_relationship": [
                        {
                            "relationship": rel,
                            "risky": risky,
                            "conversations": n,
                            "flagged": flagged,
                        }
                        for (rel, risky), (n, flagged) in m.metrics.by_relationship.items()
                    ],
                }
                for m in self.methods
            ],
            "notes": self.notes,
        }


def _num(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)


def evaluate(
    conversations: Sequence[Conversation],
    *,
    split: str = "heldout",
    config: ScorerConfig | None = None,
    alert: Band = Band.NUDGE_CHILD,
    bootstrap_n: int = 1000,
    seed: int = 0,
    progress: Progress | None = None,
) -> EvaluationReport:
    """Score ``split`` with childsafe and both baselines; intervals by bootstrap."""
    chosen = select(conversations, split)
    notes: list[str] = []
    methods: list[MethodResult] = []

    outcomes, _ = run_scorer(chosen, config, alert=alert, progress=progress)
    methods.append(
        MethodResult(
            "childsafe",
            f"lexical signs + pair state + metadata; alert at band {alert.value} or above",
            compute_metrics(outcomes),
            bootstrap(outcomes, bootstrap_n, seed),
            outcomes,
        )
    )
    keyword_outcomes = run_keywords(chosen)
    methods.append(
        MethodResult(
            "keywords",
            f"any of {len(KEYWORDS)} plain keywords (secret, parents, pic, meet, ...) alerts",
            compute_metrics(keyword_outcomes),
            bootstrap(keyword_outcomes, bootstrap_n, seed),
            keyword_outcomes,
        )
    )
    dev = select(conversations, "dev")
    for negatives, label in (("lookalike", "look-alikes"), ("common", "all non-sign messages")):
        name = f"sentinel-shape/{negatives}"
        harmful, benign = sentinel_exemplars(conversations, negatives)
        if not (harmful and benign and dev):
            notes.append(
                f"{name} skipped: it needs a dev split with sign and look-alike labels for "
                "its exemplars"
            )
            continue
        model = SentinelShape(harmful, benign)
        # Tune on dev, scoring dev against exemplars other than the message itself.
        threshold = tune_threshold(dev, sentinel_running_scores(model, dev, exclude_exact=True))
        sentinel_outcomes = run_sentinel(chosen, model, threshold, exclude_exact=split != "heldout")
        methods.append(
            MethodResult(
                name,
                f"{SentinelShape.description}; benign exemplars: dev {label}",
                compute_metrics(sentinel_outcomes),
                bootstrap(sentinel_outcomes, bootstrap_n, seed),
                sentinel_outcomes,
                threshold,
            )
        )
        notes.append(
            f"{name}: {len(model.harmful)} harmful and {len(model.benign)} benign unique dev "
            f"exemplars ({label}); threshold {threshold:.4f}, the lowest with dev FPR <= "
            f"{MAX_FPR:.0%}"
        )
    if split != "heldout":
        notes.append(
            f"split {split!r} includes conversations the defaults were tuned on: report "
            "held-out figures"
        )
    return EvaluationReport(
        split=split,
        conversations=len(chosen),
        messages=sum(len(c["messages"]) for c in chosen),
        alert=alert,
        bootstrap=bootstrap_n,
        seed=seed,
        methods=methods,
        notes=notes,
    )
