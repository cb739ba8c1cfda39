"""``python -m childsafe.grooming.synth --seed 1 --out datasets/chat/synthetic-v1.jsonl``.

The only part of the grooming package that touches the file system: it writes the dataset.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from childsafe.grooming.synth import dumps, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m childsafe.grooming.synth",
        description="Write the synthetic, non-explicit grooming evaluation set as JSONL.",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", type=Path, help="output file (default: standard output)")
    args = parser.parse_args(argv)
    text = dumps(generate(args.seed))
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {text.count(chr(10))} conversations to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
