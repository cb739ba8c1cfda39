"""``childsafe keys ...``: the API keys the HTTP service accepts.

The secret goes to stdout and nothing else does, so ``childsafe keys create x --scope scan >
key.txt`` (or a pipe into a secret store) captures exactly the key; the warning that it will not
be shown again goes to stderr, where the operator sees it without it polluting the capture.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from childsafe.cli.context import CliContext

# The key service (and SQLAlchemy under it) is imported inside the commands that use it, so
# `childsafe --help` starts without loading the database layer. For the same reason the scopes
# are spelled out here for the help text; a test keeps them equal to the service's.
SCOPES_HELP = ("scan", "chat", "curate", "review", "admin")

keys_app = typer.Typer(
    help="API keys for the HTTP service: create, list, revoke.", no_args_is_help=True
)


def _ts(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@keys_app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Label: 1-64 of A-Z a-z 0-9 _ . -")],
    scope: Annotated[
        list[str] | None,
        typer.Option(
            "--scope",
            "-s",
            help=f"What the key may do, repeatable: {', '.join(SCOPES_HELP)} (admin implies all).",
        ),
    ] = None,
) -> None:
    """Create a key and print its secret (once: only a hash is kept)."""
    from childsafe.auth import AuthError

    cli: CliContext = ctx.obj
    if not scope:
        raise cli.fail(f"give at least one --scope ({', '.join(SCOPES_HELP)})")
    try:
        info, secret = cli.keys.create(name, scope)
    except AuthError as e:
        raise cli.fail(e) from None
    print(secret)
    cli.err.print(
        f"created API key [bold]{escape(info.name)}[/bold] ({info.prefix}) with scopes "
        f"{', '.join(info.scopes)}\n[yellow]Store the secret now: it will not be shown again."
    )


@keys_app.command("list")
def list_(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    include_revoked: Annotated[bool, typer.Option("--all", help="Include revoked keys.")] = False,
) -> None:
    """List keys (names, prefixes, scopes, last use; never secrets)."""
    cli: CliContext = ctx.obj
    keys = cli.keys.list(include_revoked=include_revoked)
    if as_json:
        for k in keys:
            print(
                json.dumps(
                    {
                        "name": k.name,
                        "prefix": k.prefix,
                        "scopes": list(k.scopes),
                        "created_at": _ts(k.created_at),
                        "last_used_at": _ts(k.last_used_at),
                        "revoked_at": _ts(k.revoked_at),
                    }
                )
            )
        return
    if not keys:
        cli.err.print("no API keys yet: create one with `childsafe keys create NAME --scope scan`")
        return
    t = Table("name", "prefix", "scopes", "created", "last used", "revoked")
    for k in keys:
        t.add_row(
            escape(k.name),
            k.prefix,
            ", ".join(k.scopes),
            k.created_at.strftime("%Y-%m-%d %H:%M"),
            k.last_used_at.strftime("%Y-%m-%d %H:%M") if k.last_used_at else "never",
            k.revoked_at.strftime("%Y-%m-%d %H:%M") if k.revoked_at else "",
        )
    cli.out.print(t)


@keys_app.command("revoke")
def revoke(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name or prefix of the key to revoke.")],
) -> None:
    """Revoke a key: it stops working at once; its row is kept for audits."""
    from childsafe.auth import AuthError

    cli: CliContext = ctx.obj
    try:
        info = cli.keys.revoke(name)
    except AuthError as e:
        raise cli.fail(e) from None
    cli.err.print(f"revoked API key [bold]{escape(info.name)}[/bold] ({info.prefix})")
