"""The ``childsafe`` command."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="childsafe",
    help="Child-safety infrastructure: hash media, keep hash banks, scan files against them.",
    no_args_is_help=True,
)


def main() -> None:
    app()
