"""The embedding stage: warning signs written in words the lexical rules do not know.

:class:`EmbeddingStage` implements :class:`childsafe.grooming.scoring.SemanticStage`. For a
message from the adult side of a tracked pair (the scorer calls it only when
``Scorer.could_change_band`` holds) it embeds the normalised text with all-MiniLM-L6-v2 and
compares it, by cosine similarity, with each category's positive exemplars and with all
negative exemplars. Category ``c`` gets a hit when

    best similarity to c's positives >= threshold[c]
    and that similarity - best similarity to any negative >= margin

with a moderate strength (paraphrase evidence is weaker than a lexical rule): ``strength_min``
at the threshold, rising to ``strength_max`` ``strength_ramp`` above it. The hit spans the
whole message and names the nearest exemplar (``semantic:<exemplar id>``).

Thresholds were calibrated on the dev split of the synthetic set only (``calibrate``): each is
the lowest that no dev message without a warning sign clears, plus a safety gap, so the stage
adds no dev false positive; they do not depend on operator exemplars, which add paraphrases
(positives) or suppress look-alikes (negatives) without changing a threshold. The int8 model
moves similarities by about 0.01 on average, so it has its own table, calibrated the same way
(``default_thresholds``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from childsafe.grooming.categories import Category, Hit
from childsafe.grooming.normalize import Normalized, Normalizer
from childsafe.grooming.scoring_messages import ChatMessage
from childsafe.grooming.semantic.embedder import Embedder, normalize_key, shared_embedder
from childsafe.grooming.semantic.exemplars import (
    Exemplar,
    load_jsonl,
    shipped_exemplars,
    verdict_exemplar,
)

C = Category
#: Calibrated on the dev split (``python -m childsafe.grooming.semantic.calibrate``) for the
#: shipped exemplars: re-run it when they change.
DEFAULT_THRESHOLDS: Mapping[Category, float] = {
    C.AGE_PROBING: 0.721,
    C.FLATTERY: 0.516,
    C.EXCLUSIVITY: 0.5,
    C.SECRECY: 0.5,
    C.SUPERVISION_CHECK: 0.624,
    C.ISOLATION: 0.545,
    C.PLATFORM_MOVE: 0.5,
    C.GIFTS: 0.641,
    C.PHOTO_REQUEST: 0.603,
    C.MEETING_REQUEST: 0.589,
    C.PRESSURE: 0.5,
    C.AGE_DECEPTION: 0.601,
}
#: The same calibration for the int8 model (``--precision int8``).
INT8_THRESHOLDS: Mapping[Category, float] = {
    C.AGE_PROBING: 0.738,
    C.FLATTERY: 0.513,
    C.EXCLUSIVITY: 0.5,
    C.SECRECY: 0.5,
    C.SUPERVISION_CHECK: 0.613,
    C.ISOLATION: 0.547,
    C.PLATFORM_MOVE: 0.5,
    C.GIFTS: 0.638,
    C.PHOTO_REQUEST: 0.638,
    C.MEETING_REQUEST: 0.551,
    C.PRESSURE: 0.5,
    C.AGE_DECEPTION: 0.602,
}


def default_thresholds(precision: str = "fp32") -> dict[Category, float]:
    """The calibrated thresholds for vectors of the model at ``precision``."""
    table = INT8_THRESHOLDS if precision == "int8" else DEFAULT_THRESHOLDS
    return dict(table)


@dataclass(frozen=True)
class SemanticConfig:
    """Tuning of the embedding stage (kept apart from ``ScorerConfig``)."""

    thresholds: Mapping[Category, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    margin: float = 0.05
    strength_min: float = 0.4
    strength_max: float = 0.6
    strength_ramp: float = 0.15
    #: Messages of fewer normalised words are not embedded ("ok", "lol", "u there").
    min_words: int = 3
    #: Skip messages in which the lexical stage already found a sign: they move the pair
    #: anyway, and a second, paraphrased sign in the same message is rare; this halves the
    #: model calls (docs/grooming-semantic.md).
    skip_if_lexical: bool = True

    def __post_init__(self) -> None:
        missing = [c.value for c in Category if c not in self.thresholds]
        if missing:
            raise ValueError(f"thresholds lack categories: {missing}")
        if not 0.0 < self.strength_min <= self.strength_max <= 1.0:
            raise ValueError("need 0 < strength_min <= strength_max <= 1")


@dataclass
class StageStats:
    calls: int = 0
    embedded: int = 0
    skipped_short: int = 0
    skipped_lexical: int = 0
    hits: int = 0


@dataclass(frozen=True)
class Similarities:
    """Per text: best similarity to each category's positives, the nearest exemplar's id per
    category, and the best similarity to any negative."""

    positive: np.ndarray  # (texts, categories); -1 where a category has no positive
    nearest: list[list[str | None]]
    negative: np.ndarray  # (texts,)


_CATEGORIES = tuple(Category)


class EmbeddingStage:
    """Sentence-embedding warning-sign detector (see the module docstring).

    ``embedder`` defaults to the process's shared all-MiniLM-L6-v2 (``shared_embedder``);
    without a ``config`` the thresholds are those calibrated for the embedder's ``precision``;
    ``exemplars`` default to the shipped ones; operators add theirs with :meth:`add_exemplars`
    (or :meth:`load_jsonl` / :meth:`load_sentinel_index`) and reviewers' verdicts with
    :meth:`add_verdict`. Not thread-safe, like the scorer: one per worker.
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        exemplars: Iterable[Exemplar] | None = None,
        config: SemanticConfig | None = None,
        normalizer: Normalizer | None = None,
    ) -> None:
        self.embedder: Embedder = embedder or shared_embedder()
        precision = str(getattr(self.embedder, "precision", "fp32"))
        self.config = config or SemanticConfig(thresholds=default_thresholds(precision))
        if normalizer is None:
            from childsafe.grooming.detectors import LexicalDetector

            normalizer = LexicalDetector().normalizer
        self.normalizer = normalizer
        self.stats = StageStats()
        self._exemplars: list[Exemplar] = []
        self._operator_positives = False
        self._vectors: dict[str, np.ndarray] = {}
        self._keys: dict[str, str] = {}
        self._dirty = True
        self._pos = np.zeros((0, 0), dtype=np.float32)
        self._neg = np.zeros((0, 0), dtype=np.float32)
        self._slices: list[tuple[int, slice, list[str]]] = []
        self._thresholds = np.array(
            [float(self.config.thresholds[c]) for c in _CATEGORIES], dtype=np.float32
        )
        self.add_exemplars(shipped_exemplars() if exemplars is None else exemplars)

    # -- exemplars -------------------------------------------------------------------------------

    @property
    def max_strength(self) -> float:
        """The strongest hit this stage returns: the scorer's gate opens only where a hit
        this strong could move a pair's band."""
        return self.config.strength_max

    @property
    def operator_positives(self) -> bool:
        """Whether the stage holds positives besides the shipped ones (an operator's files or
        examples, reviewers' verdicts): the scorer then calls it without asking the sign
        model first (``ScorerConfig.semantic_floor``)."""
        return self._operator_positives

    @property
    def exemplars(self) -> tuple[Exemplar, ...]:
        return tuple(self._exemplars)

    def _text_key(self, text: str) -> str:
        return normalize_key(self.normalizer.normalize(text).text)

    def _key_of(self, e: Exemplar) -> str:
        """An exemplar's text key, remembered: a verdict compares itself with every exemplar,
        and a worker replays every stored verdict when it rebuilds."""
        key = self._keys.get(e.id)
        if key is None:
            key = self._keys[e.id] = self._text_key(e.text or "")
        return key

    def add_exemplars(self, exemplars: Iterable[Exemplar]) -> list[Exemplar]:
        """Add exemplars; positives without a category (a Sentinel index's) get the category of
        their nearest categorised positive. Returns them as added."""
        new = list(exemplars)
        todo = [e for e in new if e.vector is None and e.text is not None]
        if todo:
            vectors = self.embedder.encode([self._text_key(e.text or "") for e in todo])
            for e, v in zip(todo, vectors, strict=True):
                self._vectors[e.id] = v
        for e in new:
            if e.vector is not None:
                if e.vector.shape != (self.embedder.dimension,):
                    raise ValueError(
                        f"exemplar {e.id}: vector has {e.vector.shape[0]} numbers, the model "
                        f"gives {self.embedder.dimension}"
                    )
                self._vectors[e.id] = e.vector / max(float(np.linalg.norm(e.vector)), 1e-12)
            elif e.text is None:
                raise ValueError(f"exemplar {e.id} has neither text nor vector")
        added: list[Exemplar] = []
        pending = [e for e in new if e.label == "positive" and e.category is None]
        assigned: dict[str, Category | None] = {}
        if pending:
            self._rebuild()
            known = [e for e in self._exemplars if e.label == "positive" and e.category]
            if not known:
                raise ValueError("positives without a category need categorised positives")
            matrix = np.stack([self._vectors[e.id] for e in known])
            sims = np.stack([self._vectors[e.id] for e in pending]) @ matrix.T
            for e, j in zip(pending, sims.argmax(axis=1).tolist(), strict=True):
                assigned[e.id] = known[j].category
        for e in new:
            if e.label == "positive" and e.category is None:
                e = Exemplar(e.id, assigned[e.id], e.label, e.text, e.source, e.vector)
            added.append(e)
        ids = {e.id for e in added}
        self._exemplars = [e for e in self._exemplars if e.id not in ids] + added
        self._operator_positives = any(
            e.label == "positive" and e.source != "shipped" for e in self._exemplars
        )
        self._dirty = True
        return added

    def load_jsonl(self, path: str | Path) -> list[Exemplar]:
        """Add an operator's exemplars in this package's JSONL format."""
        return self.add_exemplars(load_jsonl(path))

    def load_sentinel_index(
        self, path: str | Path, *, category: Category | str | None = None, check_model: bool = True
    ) -> list[Exemplar]:
        """Add the exemplars of a Roblox Sentinel index directory (``sentinel_index``)."""
        from childsafe.grooming.semantic.sentinel_index import read_sentinel_index

        return self.add_exemplars(
            read_sentinel_index(path, category=category, check_model=check_model)
        )

    def add_verdict(self, text: str, category: Category | str | None, confirmed: bool) -> Exemplar:
        """A reviewer's verdict: a confirmed sign becomes a positive of ``category``, a false
        alarm a negative. Exemplars of the opposite label with the same normalised text are
        dropped (the reviewer has the last word). Returns the exemplar; persist its
        ``to_dict()`` and load it back with :meth:`add_exemplars`."""
        exemplar = verdict_exemplar(text, category, confirmed)
        key = self._text_key(text)
        self._exemplars = [
            e
            for e in self._exemplars
            if e.label == exemplar.label or e.text is None or self._key_of(e) != key
        ]
        self.add_exemplars([exemplar])
        return exemplar

    def _rebuild(self) -> None:
        if not self._dirty:
            return
        dim = self.embedder.dimension
        negatives = [self._vectors[e.id] for e in self._exemplars if e.label == "negative"]
        self._neg = np.stack(negatives) if negatives else np.zeros((0, dim), np.float32)
        rows: list[np.ndarray] = []
        self._slices = []
        for index, category in enumerate(_CATEGORIES):
            mine = [e for e in self._exemplars if e.label == "positive" and e.category is category]
            if mine:
                start = len(rows)
                rows.extend(self._vectors[e.id] for e in mine)
                self._slices.append((index, slice(start, len(rows)), [e.id for e in mine]))
        self._pos = np.stack(rows) if rows else np.zeros((0, dim), np.float32)
        self._dirty = False

    # -- scoring ---------------------------------------------------------------------------------

    def similarities(self, texts: Sequence[str], *, normalized: bool = False) -> Similarities:
        """Similarities of ``texts`` (normalised first unless ``normalized``)."""
        self._rebuild()
        keys = [t if normalized else self._text_key(t) for t in texts]
        q = self.embedder.encode(keys)
        return self._similarities(q)

    def _similarities(self, q: np.ndarray) -> Similarities:
        n = q.shape[0]
        positive = np.full((n, len(_CATEGORIES)), -1.0, dtype=np.float32)
        nearest: list[list[str | None]] = [[None] * len(_CATEGORIES) for _ in range(n)]
        if self._pos.shape[0]:
            sims = q @ self._pos.T
            for index, rows, ids in self._slices:
                block = sims[:, rows]
                best = block.argmax(axis=1)
                positive[:, index] = block[np.arange(n), best]
                for i, j in enumerate(best.tolist()):
                    nearest[i][index] = ids[j]
        negative = (q @ self._neg.T).max(axis=1) if self._neg.shape[0] else np.full(n, -1.0)
        return Similarities(positive, nearest, negative.astype(np.float32))

    def hits_from(self, sims: Similarities, row: int, span: tuple[int, int]) -> list[Hit]:
        """At most one hit for row ``row``: a paraphrase is one sign, so only the category that
        clears its threshold by most (with the margin over the negatives met) counts."""
        cfg = self.config
        pos = sims.positive[row]
        fire = (pos >= self._thresholds) & (pos - sims.negative[row] >= cfg.margin)
        if not fire.any():
            return []
        over = np.where(fire, pos - self._thresholds, -np.inf)
        index = int(np.argmax(over))
        ramp = min(max(float(over[index]) / cfg.strength_ramp, 0.0), 1.0)
        strength = cfg.strength_min + (cfg.strength_max - cfg.strength_min) * ramp
        pattern = f"semantic:{sims.nearest[row][index]}"
        return [Hit(_CATEGORIES[index], round(strength, 3), span, pattern)]

    def detect(
        self, message: ChatMessage, normalized: Normalized, lexical: Sequence[Hit]
    ) -> Sequence[Hit]:
        """Hits for categories the lexical stage did not find in this message."""
        self.stats.calls += 1
        if len(normalized.words) < self.config.min_words:
            self.stats.skipped_short += 1
            return ()
        if lexical and self.config.skip_if_lexical:
            self.stats.skipped_lexical += 1
            return ()
        self._rebuild()
        self.stats.embedded += 1
        sims = self._similarities(self.embedder.encode([normalize_key(normalized.text)]))
        known = {h.category for h in lexical}
        hits = [
            h for h in self.hits_from(sims, 0, (0, len(message.text))) if h.category not in known
        ]
        self.stats.hits += len(hits)
        return hits

    def detect_text(self, text: str) -> list[Hit]:
        """The stage's hits for one text on its own (no lexical stage, no gate)."""
        self._rebuild()
        sims = self.similarities([text])
        return self.hits_from(sims, 0, (0, len(text)))
