"""What the two training scripts share: reading labelled conversations, dev splits only."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer

from childsafe.grooming.labels import problems

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT / "datasets" / "chat"
DEFAULT_DATA = (
    "synthetic-v1.jsonl",
    "family-v1.jsonl",
    "family-v2.jsonl",
    "family-v3.jsonl",
    "family-v4.jsonl",
)


def load(paths: Sequence[Path], all_splits: bool) -> list[dict[str, Any]]:
    """The conversations of ``paths`` (``split: dev`` ones unless ``all_splits``); a line that
    is not JSON, or not a labelled conversation (``childsafe.grooming.labels``), stops with its
    file, line number and what is wrong."""
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise SystemExit(f"no such file: {', '.join(missing)}")
    out = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                c = json.loads(line)
            except json.JSONDecodeError as e:
                raise SystemExit(f"{path}:{number}: not JSON ({e.msg})") from None
            wrong = problems(c)
            if wrong:
                raise SystemExit(f"{path}:{number}: {'; '.join(wrong)}")
            if all_splits or c.get("split") == "dev":
                out.append(c)
    return out


def arguments(
    doc: str | None, data: Sequence[str], out: Path, what: str, argv: Sequence[str] | None
) -> argparse.Namespace:
    """The options both scripts take: ``--data``, ``--out``, ``--leave-out``, ``--all-splits``."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    ap.add_argument(
        "--data", type=Path, nargs="+", default=[DATASETS / n for n in data],
        help="labelled conversations, JSONL (default: the repository's chat sets)",
    )  # fmt: skip
    ap.add_argument("--out", type=Path, default=out, help=f"where to write the {what}")
    ap.add_argument("--leave-out", nargs="*", default=[], metavar="PREFIX")
    ap.add_argument("--all-splits", action="store_true", help="read held-out splits too")
    return ap.parse_args(argv)


def provenance(args: argparse.Namespace) -> dict[str, object]:
    """What a trained file says about its data (the tests compare it with a fresh training)."""
    return {
        "trained_on": sorted({p.name for p in args.data}),
        "splits": "all" if args.all_splits else "dev",
        "left_out": sorted(args.leave_out),
    }


def save(path: Path, data: dict[str, Any], summary: str) -> None:
    """Write a trained file (one key per line, so a retraining reads as a diff) and say so."""
    path.write_text(json.dumps(data, indent=0) + "\n", encoding="utf-8")
    print(f"{summary} -> {path}", file=sys.stderr)


def binary_words(min_df: int, ngram_range: tuple[int, int] = (1, 1)) -> TfidfVectorizer:
    """The features both models read, as the package scores them: distinct normalised words
    (space-separated, already lower case), present or not, L2 normalised over the known ones."""
    return TfidfVectorizer(
        binary=True,
        use_idf=False,
        norm="l2",
        lowercase=False,
        token_pattern=r"\S+",  # noqa: S106 - a pattern, not a password
        ngram_range=ngram_range,
        min_df=min_df,
    )
