"""``childsafe scan``: match files against banks."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from childsafe.cli.context import CliContext
from childsafe.cli.files import default_workers, run_parallel, walk
from childsafe.cli.hash import HashJob
from childsafe.media import DecodeLimits
from childsafe.scan.hashing import HashOutcome
from childsafe.scan.query import Query, QueryOptions, build_query


@dataclass(frozen=True)
class QueryJob:
    """Hash one file and compute the views the loaded banks ask for, in a worker process."""

    limits: DecodeLimits
    options: QueryOptions
    all_frames: bool = False

    def __call__(self, path: Path) -> tuple[HashOutcome, Query]:
        outcome = HashJob(self.limits, keep_content=True, all_frames=self.all_frames)(path)
        query = build_query(outcome, self.options) if outcome.ok else {}
        outcome.content = None
        return outcome, query


def scan_command(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files or directories (walked recursively).")],
    bank: Annotated[
        list[str] | None,
        typer.Option("--bank", "-b", help="Scan against these banks only (default: all enabled)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    workers: Annotated[
        int, typer.Option("--workers", "-j", help="Parallel processes (default: all cores).")
    ] = 0,
    all_frames: Annotated[
        bool,
        typer.Option("--all-frames", help="Match every frame of animations, not only the first."),
    ] = False,
) -> None:
    """Match files against banks and print a decision per file, then a summary.

    Exit status: 0 when nothing matched, 3 when any file matched a block or review bank,
    1 when any file could not be read (after all were tried).
    """
    from childsafe.banks import BankError
    from childsafe.scan.service import Scanner

    cli: CliContext = ctx.obj
    files = list(walk(paths))
    if not files:
        cli.err.print("[yellow]no files found")
        raise typer.Exit(1)
    try:
        with cli.err.status("loading banks…"):
            scanner = Scanner.load(
                cli.banks, cli.registry, bank, cache_dir=cli.settings.home / "cache"
            )
    except BankError as e:
        cli.err.print(f"[red]error:[/red] {e}")
        raise typer.Exit(2) from None
    if not scanner.banks:
        cli.err.print("[yellow]warning:[/yellow] no enabled banks; nothing can match")
    cli.prepare_hashing()
    job = QueryJob(cli.limits, scanner.options, all_frames)
    counts: Counter[str] = Counter()
    for path, (outcome, query) in run_parallel(
        job, files, workers=workers or default_workers(), label="scanning", console=cli.err
    ):
        if not outcome.ok:
            counts["error"] += 1
            if as_json:
                print(json.dumps({"path": str(path), **outcome.to_json()}))
            else:
                cli.err.print(f"[red]{path}: {outcome.error}")
            continue
        result = scanner.scan(query)
        counts["match" if result.matched else "no_match"] += 1
        if as_json:
            print(json.dumps({"path": str(path), **result.to_json()}))
        elif result.matches:
            colour = "red" if result.matched else "yellow"
            word = "MATCH" if result.matched else "allowlisted"
            cli.out.print(f"[{colour}]{word}[/{colour}] {path}")
            for m in result.matches:
                extra = f" via {m.query_variant}" if m.query_variant else ""
                cli.out.print(
                    f"    bank {m.bank} ({m.action}) entry {m.entry_id} "
                    f"{m.signal_type} distance {m.distance}{extra}"
                )
    total = sum(counts.values())
    cli.err.print(
        f"scanned {total} file(s) against {len(scanner.banks)} bank(s), "
        f"{len(scanner.matcher)} signal(s): {counts['match']} matched, "
        f"{counts['no_match']} clean, {counts['error']} unreadable"
    )
    if counts["error"]:
        raise typer.Exit(1)
    if counts["match"]:
        raise typer.Exit(3)
