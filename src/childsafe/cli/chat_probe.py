"""``childsafe chat probe FILE``: how the two stages do on single labelled messages.

The conversation evaluation (``chat eval``) needs whole labelled conversations. A platform more
often has single messages its moderators have labelled: warning signs, and innocent messages
that look like them. This command scores those one by one, lexical rules and embedding stage
apart and together, in the format of the project's paraphrase probes
(``datasets/chat/paraphrases-v2.jsonl``, described in ``docs/grooming-semantic.md``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from childsafe.cli.chat_semantic import ExemplarsOption, PrecisionOption, build_stage
from childsafe.cli.context import CliContext


def probe_command(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help='JSONL: {"text", "label": "sign"|"lookalike", "category", "speaker"} per line.'
        ),
    ],
    precision: PrecisionOption = None,
    exemplars: ExemplarsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
    show: Annotated[
        bool, typer.Option("--show", help="Also list each message with what fired (prints text).")
    ] = False,
) -> None:
    """Signs found and look-alikes flagged, message by message, by the lexical rules, the
    embedding stage, and either (needs the semantic extra)."""
    from childsafe.grooming.detectors import LexicalDetector
    from childsafe.grooming.semantic.embedder import INSTALL_HINT, semantic_available
    from childsafe.grooming.semantic.probe import judge, load_probe, summarize

    cli: CliContext = ctx.obj
    if not semantic_available():
        raise cli.fail(f"chat probe needs the semantic extra: {INSTALL_HINT}")
    try:
        items = load_probe(file)
    except OSError as e:
        raise cli.fail(f"cannot read {file}: {e.strerror or e}") from None
    except ValueError as e:
        raise cli.fail(str(e)) from None
    detector = LexicalDetector()
    stage = build_stage(cli, precision, exemplars, detector.normalizer)
    judged = judge(stage, detector, items)
    s = summarize(judged)
    if as_json:
        print(json.dumps({"model": getattr(stage.embedder, "precision", None), **vars(s)}))
        return
    table = Table("", "lexical rules", "embedding stage", "either")
    table.add_row(
        "signs found", f"{s.lexical_found}/{s.signs}", f"{s.semantic_found}/{s.signs}",
        f"{s.either_found}/{s.signs}",
    )  # fmt: skip
    table.add_row(
        "look-alikes flagged", f"{s.lexical_flagged}/{s.lookalikes}",
        f"{s.semantic_flagged}/{s.lookalikes}", f"{s.either_flagged}/{s.lookalikes}",
    )  # fmt: skip
    cli.out.print(table)
    cli.err.print(f"{s.semantic_only} sign(s) found only by the embedding stage")
    if show:
        for j in judged:
            lexical = ",".join(sorted(c.value for c in j.lexical)) or "-"
            semantic = j.semantic.value if j.semantic else "-"
            print(f"{j.item.label}\t{lexical}\t{semantic}\t{j.item.text}")
