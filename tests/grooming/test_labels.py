"""Labelled conversations are checked before they are evaluated or trained on: every problem is
named with its record and message, and the shipped sets have none."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from childsafe.grooming.labels import LabelError, check_labelled, problems
from tests.grooming.test_family_set import CHAT_SETS, _read
from tests.grooming.test_register import run_training
from tests.grooming.tiny_dataset import tiny_dataset


def _risky() -> dict[str, Any]:
    return copy.deepcopy(next(c for c in tiny_dataset() if c["risky"]))


def _benign() -> dict[str, Any]:
    return copy.deepcopy(next(c for c in tiny_dataset() if not c["risky"]))


@pytest.mark.parametrize("name", CHAT_SETS)
def test_the_shipped_sets_have_no_problems(name: str) -> None:
    check_labelled(_read(name))


def test_a_well_formed_conversation_has_no_problems() -> None:
    assert problems(_risky()) == [] and problems(_benign()) == []


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(c: dict[str, Any]) -> None:
        *inner, last = path
        target: Any = c
        for key in inner:
            target = target[key]
        target[last] = value

    return change


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda c: c.pop(key)


@pytest.mark.parametrize(
    ("make", "change", "named"),
    [
        (_risky, _drop("risky"), "lacks risky"),
        (_risky, _set(("split",), "train"), "split is 'train'"),
        (_risky, _set(("risky",), "yes"), "risky must be true or false"),
        (
            _risky,
            _set(("messages", 2, "signs"), ["secretcy"]),
            "message 2: signs has unknown categor",
        ),
        (
            _benign,
            _set(("messages", 1, "lookalike"), "secrecy"),
            "must be a list of category names",
        ),
        (_benign, _set(("messages", 1, "signs"), ["secrecy"]), "message 1 has signs in a benign"),
        (_benign, _set(("earliest_alert",), 0), "earliest_alert must be null in a benign"),
        (_risky, _set(("earliest_alert",), 99), "earliest_alert is 99"),
        (_risky, _set(("messages", 1, "from"), "nobody"), "message 1: from 'nobody' is not one of"),
        (_risky, _set(("messages", 1, "i"), 5), "message 1: i is 5"),
        (_risky, _set(("messages", 2, "t"), -1), "message 2: t goes back in time"),
        (_risky, _set(("messages",), []), "messages must be a non-empty list"),
        (_risky, _set(("categories",), ["grooming"]), "categories has unknown category 'grooming'"),
    ],
)
def test_each_problem_is_named(
    make: Callable[[], dict[str, Any]], change: Callable[[dict[str, Any]], None], named: str
) -> None:
    c = make()
    change(c)
    found = problems(c)
    assert any(named in p for p in found), found


def test_an_unknown_category_lists_the_known_ones() -> None:
    c = _risky()
    c["messages"][2]["signs"] = ["secretcy"]
    (problem,) = problems(c)
    assert "'secretcy'" in problem and "secrecy" in problem and "supervision_check" in problem


def test_the_first_bad_record_is_named_with_its_number() -> None:
    bad = _benign()
    bad["messages"][0]["signs"] = ["gifts"]
    with pytest.raises(LabelError) as caught:
        check_labelled([_risky(), bad, "not an object"])
    assert caught.value.record == 2 and "record 2: message 0 has signs" in str(caught.value)
    assert problems("not an object") == ["expected a JSON object (one conversation per line)"]


def test_training_refuses_a_misspelt_category_by_line(tmp_path: Path) -> None:
    # A misspelt category would otherwise be a category the model never learns.
    records = tiny_dataset()
    records[1]["messages"][2]["signs"] = ["secretcy"]
    data = tmp_path / "ours.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    for script in ("train_sign_model.py", "train_family_register.py"):
        out = tmp_path / f"{script}.json"
        done = run_training(script, "--data", str(data), "--all-splits", "--out", str(out))
        assert done.returncode != 0 and f"{data}:2: message 2: signs" in done.stderr
        assert not out.exists()
