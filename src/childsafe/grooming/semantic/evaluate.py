"""The evaluation with the semantic stage: childsafe with embeddings, and Sentinel's shape over
its own embedding model.

:func:`evaluate_semantic` runs everything :func:`childsafe.grooming.evaluate.evaluate` runs
(childsafe with the lexical stage only, keywords, Sentinel's shape over TF-IDF) and adds:

- ``childsafe+semantic``: the same scorer with :class:`EmbeddingStage` plugged in (called only
  where ``Scorer.could_change_band`` allows). It comes first, so it is the row the issue's
  targets are checked against.
- ``sentinel-embed``: Sentinel's scoring shape (``evaluate_sentinel``) over all-MiniLM-L6-v2
  embeddings (Sentinel's default model) instead of TF-IDF, with the same exemplars as
  ``sentinel-shape/common`` (the dev split's sign messages against every other dev message)
  and its threshold tuned on dev the same way.
- ``sentinel-embed/shipped``: the same, over the semantic stage's own exemplars (the shipped
  handwritten positives against its negatives): Sentinel's design and ours on the same
  exemplars.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from childsafe.grooming.bands import Band
from childsafe.grooming.evaluate import (
    EvaluationReport,
    MethodResult,
    Progress,
    bootstrap,
    compute_metrics,
    evaluate,
    run_scorer,
    select,
)
from childsafe.grooming.evaluate_data import Conversation
from childsafe.grooming.evaluate_sentinel import (
    MAX_FPR,
    SentinelShape,
    run_sentinel,
    sentinel_exemplars,
    sentinel_running_scores,
    tune_threshold,
)
from childsafe.grooming.scoring import Scorer, ScorerConfig
from childsafe.grooming.semantic.embedder import Embedder
from childsafe.grooming.semantic.stage import EmbeddingStage


class EmbeddingVectorizer:
    """An :class:`Embedder` as a Sentinel-shape vectorizer (rows are already unit length)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        return self.embedder.encode(list(texts))


SENTINEL_EMBED = (
    "Sentinel's scoring shape (top-k contrastive score per message, skewness per user, 0 under "
    "10 messages) over all-MiniLM-L6-v2 embeddings"
)


def _sentinel_method(
    name: str,
    description: str,
    model: SentinelShape,
    conversations: Sequence[Conversation],
    chosen: Sequence[Conversation],
    split: str,
    bootstrap_n: int,
    seed: int,
    notes: list[str],
) -> MethodResult:
    dev = select(conversations, "dev")
    threshold = tune_threshold(dev, sentinel_running_scores(model, dev, exclude_exact=True))
    outcomes = run_sentinel(chosen, model, threshold, exclude_exact=split != "heldout")
    notes.append(
        f"{name}: {len(model.harmful)} harmful and {len(model.benign)} benign unique "
        f"exemplars; threshold {threshold:.4f}, the lowest with dev FPR <= {MAX_FPR:.0%}"
    )
    return MethodResult(
        name,
        description,
        compute_metrics(outcomes),
        bootstrap(outcomes, bootstrap_n, seed),
        outcomes,
        threshold,
    )


def evaluate_semantic(
    conversations: Sequence[Conversation],
    *,
    split: str = "heldout",
    config: ScorerConfig | None = None,
    alert: Band = Band.NUDGE_CHILD,
    bootstrap_n: int = 1000,
    seed: int = 0,
    progress: Progress | None = None,
    stage: EmbeddingStage | None = None,
) -> EvaluationReport:
    """:func:`evaluate` plus the semantic rows described in the module docstring."""
    base = evaluate(
        conversations,
        split=split,
        config=config,
        alert=alert,
        bootstrap_n=bootstrap_n,
        seed=seed,
        progress=progress,
    )
    stage = stage or EmbeddingStage()
    chosen = select(conversations, split)
    notes = list(base.notes)
    before = replace(stage.stats)
    outcomes, _ = run_scorer(chosen, alert=alert, scorer=Scorer(config, semantic=stage))
    stats = stage.stats
    calls = stats.calls - before.calls
    embedded = stats.embedded - before.embedded
    semantic = MethodResult(
        "childsafe+semantic",
        "childsafe with the embedding stage (all-MiniLM-L6-v2, "
        f"{getattr(stage.embedder, 'precision', 'fp32')}, against the shipped exemplars), "
        f"called where the gate allows; alert at band {alert.value} or above",
        compute_metrics(outcomes),
        bootstrap(outcomes, bootstrap_n, seed),
        outcomes,
    )
    notes.append(
        f"childsafe+semantic: the gate let {calls} of {base.messages} messages through "
        f"({calls / max(base.messages, 1):.1%}); {embedded} went to the embedder (the rest "
        f"were under {stage.config.min_words} words or already had a lexical sign); the stage "
        f"added {stats.hits - before.hits} hits"
    )
    methods = [semantic, *base.methods]
    vectorizer = EmbeddingVectorizer(stage.embedder)
    harmful, benign = sentinel_exemplars(conversations, "common")
    if harmful and benign and select(conversations, "dev"):
        shipped = SentinelShape(
            [e.text for e in stage.exemplars if e.label == "positive" and e.text],
            [e.text for e in stage.exemplars if e.label == "negative" and e.text],
            vectorizer=vectorizer,
        )
        for name, exemplars, model in (
            (
                "sentinel-embed",
                "dev sign messages vs every other dev message",
                SentinelShape(harmful, benign, vectorizer=vectorizer),
            ),
            (
                "sentinel-embed/shipped",
                "the semantic stage's shipped positives and negatives",
                shipped,
            ),
        ):
            description = f"{SENTINEL_EMBED}; exemplars: {exemplars}"
            methods.append(
                _sentinel_method(
                    name,
                    description,
                    model,
                    conversations,
                    chosen,
                    split,
                    bootstrap_n,
                    seed,
                    notes,
                )
            )
    else:
        notes.append("sentinel-embed skipped: it needs a dev split with sign labels")
    return replace(base, methods=methods, notes=notes)
