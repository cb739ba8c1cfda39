"""``childsafe hash``: print the signals of files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated

import typer

from childsafe.cli.context import CliContext
from childsafe.cli.files import default_workers, run_parallel, walk
from childsafe.media import DecodeLimits
from childsafe.plugins import Registry, load_registry
from childsafe.scan.hashing import HashOutcome, hash_bytes


@cache
def _worker_registry() -> Registry:
    """One registry per worker process, built on first use (never at import)."""
    return load_registry()


@dataclass(frozen=True)
class HashJob:
    """A picklable unit of work for the process pool."""

    limits: DecodeLimits
    signal_types: tuple[str, ...] | None = None
    #: Keep the decoded raster on the outcome (for variants computed in the same worker).
    keep_content: bool = False
    #: Also hash every frame of animations.
    all_frames: bool = False

    def __call__(self, path: Path) -> HashOutcome:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return HashOutcome(error="no such file", reason="not_found")
        except IsADirectoryError:
            return HashOutcome(error="is a directory", reason="not_a_file")
        except PermissionError:
            return HashOutcome(error="permission denied", reason="unreadable")
        except OSError as e:
            return HashOutcome(error=f"cannot read file: {e.strerror}", reason="unreadable")
        if len(data) > self.limits.max_bytes:
            return HashOutcome(
                error=f"file is {len(data)} bytes, over the limit of {self.limits.max_bytes}",
                reason="too_large",
            )
        out = hash_bytes(
            data, _worker_registry(), self.limits, self.signal_types, frames=self.all_frames
        )
        if not self.keep_content:
            out.content = None  # rasters stay in the worker
        return out


def hash_command(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files or directories (walked recursively).")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    signal: Annotated[
        list[str] | None,
        typer.Option("--signal", "-s", help="Only these signal types (default: all)."),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", "-j", help="Parallel processes (default: all cores).")
    ] = 0,
    all_frames: Annotated[
        bool,
        typer.Option("--all-frames", help="Also PDQ-hash every frame of animated GIF/WebP/APNG."),
    ] = False,
) -> None:
    """Print each file's signals (PDQ with its quality, MD5, SHA-256).

    Exits with status 1 if any file could not be hashed, after trying all of them.
    """
    cli: CliContext = ctx.obj
    if signal:
        for s in signal:
            if s not in cli.registry.signal_types:
                known = ", ".join(sorted(cli.registry.signal_types))
                raise typer.BadParameter(f"unknown signal type {s!r} (known: {known})")
    files = list(walk(paths))
    if not files:
        cli.err.print("[yellow]no files found")
        raise typer.Exit(1)
    cli.prepare_hashing()
    job = HashJob(cli.limits, tuple(signal) if signal else None, all_frames=all_frames)
    failed = 0
    for path, outcome in run_parallel(
        job, files, workers=workers or default_workers(), label="hashing", console=cli.err
    ):
        if not outcome.ok:
            failed += 1
        if as_json:
            print(json.dumps({"path": str(path), **outcome.to_json()}), flush=False)
        elif outcome.ok:
            parts = []
            for name, sig in outcome.signals.items():
                q = f" (quality {sig.quality}{', LOW' if sig.low_quality else ''})"
                parts.append(f"{name}={sig.value}" + (q if sig.quality is not None else ""))
            for i, f in enumerate(outcome.frames or []):
                parts.append(f"frame {i}: pdq={f.value} (quality {f.quality})")
            cli.out.print(f"[bold]{path}[/bold]\n  " + "\n  ".join(parts))
        else:
            cli.err.print(f"[red]{path}: {outcome.error}")
    if not as_json and len(files) > 1:
        cli.err.print(f"{len(files) - failed} hashed, {failed} failed")
    if failed:
        raise typer.Exit(1)
