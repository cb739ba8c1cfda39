"""``scripts/leave_one_out.py``: how the learned parts' settings are chosen, and how an operator
measures them on labelled conversations of their own."""

from __future__ import annotations

import json
from pathlib import Path

from tests.grooming.test_register import run_training
from tests.grooming.test_signmodel import DATASETS


def _writers(path: Path, prefixes: tuple[str, ...]) -> Path:
    lines = (DATASETS / "family-v2.jsonl").read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(ln for ln in lines if json.loads(ln)["id"].startswith(prefixes)))
    return path


def test_each_writer_is_scored_by_models_trained_without_them(tmp_path: Path) -> None:
    # Two dev writers and the held-out one of the second family set, as an operator's own file.
    data = _writers(tmp_path / "ours.jsonl", ("famj", "famk", "famq"))
    done = run_training("leave_one_out.py", "--data", str(data), "--json")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["unit"] for r in rows] == ["famj", "famk"]  # held-out splits are never read
    for row in rows:
        assert (row["risky"], row["benign"]) == (20, 60)
        assert row["risky_found"] == row["risky"] - len(row["missed_risky"])
        assert row["benign_flagged"] == len(row["flagged_benign"])
    # Rules and models trained on one other writer still find most risky adults of the two
    # (a model of one writer backs few of another's matches, so one may find only half).
    assert sum(r["risky_found"] for r in rows) > sum(r["risky"] for r in rows) // 2


def test_bad_options_are_refused_by_name(tmp_path: Path) -> None:
    data = _writers(tmp_path / "ours.jsonl", ("famj", "famk"))
    for option, value, said in (
        ("--set", "nope=1", "--set nope=1: not a number of ScorerConfig"),
        ("--set", "vouched_above=x", "'x' is not a number"),
        ("--units", "zz", "--units: no dev writer zz"),
    ):
        done = run_training("leave_one_out.py", "--data", str(data), option, value)
        assert done.returncode != 0 and said in done.stderr, done.stderr
    held_out = _writers(tmp_path / "held.jsonl", ("famq",))
    done = run_training("leave_one_out.py", "--data", str(held_out))
    assert done.returncode != 0 and "no dev conversations" in done.stderr
