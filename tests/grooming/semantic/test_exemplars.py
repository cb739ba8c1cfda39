"""Operator exemplars (our JSONL and Roblox Sentinel's index), reviewer verdicts, the cache,
the plugin registration and running without the extra."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from childsafe.grooming import Category, LexicalDetector
from childsafe.grooming.semantic import (
    EmbeddingStage,
    ExemplarError,
    MiniLMEmbedder,
    SentinelIndexError,
    dump_jsonl,
    load_jsonl,
    read_sentinel_index,
    shipped_exemplars,
)
from childsafe.grooming.semantic.sentinel_index import write_sentinel_index
from childsafe.plugins import SEMANTIC_STAGES_GROUP, load_registry

C = Category
ROOT = Path(__file__).resolve().parents[3]
#: A paraphrase of a meeting request that the shipped exemplars do not reach.
MISSED = "the food court at the big shopping centre would be a good spot for us"
MISSED_TOO = "the food court at the shopping centre would be a nice spot for us two"


@pytest.fixture
def stage(precise_embedder: MiniLMEmbedder, lexical: LexicalDetector) -> EmbeddingStage:
    return EmbeddingStage(precise_embedder, normalizer=lexical.normalizer)


def test_shipped_exemplars_cover_every_category_and_keep_to_the_rules() -> None:
    exemplars = shipped_exemplars()
    positives = {e.category for e in exemplars if e.label == "positive"}
    assert positives == set(Category)
    assert sum(e.label == "negative" for e in exemplars) >= 30
    assert len({e.id for e in exemplars}) == len(exemplars)
    # Written by hand: none is a message of the synthetic dataset.
    dataset = ROOT / "datasets" / "chat" / "synthetic-v1.jsonl"
    texts = {
        m["text"].lower().strip(" ?!.")
        for line in dataset.read_text(encoding="utf-8").splitlines()
        for m in json.loads(line)["messages"]
    }
    assert not {e.text.lower().strip(" ?!.") for e in exemplars if e.text} & texts


def test_operator_jsonl_adds_a_paraphrase(stage: EmbeddingStage, tmp_path: Path) -> None:
    assert stage.detect_text(MISSED_TOO) == []
    path = tmp_path / "ours.jsonl"
    path.write_text(
        json.dumps({"category": "meeting_request", "text": MISSED, "label": "positive"})
        + "\n\n"
        + json.dumps({"category": None, "text": "see you at practice", "label": "negative"})
        + "\n"
    )
    added = stage.load_jsonl(path)
    assert [e.label for e in added] == ["positive", "negative"]
    assert all(e.source == "operator" for e in added)
    assert [h.category for h in stage.detect_text(MISSED_TOO)] == [C.MEETING_REQUEST]
    # The dict form reads back as the same exemplars.
    again = tmp_path / "again.jsonl"
    again.write_text("\n".join(dump_jsonl(added)) + "\n")
    assert [(e.id, e.category, e.text) for e in load_jsonl(again)] == [
        (e.id, e.category, e.text) for e in added
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "line 1: not JSON"),
        ('["a list"]', "expected a JSON object"),
        ('{"category": "secrecy", "text": "x", "label": "maybe"}', "label must be"),
        ('{"category": "homework", "text": "x", "label": "positive"}', "unknown category"),
        ('{"category": null, "text": "x", "label": "positive"}', "needs its category"),
        ('{"category": "secrecy", "text": "  ", "label": "positive"}', "non-empty string"),
        ('{"category": "secrecy", "label": "positive"}', "needs a text"),
    ],
)
def test_bad_operator_lines_are_named(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(ExemplarError, match=message):
        load_jsonl(path)


def test_empty_or_missing_files_are_errors(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(ExemplarError, match="no exemplars"):
        load_jsonl(tmp_path / "empty.jsonl")
    with pytest.raises(ExemplarError, match="cannot read"):
        load_jsonl(tmp_path / "absent.jsonl")


def _index(tmp_path: Path, embedder: MiniLMEmbedder, **kw: object) -> Path:
    root = tmp_path / "index"
    positives = embedder.encode([MISSED])
    negatives = embedder.encode(["see you at practice", "thanks for the lift"])
    write_sentinel_index(
        root,
        positives,
        negatives,
        positive_texts=[MISSED],
        negative_texts=["see you at practice", "thanks for the lift"],
        **kw,  # type: ignore[arg-type]
    )
    return root


def test_sentinel_index_is_read_and_extends_the_stage(
    stage: EmbeddingStage, embedder: MiniLMEmbedder, tmp_path: Path
) -> None:
    root = _index(tmp_path, embedder)
    exemplars = read_sentinel_index(root)
    assert [e.label for e in exemplars] == ["positive", "negative", "negative"]
    assert exemplars[0].text == MISSED and exemplars[0].category is None
    assert exemplars[0].vector is not None and exemplars[0].vector.shape == (384,)
    # Without a category, a positive takes the category of its nearest shipped positive.
    added = stage.load_sentinel_index(root)
    assert added[0].category is C.MEETING_REQUEST
    assert [h.category for h in stage.detect_text(MISSED_TOO)] == [C.MEETING_REQUEST]
    # An explicit category wins.
    other = EmbeddingStage(stage.embedder, normalizer=stage.normalizer)
    assert other.load_sentinel_index(root, category="gifts")[0].category is C.GIFTS


def test_sentinel_index_checks_model_dimension_and_alignment(
    embedder: MiniLMEmbedder, tmp_path: Path
) -> None:
    root = _index(tmp_path, embedder, model="sentence-transformers/all-mpnet-base-v2")
    with pytest.raises(SentinelIndexError, match="all-mpnet-base-v2"):
        read_sentinel_index(root)
    assert len(read_sentinel_index(root, check_model=False)) == 3

    small = tmp_path / "small"
    write_sentinel_index(small, np.ones((2, 128), np.float32), np.ones((1, 128), np.float32))
    with pytest.raises(SentinelIndexError, match=r"\(2, 128\).*384 numbers per row"):
        read_sentinel_index(small)

    root = _index(tmp_path, embedder)
    (root / "corpus.json").write_text(json.dumps({"positive_corpus": ["a", "b"]}))
    with pytest.raises(SentinelIndexError, match="does not line up"):
        read_sentinel_index(root)

    (root / "embeddings.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{bad")
    with pytest.raises(SentinelIndexError, match="not a usable safetensors file"):
        read_sentinel_index(root)


def test_pickles_are_refused_never_loaded(tmp_path: Path) -> None:
    marker = tmp_path / "ran"

    class Bomb:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (marker.write_text, ("pickle code ran",))

    payload = pickle.dumps(Bomb())
    (tmp_path / "index.pkl").write_bytes(payload)
    with pytest.raises(SentinelIndexError, match="refused"):
        read_sentinel_index(tmp_path / "index.pkl")
    root = tmp_path / "dir"
    root.mkdir()
    (root / "sentinel_local_index_config.json").write_text(
        json.dumps({"encoder_model_name_or_path": "all-MiniLM-L6-v2"})
    )
    (root / "embeddings.safetensors").write_bytes(payload)
    with pytest.raises(SentinelIndexError, match="pickle"):
        read_sentinel_index(root)
    assert not marker.exists()


def test_reviewer_verdicts_change_decisions(stage: EmbeddingStage) -> None:
    # A confirmed sign: close paraphrases now fire.
    assert stage.detect_text(MISSED_TOO) == []
    exemplar = stage.add_verdict(MISSED, "meeting_request", confirmed=True)
    assert exemplar.label == "positive" and exemplar.source == "verdict"
    assert [h.category for h in stage.detect_text(MISSED_TOO)] == [C.MEETING_REQUEST]
    # A false alarm: the reviewer's negative silences it, and drops the earlier positive.
    stage.add_verdict(MISSED_TOO, "meeting_request", confirmed=False)
    stage.add_verdict(MISSED, None, confirmed=False)
    assert stage.detect_text(MISSED_TOO) == []
    assert not [e for e in stage.exemplars if e.source == "verdict" and e.label == "positive"]
    # Serialisable for whoever persists it.
    assert json.loads(json.dumps(exemplar.to_dict()))["category"] == "meeting_request"
    with pytest.raises(ValueError, match="needs its category"):
        stage.add_verdict("anything at all", None, confirmed=True)


def test_cache_is_keyed_by_normalised_text_and_bounded(embedder: MiniLMEmbedder) -> None:
    small = embedder.fork(cache_size=2)
    first = small.encode(["Where are you  now?"])
    assert small.cache_info()["encoded"] == 1
    again = small.encode(["where are you now?", "WHERE ARE YOU NOW?"])
    assert small.cache_info() | {} == {
        "hits": 2,
        "misses": 1,
        "encoded": 1,
        "size": 1,
        "capacity": 2,
    }
    assert np.allclose(again, first)
    assert np.allclose(np.linalg.norm(again, axis=1), 1.0, atol=1e-5)
    assert again.dtype == np.float32
    small.encode(["one more text", "and another one"])
    assert small.cache_info()["size"] == 2  # the oldest was evicted
    small.encode(["where are you now?"])
    assert small.cache_info()["encoded"] == 4
    off = embedder.fork(cache_size=0)
    off.encode(["hello there"] * 3)
    assert off.cache_info()["size"] == 0 and off.cache_info()["encoded"] == 1


def test_registered_as_a_plugin() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'[project.entry-points."{SEMANTIC_STAGES_GROUP}"]' in pyproject
    assert 'minilm = "childsafe.grooming.semantic.stage:EmbeddingStage"' in pyproject
    registry = load_registry(extra_semantic={"test-minilm": EmbeddingStage})
    assert registry.semantic_stages["test-minilm"] is EmbeddingStage
    with pytest.raises(KeyError, match="unknown semantic stage"):
        registry.semantic_stage("nope")


def test_importable_without_the_extra_with_a_clear_error() -> None:
    code = (
        "import sys\n"
        "sys.modules['torch'] = None\n"
        "sys.modules['sentence_transformers'] = None\n"
        "sys.modules['onnxruntime'] = None\n"
        "import childsafe.grooming, childsafe.grooming.semantic as s\n"
        "assert not s.semantic_available()\n"
        "try:\n"
        "    s.MiniLMEmbedder().encode(['hello'])\n"
        "except s.SemanticUnavailableError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert "pip install 'childsafe[semantic]'" in out.stdout
