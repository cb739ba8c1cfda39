"""The evaluation with the semantic stage adds childsafe+semantic and the sentinel-embed rows."""

from __future__ import annotations

from typing import Any

from typer.testing import CliRunner

from childsafe.grooming import LexicalDetector
from childsafe.grooming.semantic import EmbeddingStage, MiniLMEmbedder
from childsafe.grooming.semantic.evaluate import evaluate_semantic
from tests.grooming.tiny_dataset import tiny_dataset


def _with_dev() -> list[dict[str, Any]]:
    data = tiny_dataset()
    for number in (0, 4, 6):
        data[number]["split"] = "dev"
        for m in data[number]["messages"]:
            if m["text"] != "keep this our little secret ok?" and number != 0:
                m["lookalike"] = ["secrecy"]
    data[6]["risky"] = False
    return data


def test_semantic_evaluation_adds_its_rows(
    embedder: MiniLMEmbedder, lexical: LexicalDetector
) -> None:
    stage = EmbeddingStage(embedder, normalizer=lexical.normalizer)
    report = evaluate_semantic(_with_dev(), split="heldout", bootstrap_n=20, seed=1, stage=stage)
    names = [m.name for m in report.methods]
    assert names == [
        "childsafe+semantic",
        "childsafe",
        "keywords",
        "sentinel-shape/lookalike",
        "sentinel-shape/common",
        "sentinel-embed",
        "sentinel-embed/shipped",
    ]
    embed = report.methods[5]
    assert "all-MiniLM-L6-v2" in embed.description and embed.threshold is not None
    assert any(n.startswith("childsafe+semantic: the gate let") for n in report.notes)
    # The tiny set's signs are all lexical: the stage changes nothing there.
    assert report.methods[0].metrics == report.methods[1].metrics


def test_cli_semantic_flag(tmp_path: Any) -> None:
    import json

    from childsafe.cli.app import app

    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in _with_dev()) + "\n")
    runner = CliRunner()
    base = ["chat", "eval", str(path), "--bootstrap", "0", "--json"]
    off = runner.invoke(app, [*base, "--no-semantic"])
    assert off.exit_code == 0, off.output
    assert "sentinel-embed" not in off.stdout
    on = runner.invoke(app, [*base, "--semantic"])
    assert on.exit_code == 0, on.output
    names = [m["name"] for m in json.loads(on.stdout)["methods"]]
    assert names[0] == "childsafe+semantic" and "sentinel-embed" in names
    described = json.loads(on.stdout)["methods"][0]["description"]
    assert "int8" in described  # the server's default model is the one evaluated
    exact = runner.invoke(app, [*base, "--semantic", "--precision", "fp32"])
    assert exact.exit_code == 0, exact.output
    assert "fp32" in json.loads(exact.stdout)["methods"][0]["description"]
    bad = runner.invoke(app, [*base, "--semantic", "--precision", "int4"])
    assert bad.exit_code != 0 and "--precision must be one of fp32, int8" in bad.output
