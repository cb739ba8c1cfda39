"""The ``childsafe`` command: global options, and the sub-commands wired in one place."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from childsafe.cli.audit import audit_app
from childsafe.cli.bank import bank_app
from childsafe.cli.chat import chat_app
from childsafe.cli.chat_check import check_command
from childsafe.cli.chat_exemplars import exemplars_app
from childsafe.cli.chat_probe import probe_command
from childsafe.cli.chat_retention import prune_command
from childsafe.cli.context import CliContext
from childsafe.cli.demo import demo_command
from childsafe.cli.hash import hash_command
from childsafe.cli.keys import keys_app
from childsafe.cli.scan import scan_command
from childsafe.cli.serve import serve_command
from childsafe.cli.webhooks import webhooks_app

app = typer.Typer(
    name="childsafe",
    help="Child-safety infrastructure: hash media, keep hash banks, scan files against them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from childsafe import __version__

        print(f"childsafe {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            envvar="CHILDSAFE_HOME",
            help="Data directory (database, local state). Default: the user's data dir.",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", is_eager=True, callback=_version
        ),
    ] = False,
) -> None:
    ctx.obj = CliContext.create(home)


app.command("hash")(hash_command)
app.command("scan")(scan_command)
app.add_typer(bank_app, name="bank")
app.add_typer(keys_app, name="keys")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(audit_app, name="audit")
chat_app.command("prune")(prune_command)
chat_app.command("probe")(probe_command)
chat_app.command("check")(check_command)
chat_app.add_typer(exemplars_app, name="exemplars")
app.add_typer(chat_app, name="chat")
app.command("demo")(demo_command)
app.command("serve")(serve_command)


def main() -> None:
    app()
