"""What the two training scripts share: reading labelled conversations, dev splits only."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT / "datasets" / "chat"
DEFAULT_DATA = ("synthetic-v1.jsonl", "family-v1.jsonl", "family-v2.jsonl")


def load(paths: Sequence[Path], all_splits: bool) -> list[dict[str, Any]]:
    """The conversations of ``paths`` (``split: dev`` ones unless ``all_splits``); a line that
    is not JSON stops with its file and line number."""
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
            if all_splits or c.get("split") == "dev":
                out.append(c)
    return out
