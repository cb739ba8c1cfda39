"""Probe the embedding stage with handwritten paraphrases and look-alikes, message by message.

    python -m childsafe.grooming.semantic.probe datasets/chat/paraphrases-v2.jsonl

The synthetic conversation set cannot show what the stage adds: its sign messages come from the
same phrase lists the lexical rules were written against, so the rules miss almost none of them
(docs/grooming-semantic.md). The probe sets are the other half of the picture: warning
signs written in everyday words, and innocent messages with the same surface words (a parent's
"are you home yet?", a coach's "send me a pic of your injury"). ``paraphrases-v1.jsonl`` has
been used to extend the exemplars (a dev set); ``paraphrases-v2.jsonl`` is held out
(datasets/chat/README.md says how it is kept so: do not read it with ``--verbose`` if you tune
the detectors). Per model precision the probe reports, for the signs, how many the lexical
rules find in the labelled category, how many the stage finds on its own, and how many either
finds; for the look-alikes, how many each flags with any category. Messages are judged alone,
with no conversation around them, so these are per-message figures, not conversation ones.

Format, one JSON object per line: ``{"text", "label": "sign" | "lookalike", "category"
(a sign's category, else null), "speaker" (who says a look-alike: "coach", "parent", ...)}``.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from childsafe.grooming.categories import Category
from childsafe.grooming.detectors import LexicalDetector
from childsafe.grooming.semantic.exemplars import jsonl_records
from childsafe.grooming.semantic.stage import EmbeddingStage

LABELS = ("sign", "lookalike")


@dataclass(frozen=True)
class ProbeText:
    text: str
    label: str
    category: Category | None
    speaker: str | None = None


@dataclass(frozen=True)
class Judged:
    """One text: the categories the lexical rules found and the stage's category, if any."""

    item: ProbeText
    lexical: frozenset[Category]
    semantic: Category | None


@dataclass(frozen=True)
class ProbeSummary:
    signs: int
    lexical_found: int
    semantic_found: int
    either_found: int
    semantic_only: int
    lookalikes: int
    lexical_flagged: int
    semantic_flagged: int
    either_flagged: int


def load_probe(path: str | Path) -> list[ProbeText]:
    """Read a probe file; errors name the line and the problem."""
    items: list[ProbeText] = []
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for where, record in jsonl_records(lines, str(path)):
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise ValueError(f"{where}: needs an object with a text")
        label = record.get("label")
        if label not in LABELS:
            raise ValueError(f"{where}: label must be sign or lookalike, not {label!r}")
        raw = record.get("category")
        try:
            category = Category(raw) if raw is not None else None
        except ValueError:
            raise ValueError(f"{where}: unknown category {raw!r}") from None
        if (label == "sign") != (category is not None):
            raise ValueError(f"{where}: a sign needs a category and a look-alike has none")
        items.append(ProbeText(record["text"], label, category, record.get("speaker")))
    if not items:
        raise ValueError(f"{path}: no probe texts")
    return items


def judge(
    stage: EmbeddingStage, detector: LexicalDetector, items: Iterable[ProbeText]
) -> list[Judged]:
    out = []
    for item in items:
        lexical = frozenset(h.category for h in detector.detect(item.text))
        hits = stage.detect_text(item.text)
        out.append(Judged(item, lexical, hits[0].category if hits else None))
    return out


def summarize(judged: Sequence[Judged]) -> ProbeSummary:
    signs = [j for j in judged if j.item.label == "sign"]
    looks = [j for j in judged if j.item.label == "lookalike"]
    lex = [j.item.category in j.lexical for j in signs]
    sem = [j.semantic is not None and j.semantic is j.item.category for j in signs]
    return ProbeSummary(
        signs=len(signs),
        lexical_found=sum(lex),
        semantic_found=sum(sem),
        either_found=sum(a or b for a, b in zip(lex, sem, strict=True)),
        semantic_only=sum(b and not a for a, b in zip(lex, sem, strict=True)),
        lookalikes=len(looks),
        lexical_flagged=sum(bool(j.lexical) for j in looks),
        semantic_flagged=sum(j.semantic is not None for j in looks),
        either_flagged=sum(bool(j.lexical) or j.semantic is not None for j in looks),
    )


def main(argv: Sequence[str] | None = None) -> None:
    from childsafe.grooming.semantic.embedder import shared_embedder
    from childsafe.grooming.semantic.onnx_model import PRECISIONS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("probe", type=Path)
    ap.add_argument("--precisions", nargs="+", choices=PRECISIONS, default=list(PRECISIONS))
    ap.add_argument("--verbose", action="store_true", help="one line per text")
    args = ap.parse_args(argv)
    items = load_probe(args.probe)
    detector = LexicalDetector()
    print("| model | signs: lexical | signs: stage | signs: either | signs: stage only | "
          "look-alikes: lexical | look-alikes: stage | look-alikes: either |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for precision in args.precisions:
        stage = EmbeddingStage(shared_embedder(precision), normalizer=detector.normalizer)
        judged = judge(stage, detector, items)
        s = summarize(judged)
        print(
            f"| {precision} | {s.lexical_found}/{s.signs} | {s.semantic_found}/{s.signs} | "
            f"{s.either_found}/{s.signs} | {s.semantic_only} | "
            f"{s.lexical_flagged}/{s.lookalikes} | {s.semantic_flagged}/{s.lookalikes} | "
            f"{s.either_flagged}/{s.lookalikes} |"
        )
        if args.verbose:
            for j in judged:
                lex = ",".join(sorted(c.value for c in j.lexical)) or "-"
                sem = j.semantic.value if j.semantic else "-"
                print(f"  {j.item.label:9} {lex:28} {sem:18} {j.item.text}")


if __name__ == "__main__":
    main()
