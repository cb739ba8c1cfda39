"""The paraphrase probe set keeps to the rules, and the probe counts what each stage finds."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from childsafe.grooming import Category, LexicalDetector, Normalizer
from childsafe.grooming.semantic import EmbeddingStage, MiniLMEmbedder
from childsafe.grooming.semantic.embedder import shared_embedder
from childsafe.grooming.semantic.exemplars import shipped_exemplars
from childsafe.grooming.semantic.probe import ProbeText, judge, load_probe, summarize
from tests.grooming.semantic.test_stage import LOOKALIKES, PARAPHRASES
from tests.grooming.test_synth import DENYLIST, _denied

ROOT = Path(__file__).resolve().parents[3]
PROBES = [ROOT / "datasets" / "chat" / f"paraphrases-v{n}.jsonl" for n in (1, 2)]


def _key(text: str) -> str:
    return " ".join(text.lower().strip(" ?!.").split())


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.stem)
def test_probe_sets_keep_to_the_rules(probe: Path) -> None:
    items = load_probe(probe)
    per_category = Counter(i.category for i in items if i.label == "sign")
    assert set(per_category) == set(Category) and min(per_category.values()) >= 5
    assert sum(i.label == "lookalike" for i in items) >= 50
    assert len({_key(i.text) for i in items}) == len(items)
    # Written by hand for the probe: no message of the synthetic set, no shipped exemplar.
    dataset = ROOT / "datasets" / "chat" / "synthetic-v1.jsonl"
    taken = {
        _key(m["text"])
        for line in dataset.read_text(encoding="utf-8").splitlines()
        for m in json.loads(line)["messages"]
    }
    taken |= {_key(e.text) for e in shipped_exemplars() if e.text}
    assert not {_key(i.text) for i in items} & taken
    normalizer = Normalizer(DENYLIST)
    assert not [i.text for i in items if _denied(i.text, normalizer)]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 1: not JSON"),
        ('{"text": "hi", "label": "maybe", "category": null}', "label must be sign or lookalike"),
        ('{"text": "hi", "label": "sign", "category": "charm"}', "unknown category 'charm'"),
        ('{"text": "hi", "label": "sign", "category": null}', "a sign needs a category"),
        ('{"label": "sign", "category": "secrecy"}', "needs an object with a text"),
    ],
)
def test_bad_probe_lines_are_named(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "probe.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_probe(path)


def test_the_probe_counts_what_each_stage_finds(
    precise_embedder: MiniLMEmbedder, lexical: LexicalDetector
) -> None:
    stage = EmbeddingStage(precise_embedder, normalizer=lexical.normalizer)
    items = [ProbeText(text, "sign", category) for text, category in PARAPHRASES]
    items.append(ProbeText("keep this our little secret ok?", "sign", Category.SECRECY))
    items += [ProbeText(text, "lookalike", None, "parent") for text in LOOKALIKES]
    summary = summarize(judge(stage, lexical, items))
    assert summary.signs == len(PARAPHRASES) + 1 and summary.lookalikes == len(LOOKALIKES)
    assert summary.lexical_found == 1  # the rules know only the last sign's phrase
    assert summary.semantic_only == len(PARAPHRASES)
    assert summary.either_found == summary.signs
    assert summary.semantic_flagged == 0 and summary.lexical_flagged == 0


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.stem)
def test_int8_decides_like_the_float_model_on_the_probes(
    probe: Path, lexical: LexicalDetector
) -> None:
    items = load_probe(probe)
    decided = {}
    for precision in ("fp32", "int8"):
        stage = EmbeddingStage(shared_embedder(precision), normalizer=lexical.normalizer)
        decided[precision] = [j.semantic for j in judge(stage, lexical, items)]
    differ = sum(a != b for a, b in zip(decided["fp32"], decided["int8"], strict=True))
    assert differ <= 0.05 * len(items), differ
