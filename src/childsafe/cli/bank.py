"""``childsafe bank ...``: create banks, bank files, import and export hash lists."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from childsafe.cli.context import CliContext
from childsafe.cli.files import default_workers, run_parallel, walk
from childsafe.cli.hash import HashJob
from childsafe.media import DecodeLimits
from childsafe.scan.hashing import BankedSignal, HashOutcome, banked_signals
from childsafe.signals.variants import DEFAULT_BANK_VARIANTS, VARIANTS

# The bank service (and SQLAlchemy under it) is imported inside the commands that use it, so
# `childsafe hash` and `--help` start without loading the database layer.

bank_app = typer.Typer(
    help="Banks: named hash lists that scans match against.", no_args_is_help=True
)


@bank_app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Bank name: 1-64 of A-Z a-z 0-9 _ . -")],
    action: Annotated[
        str, typer.Option(help="What a match does: block, review, or allow (an allowlist).")
    ] = "block",
    description: Annotated[str, typer.Option(help="Free text for operators.")] = "",
    threshold: Annotated[
        int | None, typer.Option(help="PDQ distance threshold (default 31 bits of 256).")
    ] = None,
    label: Annotated[
        list[str] | None, typer.Option("--label", "-l", help="Labels, e.g. an industry class.")
    ] = None,
    dihedral: Annotated[
        bool, typer.Option("--dihedral", help="Also match rotated and mirrored copies.")
    ] = False,
    trim_borders: Annotated[
        bool, typer.Option("--trim-borders", help="Trim uniform borders before matching.")
    ] = False,
    variants: Annotated[
        str,
        typer.Option(
            help=f"Extra views banked per added file, comma-separated ({', '.join(VARIANTS)})."
        ),
    ] = "",
    edits: Annotated[
        bool,
        typer.Option(
            "--match-edits",
            help="Shortcut: --dihedral --trim-borders --variants "
            + ",".join(DEFAULT_BANK_VARIANTS),
        ),
    ] = False,
) -> None:
    """Create a bank."""
    from childsafe.banks import BankError

    cli: CliContext = ctx.obj
    names = [v.strip() for v in variants.split(",") if v.strip()]
    if edits:
        dihedral = trim_borders = True
        names = names or list(DEFAULT_BANK_VARIANTS)
    try:
        b = cli.banks.create_bank(
            name,
            action=action,
            description=description,
            threshold=threshold,
            labels=label or (),
            match_dihedral=dihedral,
            trim_borders=trim_borders,
            variants=names,
        )
    except BankError as e:
        raise cli.fail(e) from None
    cli.err.print(f"created bank [bold]{b.name}[/bold] (action {b.action})")


@dataclass(frozen=True)
class BankFileJob:
    """Hash a file plus the extra views its bank stores, in a worker process."""

    limits: DecodeLimits
    variants: tuple[str, ...]
    min_quality: int

    def __call__(self, path: Path) -> tuple[HashOutcome, list[BankedSignal], list[str]]:
        outcome = HashJob(self.limits, keep_content=True)(path)
        triples, notes = banked_signals(outcome, self.variants, self.min_quality)
        outcome.content = None
        return outcome, triples, notes


@bank_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Bank to add to.")],
    paths: Annotated[list[Path], typer.Argument(help="Files or directories to bank.")],
    label: Annotated[list[str] | None, typer.Option("--label", "-l", help="Entry labels.")] = None,
    min_quality: Annotated[
        int, typer.Option(help="Skip PDQ hashes below this quality (they match too loosely).")
    ] = 50,
    workers: Annotated[int, typer.Option("--workers", "-j", help="Parallel processes.")] = 0,
) -> None:
    """Hash files and bank each one as an entry (with the bank's extra views)."""
    from childsafe.banks import BankError, DuplicateSignal

    cli: CliContext = ctx.obj
    try:
        bank = cli.banks.get_bank(name)
    except BankError as e:
        raise cli.fail(e) from None
    files = list(walk(paths))
    cli.prepare_hashing()
    job = BankFileJob(cli.limits, bank.variants, min_quality)
    added = dup = failed = 0
    for path, (outcome, triples, notes) in run_parallel(
        job, files, workers=workers or default_workers(), label="banking", console=cli.err
    ):
        for note in notes:
            cli.err.print(f"[yellow]{path}: {note}")
        if not outcome.ok or not triples:
            failed += 1
            cli.err.print(f"[red]{path}: {outcome.error or 'no usable signal'}")
            continue
        try:
            cli.banks.add_entry(
                name, triples, labels=label or (), external_id=path.name, added_by="cli"
            )
            added += 1
        except DuplicateSignal as e:
            dup += 1
            cli.err.print(f"[yellow]{path}: already banked ({e})")
        except BankError as e:
            failed += 1
            cli.err.print(f"[red]{path}: {e}")
    cli.err.print(f"added {added}, already banked {dup}, failed {failed}")
    if failed:
        raise typer.Exit(1)


@bank_app.command("import")
def import_(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Bank to import into.")],
    file: Annotated[Path, typer.Argument(help="Hash list: one per line, or CSV; '-' for stdin.")],
    signal_type: Annotated[
        str | None,
        typer.Option("--signal-type", "-t", help="Type of every line (plain lists)."),
    ] = None,
    label: Annotated[list[str] | None, typer.Option("--label", "-l")] = None,
    strict: Annotated[
        bool, typer.Option(help="Refuse the whole file if any line is invalid.")
    ] = False,
) -> None:
    """Import a hash list: plain lines (with --signal-type) or CSV with a signal_type column.

    Valid lines are kept and invalid ones listed with their line numbers (unless --strict).
    """
    from childsafe.banks import BankError

    cli: CliContext = ctx.obj
    try:
        stream = sys.stdin if str(file) == "-" else file.open(encoding="utf-8-sig", newline="")
    except OSError as e:
        raise cli.fail(f"cannot read {file}: {e.strerror}") from None
    try:
        with cli.err.status("importing…"), stream:
            report = cli.banks.import_signals(
                name, stream, signal_type=signal_type, labels=label or (), strict=strict
            )
    except BankError as e:
        raise cli.fail(e) from None
    except UnicodeDecodeError:
        raise cli.fail(f"{file} is not UTF-8 text") from None
    for bad in report.invalid:
        cli.err.print(f"[yellow]line {bad.line}: {bad.reason}")
    if report.invalid_count > len(report.invalid):
        cli.err.print(f"[yellow]… and {report.invalid_count - len(report.invalid)} more")
    verb = "refused (strict): nothing imported" if report.rolled_back else "imported"
    cli.err.print(
        f"{verb}: {report.added} added, {report.duplicates} duplicates skipped, "
        f"{report.invalid_count} invalid of {report.lines_read} lines"
    )
    if not report.ok:
        raise typer.Exit(1)


@bank_app.command("export")
def export(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Bank to export.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default stdout).")
    ] = None,
    include_disabled: Annotated[bool, typer.Option(help="Include disabled entries.")] = False,
) -> None:
    """Write a bank's signals as CSV (re-importable with `bank import`)."""
    from childsafe.banks import BankError, write_csv

    cli: CliContext = ctx.obj
    try:
        rows = cli.banks.export_bank(name, include_disabled=include_disabled)
        if output is None:
            n = write_csv(rows, sys.stdout)
        else:
            with output.open("w", encoding="utf-8", newline="") as f:
                n = write_csv(rows, f)
    except BankError as e:
        raise cli.fail(e) from None
    cli.err.print(f"exported {n} signal(s)")


@bank_app.command("list")
def list_(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List banks with their settings and entry counts."""
    cli: CliContext = ctx.obj
    banks = cli.banks.list_banks()
    if as_json:
        for b in banks:
            print(
                json.dumps(
                    {
                        "name": b.name,
                        "action": b.action,
                        "enabled": b.enabled,
                        "threshold": b.threshold,
                        "entries": b.entry_count,
                        "disabled_entries": b.disabled_count,
                        "labels": list(b.labels),
                        "match_dihedral": b.match_dihedral,
                        "trim_borders": b.trim_borders,
                        "variants": list(b.variants),
                        "source": b.source,
                    }
                )
            )
        return
    if not banks:
        cli.err.print("no banks yet: create one with `childsafe bank create NAME`")
        return
    t = Table("bank", "action", "enabled", "threshold", "entries", "matching", "labels")
    for b in banks:
        opts = [
            o
            for o, on in (("rotations/flips", b.match_dihedral), ("trim borders", b.trim_borders))
            if on
        ]
        if b.variants:
            opts.append("banked views: " + " ".join(b.variants))
        t.add_row(
            b.name,
            b.action,
            "yes" if b.enabled else "no",
            str(b.threshold if b.threshold is not None else "default"),
            str(b.entry_count or 0),
            ", ".join(opts) or "plain",
            ", ".join(b.labels),
        )
    cli.out.print(t)


def _entry_op(ctx: typer.Context, entry_id: int, op: str) -> None:
    from childsafe.banks import BankError

    cli: CliContext = ctx.obj
    try:
        e = getattr(cli.banks, f"{op}_entry")(entry_id)
    except BankError as err:
        raise cli.fail(err) from None
    cli.err.print(f"entry {e.id} in bank {e.bank_name}: {op}d")


@bank_app.command("disable-entry")
def disable_entry(ctx: typer.Context, entry_id: int) -> None:
    """Stop an entry matching (kept, and re-enablable), e.g. after a false positive."""
    _entry_op(ctx, entry_id, "disable")


@bank_app.command("enable-entry")
def enable_entry(ctx: typer.Context, entry_id: int) -> None:
    """Let a disabled entry match again."""
    _entry_op(ctx, entry_id, "enable")


@bank_app.command("delete-entry")
def delete_entry(ctx: typer.Context, entry_id: int) -> None:
    """Delete an entry (a tombstone is kept for audit and exchanges)."""
    _entry_op(ctx, entry_id, "delete")


@bank_app.command("delete")
def delete(
    ctx: typer.Context,
    name: str,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Delete a bank (its entries stop matching; a tombstone is kept)."""
    from childsafe.banks import BankError

    cli: CliContext = ctx.obj
    if not yes and not typer.confirm(f"Delete bank {name!r}?"):
        raise typer.Exit(1)
    try:
        cli.banks.delete_bank(name)
    except BankError as e:
        raise cli.fail(e) from None
    cli.err.print(f"deleted bank {name}")


@bank_app.command("enable")
def enable(ctx: typer.Context, name: str) -> None:
    """Enable a bank (it takes part in scans)."""
    _set_enabled(ctx, name, True)


@bank_app.command("disable")
def disable(ctx: typer.Context, name: str) -> None:
    """Disable a bank (kept, but left out of scans)."""
    _set_enabled(ctx, name, False)


def _set_enabled(ctx: typer.Context, name: str, enabled: bool) -> None:
    from childsafe.banks import BankError

    cli: CliContext = ctx.obj
    try:
        cli.banks.update_bank(name, enabled=enabled)
    except BankError as e:
        raise cli.fail(e) from None
    cli.err.print(f"bank {name} {'enabled' if enabled else 'disabled'}")
