"""``childsafe chat prune``: apply chat retention now (the server also does it hourly)."""

from __future__ import annotations

from typing import Annotated

import typer

from childsafe.cli.context import CliContext


def prune_command(
    ctx: typer.Context,
    older_than_days: Annotated[
        float | None,
        typer.Option(
            "--older-than-days",
            min=0,
            help="Forget pairs and senders untouched for this many days, and older band "
            "history. Default: CHILDSAFE_CHAT_RETENTION_DAYS (180).",
        ),
    ] = None,
) -> None:
    """Forget chat pairs, senders and band history past retention. Review cases are kept."""
    from childsafe.chat import ChatService

    cli: CliContext = ctx.obj
    days = cli.settings.chat_retention_days if older_than_days is None else older_than_days
    if days <= 0:
        raise cli.fail(
            "retention is off (CHILDSAFE_CHAT_RETENTION_DAYS=0); pass --older-than-days N "
            "to prune anyway"
        )
    service = ChatService(
        cli.store.sessions, retention_days=days, dedup_days=cli.settings.chat_dedup_days
    )
    report = service.prune()
    cli.out.print(
        f"removed {report.pairs} pair(s), {report.senders} sender(s) and "
        f"{report.band_changes} band change(s) untouched for {days:g} day(s), and "
        f"{report.seen_messages} expired message digest(s)"
    )
