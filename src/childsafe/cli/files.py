"""Walking the paths a user names, and working through them in parallel with progress."""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

T = TypeVar("T")


def walk(paths: Iterable[Path]) -> Iterator[Path]:
    """Files under each path, in a stable order; hidden files and folders are skipped."""
    for p in paths:
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    if not f.startswith("."):
                        yield Path(root) / f
        else:
            yield p  # a missing file is reported by the worker, with its path


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def run_parallel(
    func: Callable[[Path], T],
    files: list[Path],
    *,
    workers: int,
    label: str,
    console: Console,
) -> Iterator[tuple[Path, T]]:
    """Yield ``(path, func(path))`` in input order, across ``workers`` processes.

    Results stream in order so JSON lines come out deterministically; a progress bar is shown
    only when stderr is a terminal, so piped output stays clean.
    """
    show = console.is_terminal and sys.stderr.isatty() and len(files) > 1
    progress = Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not show,
    )
    with progress:
        task = progress.add_task(label, total=len(files))
        if workers <= 1 or len(files) < 4:
            for f in files:
                yield f, func(f)
                progress.advance(task)
            return
        # Fork where the platform has it, so workers inherit the kernels the parent compiled
        # (see childsafe.scan.warmup) instead of loading them again each.
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork") if "fork" in methods else None
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            window = workers * 8
            pending: list[tuple[Path, Future[T]]] = []
            it = iter(files)
            for f in it:
                pending.append((f, pool.submit(func, f)))
                if len(pending) >= window:
                    break
            while pending:
                f, fut = pending.pop(0)
                yield f, fut.result()
                progress.advance(task)
                nxt = next(it, None)
                if nxt is not None:
                    pending.append((nxt, pool.submit(func, nxt)))
