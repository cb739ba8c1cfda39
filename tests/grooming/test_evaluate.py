"""Evaluation: metrics equal hand-computed values, bootstrap is seeded, baselines behave."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pytest

from childsafe.grooming.evaluate import (
    KEYWORDS,
    Outcome,
    SentinelShape,
    bootstrap,
    compute_metrics,
    evaluate,
    percentile,
    records_to_messages,
    run_keywords,
    run_scorer,
    select,
    sentinel_exemplars,
    to_messages,
    tune_threshold,
)
from tests.grooming.tiny_dataset import EXPECTED, tiny_dataset


def test_percentile_interpolates_linearly() -> None:
    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 50) == pytest.approx(5.5)
    assert percentile(values, 90) == pytest.approx(9.1)
    assert percentile([3.0], 90) == 3.0
    assert math.isnan(percentile([], 50))
    assert percentile(values, 90) == pytest.approx(float(np.percentile(values, 90)))


def test_metrics_from_hand_made_outcomes() -> None:
    outcomes = [
        Outcome("r1", "stranger", True, 5, 5),
        Outcome("r2", "stranger", True, 9, 5),
        Outcome("r3", "clan", True, None, 3),
        Outcome("b1", "teacher", False, None, None),
        Outcome("b2", "teacher", False, 4, None),
        Outcome("b3", "peers", False, None, None),
        Outcome("b4", "peers", False, None, None),
    ]
    m = compute_metrics(outcomes)
    assert (m.true_positives, m.false_positives, m.risky, m.benign) == (2, 1, 3, 4)
    assert m.precision == pytest.approx(2 / 3)
    assert m.recall == pytest.approx(2 / 3)
    assert m.fpr == pytest.approx(1 / 4)
    assert m.median_delay == pytest.approx(2.0)  # delays 0 and 4
    assert m.p90_delay == pytest.approx(3.6)
    assert m.within_3 == pytest.approx(0.5)
    assert m.by_relationship[("teacher", False)] == (2, 1)
    assert m.scalars()["fpr:teacher"] == pytest.approx(0.5)
    assert m.scalars()["recall:clan"] == 0.0
    empty = compute_metrics([Outcome("b", "peers", False, None, None)])
    assert math.isnan(empty.precision) and math.isnan(empty.recall)


def test_scorer_on_the_tiny_dataset_matches_hand_computed_values() -> None:
    outcomes, _ = run_scorer(tiny_dataset())
    detected = {o.conversation: o.detected_at for o in outcomes}
    assert detected == {
        "tiny-1": 2,
        "tiny-2": 4,
        "tiny-3": 7,
        "tiny-4": None,
        "tiny-5": None,
        "tiny-6": None,
        "tiny-7": 1,
    }
    m = compute_metrics(outcomes)
    for key, value in EXPECTED["childsafe"].items():
        assert getattr(m, key) == pytest.approx(value), key
    assert m.scalars()["fpr:coach"] == 1.0 and m.scalars()["fpr:teen_peers"] == 0.0


def test_keyword_baseline_on_the_tiny_dataset() -> None:
    assert {"secret", "parents", "pic", "meet", "gift", "snap", "age"} <= KEYWORDS
    m = compute_metrics(run_keywords(tiny_dataset()))
    for key, value in EXPECTED["keywords"].items():
        assert getattr(m, key) == pytest.approx(value), key


def test_evaluate_reports_every_method_and_skips_sentinel_without_dev() -> None:
    report = evaluate(tiny_dataset(), split="heldout", bootstrap_n=50, seed=3)
    names = [m.name for m in report.methods]
    assert names == ["childsafe", "keywords"]
    assert any("sentinel-shape/lookalike skipped" in n for n in report.notes)
    assert report.conversations == 7 and report.messages == sum(
        len(c["messages"]) for c in tiny_dataset()
    )
    data = report.to_dict()
    assert data["methods"][0]["metrics"]["precision"] == 0.75
    lo, hi = data["methods"][0]["intervals"]["recall"]
    assert lo <= 0.75 <= hi


def test_bootstrap_is_deterministic_with_a_seed() -> None:
    outcomes, _ = run_scorer(tiny_dataset())
    first = bootstrap(outcomes, 300, seed=11)
    assert first == bootstrap(outcomes, 300, seed=11)
    many = [Outcome(f"r{i}", "s", True, (i * 7) % 23 if i % 5 else None, 0) for i in range(60)]
    many += [Outcome(f"b{i}", "t", False, 1 if i % 9 == 0 else None, None) for i in range(60)]
    assert bootstrap(many, 300, seed=11) == bootstrap(many, 300, seed=11)
    assert bootstrap(many, 300, seed=11) != bootstrap(many, 300, seed=12)
    for key in ("precision", "recall", "fpr"):
        lo, hi = first[key]
        assert 0.0 <= lo <= hi <= 1.0
    assert bootstrap(outcomes, 0, seed=1) == {}


class _NoTruth(Mapping[str, Any]):
    """An account record that fails the test if anyone reads its ground truth."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> Any:
        if key == "true_age":
            raise AssertionError("the scorer read true_age")
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def test_the_scorer_never_reads_true_age() -> None:
    data = tiny_dataset()
    for conversation in data:
        conversation["accounts"] = {a: _NoTruth(f) for a, f in conversation["accounts"].items()}
    outcomes, _ = run_scorer(data)
    assert sum(o.flagged for o in outcomes) == 4


def test_messages_are_merged_in_time_order_across_conversations() -> None:
    data = tiny_dataset()
    messages = to_messages(list(reversed(data)))
    times = [m.time for _, _, m in messages]
    assert times == sorted(times)
    assert messages[0][2].id == "tiny-1#0"


def test_records_can_be_single_messages_or_conversations() -> None:
    records: list[dict[str, Any]] = [
        {
            "id": "x1",
            "t": 5,
            "from": "acct_p",
            "to": "acct_q",
            "text": "hi",
            "from_facts": {"declared_age": 30},
            "to_facts": {"declared_age": 12},
            "known_relationship": "family",
        },
        tiny_dataset()[0],
    ]
    messages = records_to_messages(records)
    assert [m.id for m in messages][:2] == ["x1", "tiny-1#0"]
    single = messages[0]
    assert single.sender_facts.declared_age == 30 and single.pair.known_relationship == "family"
    with pytest.raises(ValueError, match="record 1: a message needs 't'"):
        records_to_messages([{"from": "a", "to": "b", "text": "x"}])
    with pytest.raises(ValueError, match="record 1"):
        records_to_messages([{"messages": [{"i": 0}], "accounts": {}}])


def test_select_splits() -> None:
    data = tiny_dataset()
    data[0]["split"] = "dev"
    assert len(select(data, "dev")) == 1
    assert len(select(data, "heldout")) == 6
    assert len(select(data, "all")) == 7
    with pytest.raises(ValueError):
        select(data, "train")


# -- Sentinel's scoring shape ----------------------------------------------------------------

HARMFUL = [
    "keep this our little secret ok?",
    "dont tell your mom about me",
    "delete our messages after you read them",
]
BENIGN = [
    "don't tell anyone the surprise quiz answers",
    "send me a pic of the permission slip",
    "meet at the field at 5",
]


def test_sentinel_shape_scores_messages_contrastively() -> None:
    model = SentinelShape(HARMFUL, BENIGN, top_k=2)
    scores = model.message_scores(
        ["keep it our secret ok", "send me a pic of the slip", "keep it our secret ok"]
    )
    assert scores[0] > 0.0 and scores[1] == 0.0 and scores[2] == scores[0]
    # Without the exact exemplar, a harmful exemplar scores lower against the rest.
    exact = model.message_scores([HARMFUL[0]])[0]
    held_out = model.message_scores([HARMFUL[0]], exclude_exact=True)[0]
    assert held_out < exact


def test_sentinel_shape_gives_zero_below_ten_messages_and_skewness_above() -> None:
    model = SentinelShape(HARMFUL, BENIGN)
    assert model.user_score([0.0, 2.0, 0.0]) == 0.0
    scores = [0.0] * 8 + [1.0, 1.0]
    mean, median, std = 0.2, 0.0, 0.4
    assert model.user_score(scores) == pytest.approx((mean - median) / std)
    assert model.user_score([0.5] * 12) == 0.0  # no spread, no skew
    with pytest.raises(ValueError):
        SentinelShape([], BENIGN)


def test_sentinel_exemplars_come_from_dev_only() -> None:
    data = tiny_dataset()
    data[0]["split"] = "dev"
    data[0]["messages"][0]["lookalike"] = ["secrecy"]
    harmful, benign = sentinel_exemplars(data)
    assert harmful == ["keep this our little secret ok?"]
    assert benign == [data[0]["messages"][0]["text"]]
    _, common = sentinel_exemplars(data, "common")
    assert len(common) == len(data[0]["messages"]) - 1


def test_threshold_is_the_lowest_within_the_false_positive_budget() -> None:
    data = [{"risky": False}] * 100 + [{"risky": True}]
    # conversation n peaks at score n / 100; the risky one at 0.5.
    running = [(n, 0, n / 100) for n in range(100)] + [(100, 0, 0.5)]
    threshold = tune_threshold(data, running, max_fpr=0.02)
    flagged_benign = sum(1 for n in range(100) if n / 100 >= threshold)
    assert flagged_benign == 2 and threshold > 0.97


def test_evaluate_with_a_dev_split_runs_both_sentinel_variants() -> None:
    data = tiny_dataset()
    for number in (0, 4, 6):
        data[number]["split"] = "dev"
        for m in data[number]["messages"]:
            if m["text"] != "keep this our little secret ok?" and number != 0:
                m["lookalike"] = ["secrecy"]
    data[6]["risky"] = False
    report = evaluate(data, split="heldout", bootstrap_n=20, seed=1)
    names = [m.name for m in report.methods]
    assert names == ["childsafe", "keywords", "sentinel-shape/lookalike", "sentinel-shape/common"]
    sentinel = report.methods[2]
    assert "not its embedding model" in sentinel.description
    assert sentinel.threshold is not None
    # Every held-out user has fewer than ten messages: Sentinel's shape scores them all 0.
    assert sentinel.metrics.true_positives == 0 and sentinel.metrics.false_positives == 0
