"""The embedding stage for the offline chat commands, chosen the way the server chooses it.

``chat score`` and ``chat eval`` run it when the ``semantic`` extra is installed (as the server
does with ``CHILDSAFE_CHAT_SEMANTIC=auto``), with the server's model precision unless told
otherwise, so that scoring a file offline gives what the server would give.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from childsafe.cli.context import CliContext

if TYPE_CHECKING:
    from childsafe.grooming.normalize import Normalizer
    from childsafe.grooming.semantic import EmbeddingStage

SemanticOption = Annotated[
    bool | None,
    typer.Option(
        "--semantic/--no-semantic",
        help="Run the embedding stage too (default: when the semantic extra is installed and "
        "CHILDSAFE_CHAT_SEMANTIC is not off).",
    ),
]
PrecisionOption = Annotated[
    str | None,
    typer.Option(
        "--precision",
        help="The embedding model: int8 (about half the CPU, its own calibrated thresholds) "
        "or fp32. Default: CHILDSAFE_CHAT_SEMANTIC_PRECISION (int8), as the server.",
    ),
]
ExemplarsOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--exemplars",
        help="Your own exemplars for the embedding stage: a JSONL file or a Sentinel index "
        "directory (repeatable).",
    ),
]


def wanted(cli: CliContext, semantic: bool | None) -> bool:
    """Whether to run the stage; fails with the install hint if asked for and missing."""
    from childsafe.grooming.semantic.embedder import INSTALL_HINT, semantic_available

    available = semantic_available()
    if semantic is None:
        return available and cli.settings.chat_semantic != "off"
    if semantic and not available:
        raise cli.fail(f"--semantic needs the semantic extra: {INSTALL_HINT}")
    return semantic


def build_stage(
    cli: CliContext,
    precision: str | None,
    exemplars: list[Path] | None,
    normalizer: Normalizer | None = None,
) -> EmbeddingStage:
    """The stage at ``precision`` with the shipped exemplars and ``exemplars``; errors name
    the option or the file."""
    from childsafe.grooming.semantic import EmbeddingStage
    from childsafe.grooming.semantic.embedder import SemanticUnavailableError, shared_embedder
    from childsafe.grooming.semantic.onnx_model import PRECISIONS

    chosen = precision or cli.settings.chat_semantic_precision
    if chosen not in PRECISIONS:
        raise cli.fail(f"--precision must be one of {', '.join(PRECISIONS)}")
    try:
        stage = EmbeddingStage(shared_embedder(chosen), normalizer=normalizer)
    except SemanticUnavailableError as e:
        raise cli.fail(str(e)) from None
    for path in exemplars or ():
        if not path.exists():
            raise cli.fail(f"--exemplars: {path} does not exist")
        try:
            if path.is_dir():
                stage.load_sentinel_index(path)
            else:
                stage.load_jsonl(path)
        except (OSError, ValueError) as e:
            raise cli.fail(f"--exemplars: {e}") from None
    return stage
