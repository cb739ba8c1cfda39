"""Calibrate the embedding stage's per-category thresholds on the dev split (never held-out).

    python -m childsafe.grooming.semantic.calibrate datasets/chat/synthetic-v1.jsonl
    python -m childsafe.grooming.semantic.calibrate DATASET --precision int8

For each category the threshold is the lowest similarity that no dev message *without* a
warning sign reaches (with the margin over the negatives met), plus ``gap``, and never below
``floor``: the stage then fires on no sign-free dev message, so it cannot add a dev false
positive through a look-alike. Prints the thresholds (paste them into ``DEFAULT_THRESHOLDS``,
or ``INT8_THRESHOLDS`` with ``--precision int8``)
and, per category, how many dev sign messages the lexical stage misses and how many of those
the stage would find at that threshold.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from childsafe.grooming.categories import Category
from childsafe.grooming.semantic.embedder import shared_embedder
from childsafe.grooming.semantic.onnx_model import PRECISIONS
from childsafe.grooming.semantic.stage import EmbeddingStage

FLOOR = 0.5
GAP = 0.02


@dataclass(frozen=True)
class CategoryCalibration:
    category: Category
    threshold: float
    signs: int
    lexical_missed: int
    semantic_found: int


def calibrate(
    stage: EmbeddingStage,
    conversations: Sequence[Mapping[str, Any]],
    *,
    floor: float = FLOOR,
    gap: float = GAP,
) -> list[CategoryCalibration]:
    from childsafe.grooming.detectors import LexicalDetector

    detector = LexicalDetector()
    texts: dict[str, set[str]] = {}
    for c in conversations:
        if c.get("split") != "dev":
            continue
        for m in c["messages"]:
            texts.setdefault(m["text"], set()).update(m.get("signs") or ())
    unique = sorted(texts)
    sims = stage.similarities(unique)
    margin = stage.config.margin
    clear = sims.positive - sims.negative[:, None] >= margin
    out = []
    for index, category in enumerate(Category):
        col = sims.positive[:, index]
        free = [
            float(col[i]) for i, t in enumerate(unique) if not texts[t] and bool(clear[i, index])
        ]
        threshold = round(max(floor, max(free, default=0.0) + gap), 3)
        signs = [i for i, t in enumerate(unique) if category.value in texts[t]]
        missed = [
            i for i in signs if category not in {h.category for h in detector.detect(unique[i])}
        ]
        found = [i for i in missed if col[i] >= threshold and clear[i, index]]
        out.append(CategoryCalibration(category, threshold, len(signs), len(missed), len(found)))
    return out


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("dataset", type=Path)
    ap.add_argument("--floor", type=float, default=FLOOR)
    ap.add_argument("--gap", type=float, default=GAP)
    ap.add_argument("--precision", choices=PRECISIONS, default="fp32")
    args = ap.parse_args(argv)
    records = [
        json.loads(line) for line in args.dataset.read_text(encoding="utf-8").splitlines() if line
    ]
    stage = EmbeddingStage(shared_embedder(args.precision))
    rows = calibrate(stage, records, floor=args.floor, gap=args.gap)
    for r in rows:
        print(
            f"{r.category.value:18} threshold {r.threshold:.3f}  dev sign texts {r.signs:4d}  "
            f"lexical misses {r.lexical_missed:3d}  semantic finds {r.semantic_found:3d}"
        )
    print(f"{'INT8' if args.precision == 'int8' else 'DEFAULT'}_THRESHOLDS = {{")
    for r in rows:
        print(f"    C.{r.category.name}: {r.threshold},")
    print("}")


if __name__ == "__main__":
    main()
