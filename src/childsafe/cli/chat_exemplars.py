"""``childsafe chat exemplars``: the embedding stage's stored verdicts and operator examples.

The same rows as ``POST /v1/chat/exemplars`` and ``/v1/chat/verdicts``; every server worker
picks up a change before its next batch. Texts are shown only with ``--show-text``.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from childsafe.cli.context import CliContext, cli_actor

exemplars_app = typer.Typer(
    help="Verdicts and examples that teach the chat embedding stage: list, add, remove.",
    no_args_is_help=True,
)

CATEGORY_HELP = (
    "age_probing, flattery, exclusivity, secrecy, supervision_check, isolation, platform_move, "
    "gifts, photo_request, meeting_request, pressure, age_deception"
)


@exemplars_app.command("list")
def list_command(
    ctx: typer.Context,
    show_text: Annotated[bool, typer.Option("--show-text", help="Print the texts too.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Every live verdict and example, oldest first."""
    from childsafe.chat.feedback import all_rows_after

    cli: CliContext = ctx.obj
    rows = all_rows_after(cli.store.sessions)
    if as_json:
        for r in rows:
            out = r.to_dict() | ({"text": r.text} if show_text else {})
            cli.out.print(json.dumps(out), markup=False, highlight=False)
        return
    table = Table("id", "source", "label", "category", "case", "message")
    if show_text:
        table.add_column("text")
    for r in rows:
        cells = [str(r.id), r.source, r.label, r.category or "-", str(r.case_id or "-"),
                 escape(r.message_id or "-")]  # fmt: skip
        table.add_row(*cells, *([escape(r.text)] if show_text else []))
    cli.out.print(table)
    cli.err.print(f"{len(rows)} exemplar(s)")


@exemplars_app.command("add")
def add_command(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="The example message.")],
    label: Annotated[
        str, typer.Option("--label", help="positive (a warning sign) or negative (a look-alike)")
    ],
    category: Annotated[
        str | None, typer.Option("--category", help=f"Required for a positive: {CATEGORY_HELP}.")
    ] = None,
) -> None:
    """Add an operator's confirmed example (audited)."""
    from childsafe.chat.feedback import FeedbackError, record_example

    cli: CliContext = ctx.obj
    try:
        row = record_example(
            cli.store.sessions, text=text, category=category, label=label, actor=cli_actor()
        )
    except FeedbackError as e:
        raise cli.fail(e) from None
    cli.out.print(
        f"added exemplar {row.id} ({row.label}{', ' + row.category if row.category else ''})"
    )


@exemplars_app.command("remove")
def remove_command(
    ctx: typer.Context,
    exemplar_id: Annotated[int, typer.Argument(help="The id shown by 'list'.")],
) -> None:
    """Remove a verdict or example: its text is erased, an audited tombstone stays."""
    from childsafe.chat.feedback import FeedbackError, remove_exemplar

    cli: CliContext = ctx.obj
    try:
        remove_exemplar(cli.store.sessions, exemplar_id, actor=cli_actor())
    except FeedbackError as e:
        raise cli.fail(e, code=1 if e.not_found else 2) from None
    cli.out.print(f"removed exemplar {exemplar_id}")
