"""Score each dev writer with the sign model and family register trained without them.

This is how every learned part's settings are chosen (docs/grooming.md): a figure on a writer
the models were trained on says nothing about wording they have not read, and held-out writers
are scored for counts only, once, after the choice. Each *unit* is one hand-written writer (the
id prefix of their conversations) or one half of the synthetic dev split; for each, both models
are retrained on the rest of the dev data and the unit's conversations are scored alone.

    python scripts/leave_one_out.py                        # shipped settings, lexical stage
    python scripts/leave_one_out.py --semantic             # with the embedding stage (int8)
    python scripts/leave_one_out.py --set unbacked_below=0.3 --units famd famx
    python scripts/leave_one_out.py --json > runs.json
    python scripts/leave_one_out.py --data ours.jsonl    # an operator's own labelled chat

``--set NAME=VALUE`` overrides a number in ``ScorerConfig`` for the scoring (not the training).
``--data`` replaces the repository's sets with labelled conversations of one's own (the dataset
format, ``datasets/chat/README.md``): both models train on all of them, and each id prefix (the
part before the first ``-``: a moderator, a month, a community) is a unit. Needs scikit-learn
(test extra); held-out splits are never read.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Sequence
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import train_family_register as register_training
import train_sign_model as sign_training
from chat_training import DATASETS, load

from childsafe.grooming.evaluate import run_scorer
from childsafe.grooming.scoring import Scorer, ScorerConfig

#: The labelled sets the models train on (the sign model's include the register's); every
#: dev writer of them is a unit.
SETS = sign_training.SIGN_DATA
SYNTHETIC = "syn1"
#: The key under which each conversation read here remembers its file.
SET = "_set"


def writer(conversation: dict[str, Any]) -> str:
    """A conversation's unit: its writer's id prefix, or a half of the synthetic dev split."""
    prefix, number = conversation["id"].split("-", 1)
    if prefix == SYNTHETIC:
        return f"{SYNTHETIC}/{int(number) % 2}"
    return prefix


def group(unit: str) -> str:
    """Units are reported in groups of the same kind of data (family, peers, ...)."""
    if unit.startswith(SYNTHETIC):
        return "synthetic"
    for prefix, name in (("fam", "family"), ("ps", "peers"), ("mn", "mentors")):
        if unit.startswith(prefix):
            return name
    return unit


def overrides(pairs: Sequence[str]) -> dict[str, float]:
    numbers = {f.name for f in fields(ScorerConfig) if f.type in ("float", "int")}
    out: dict[str, float] = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in numbers:
            raise SystemExit(f"--set {pair}: not a number of ScorerConfig")
        try:
            out[name] = float(value)
        except ValueError:
            raise SystemExit(f"--set {pair}: {value!r} is not a number") from None
    return out


def models(
    train_on: list[dict[str, Any]], own_data: bool = False
) -> tuple[sign_training.SignModel, register_training.FamilyRegister]:
    """Both models trained as their scripts train them, each on its own sets of ``train_on``
    (on all of it for ``own_data``, as the scripts do with ``--data``)."""
    sign_sets, register_sets = set(sign_training.SIGN_DATA), set(register_training.DEFAULT_DATA)
    if own_data:
        sign_sets = register_sets = {c[SET] for c in train_on}
    texts, labels = sign_training.examples(c for c in train_on if c[SET] in sign_sets)
    sign = sign_training.train(texts, labels, {})
    family_texts, family_labels, _ = register_training.examples(
        c for c in train_on if c[SET] in register_sets
    )
    return sign, register_training.train(family_texts, family_labels, {})


def score_unit(
    unit: str,
    dev: list[dict[str, Any]],
    base: ScorerConfig,
    stage: object | None,
    own_data: bool = False,
) -> dict[str, Any]:
    mine = [c for c in dev if writer(c) == unit]
    sign, family = models([c for c in dev if writer(c) != unit], own_data)
    config = replace(base, sign_model=sign, family_register=family)
    outcomes, _ = run_scorer(mine, config, scorer=Scorer(config, semantic=stage))  # type: ignore[arg-type]
    risky = [o for o in outcomes if o.risky]
    benign = [o for o in outcomes if not o.risky]
    delays = [o.delay for o in risky if o.delay is not None]
    return {
        "unit": unit,
        "group": group(unit),
        "risky_found": sum(o.flagged for o in risky),
        "risky": len(risky),
        "benign_flagged": sum(o.flagged for o in benign),
        "benign": len(benign),
        "delays": delays,
        "flagged_benign": sorted(o.conversation for o in benign if o.flagged),
        "missed_risky": sorted(o.conversation for o in risky if not o.flagged),
    }


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--units", nargs="*", metavar="PREFIX", help="only these units")
    ap.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE", dest="settings")
    ap.add_argument("--semantic", action="store_true", help="with the embedding stage (int8)")
    ap.add_argument("--json", action="store_true", help="one JSON object per unit")
    ap.add_argument("--data", type=Path, nargs="+", help="labelled conversations of one's own")
    args = ap.parse_args(argv)
    paths = args.data or [DATASETS / name for name in SETS]
    dev = [{**c, SET: p.name} for p in paths for c in load([p], all_splits=False)]
    if not dev:
        raise SystemExit("no dev conversations to leave out (held-out splits are never read)")
    units = sorted({writer(c) for c in dev})
    if args.units:
        unknown = set(args.units) - set(units)
        if unknown:
            raise SystemExit(f"--units: no dev writer {', '.join(sorted(unknown))}")
        units = [u for u in units if u in args.units]
    base = replace(ScorerConfig(), **overrides(args.settings))  # type: ignore[arg-type]
    stage = None
    if args.semantic:
        from childsafe.grooming.semantic import EmbeddingStage
        from childsafe.grooming.semantic.embedder import shared_embedder

        stage = EmbeddingStage(shared_embedder("int8"))
    rows = []
    for unit in units:
        row = score_unit(unit, dev, base, stage, own_data=bool(args.data))
        rows.append(row)
        if args.json:
            print(json.dumps(row))
        else:
            print(
                f"{unit:8} risky {row['risky_found']:3}/{row['risky']:<3} "
                f"benign flagged {row['benign_flagged']:3}/{row['benign']:<3}",
                file=sys.stderr,
            )
    if not args.json:
        for name in sorted({r["group"] for r in rows}):
            mine = [r for r in rows if r["group"] == name]
            delays = [d for r in mine for d in r["delays"]]
            median = statistics.median(delays) if delays else float("nan")
            print(
                f"{name:10} risky found {sum(r['risky_found'] for r in mine)}/"
                f"{sum(r['risky'] for r in mine)}, benign flagged "
                f"{sum(r['benign_flagged'] for r in mine)}/{sum(r['benign'] for r in mine)}, "
                f"median detection {median}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
