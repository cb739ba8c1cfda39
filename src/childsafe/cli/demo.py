"""``childsafe demo``: see matching work in one command, on generated benign pictures."""

from __future__ import annotations

import typer
from rich.table import Table

from childsafe.cli.context import CliContext
from childsafe.scan.hashing import hash_bytes
from childsafe.scan.query import build_query


def demo_command(ctx: typer.Context) -> None:
    """Create a demo bank of generated pictures and scan altered copies of them.

    Everything is written to the data directory (--home); running it again reuses the bank.
    """
    from childsafe.demo.seed import DEMO_BANK, seed_demo
    from childsafe.scan.service import Scanner

    cli: CliContext = ctx.obj
    cli.prepare_hashing()
    folder = cli.settings.home / "demo-uploads"
    with cli.err.status("creating the demo bank and sample uploads…"):
        uploads = seed_demo(cli.banks, cli.registry, folder)
        scanner = Scanner.load(cli.banks, cli.registry, [DEMO_BANK])
    table = Table("upload", "decision", "matched entry", "distance", "how")
    for path in uploads:
        outcome = hash_bytes(path.read_bytes(), cli.registry, cli.limits)
        result = scanner.scan(build_query(outcome, scanner.options))
        best = result.matches[0] if result.matches else None
        table.add_row(
            path.name,
            "[red]block[/red]" if result.matched else "[green]allow[/green]",
            str(best.entry_id) if best else "",
            f"{best.signal_type} {best.distance}" if best else "",
            (best.query_variant or best.banked_variant or "as uploaded") if best else "",
        )
    cli.out.print(table)
    cli.out.print(
        f"\nData directory: {cli.settings.home}\n"
        f"Try:  childsafe --home {cli.settings.home} scan {folder}\n"
        f"      childsafe --home {cli.settings.home} bank list"
    )
