"""A saved matcher for the CLI, so a scan against millions of hashes starts in a second.

Each bank selection has one slot, ``<cache>/matcher/<key>/``, holding the saved indexes and
a ``manifest.json`` that says which store state they were built from: the database, its last
change (seq *and* time, since SQLite reuses the seq of a rolled-back change and a restored
backup can be at the same seq with other contents), every selected bank's settings and entry
counts, and the signal types installed. Every mutation of a bank or entry appends to the
change log, so an unchanged marker means unchanged contents; anything else is a miss and the
caller rebuilds. The marker is read before the signals are streamed, so a change that lands
during a build leaves the saved copy looking older than it is (rebuilt next time), never newer.

A slot is written in a temporary directory and renamed into place, and the manifest records
every file's size, so a crash mid-write or a truncated file is a miss too. Nothing here raises:
a cache that cannot be read or written costs a rebuild, never a failed or wrong scan.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from childsafe.banks import BankInfo
from childsafe.plugins import Registry
from childsafe.scan.matcher import Matcher

log = logging.getLogger(__name__)

#: Bump when the saved layout changes; older slots then read as misses.
FORMAT = 1
MANIFEST = "manifest.json"


def state(
    marker: tuple[int, str, str], banks: Sequence[BankInfo], registry: Registry
) -> dict[str, Any]:
    """Everything a saved matcher depends on, as plain JSON values."""
    seq, at, database = marker
    return {
        "format": FORMAT,
        "database": database,
        "change_seq": seq,
        "change_at": at,
        "banks": [_bank(b) for b in sorted(banks, key=lambda b: b.id)],
        "types": {n: [t.kind, t.bits] for n, t in sorted(registry.signal_types.items())},
    }


def _bank(b: BankInfo) -> list[object]:
    return [
        b.id,
        b.name,
        b.action,
        b.threshold,
        b.enabled,
        list(b.labels),
        b.match_dihedral,
        b.trim_borders,
        list(b.variants),
        b.updated_at.isoformat(),
        b.entry_count,
        b.disabled_count,
    ]


def slot(cache_dir: Path, database: str, bank_ids: Sequence[int]) -> Path:
    key = json.dumps([database, sorted(bank_ids)])
    return cache_dir / "matcher" / hashlib.sha256(key.encode()).hexdigest()[:24]


def load(
    path: Path, want: Mapping[str, Any], registry: Registry, banks: Mapping[int, BankInfo]
) -> Matcher | None:
    """The matcher saved at ``path`` if it was built from exactly ``want``, else None."""
    try:
        manifest = json.loads((path / MANIFEST).read_text())
        if manifest.get("state") != json.loads(json.dumps(want)):
            return None
        for name, size in manifest["files"].items():
            if (path / name).stat().st_size != size:
                raise ValueError(f"{name} is {((path / name).stat().st_size)} bytes, not {size}")
        return Matcher.open(registry, banks, path, manifest["layout"])
    except FileNotFoundError:
        return None
    except Exception as e:  # a damaged cache is a miss, whatever the damage
        log.warning("ignoring the matcher cache at %s: %s", path, e)
        return None


def save(path: Path, matcher: Matcher, built_from: Mapping[str, Any]) -> None:
    """Write ``matcher`` to ``path`` atomically; drop slots left stale by newer changes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=path.parent))
    try:
        layout = matcher.save(tmp)
        files = {
            str(f.relative_to(tmp)): f.stat().st_size for f in sorted(tmp.rglob("*")) if f.is_file()
        }
        manifest = {"state": built_from, "layout": layout, "files": files}
        (tmp / MANIFEST).write_text(json.dumps(manifest))
        old = path.with_name(f".old-{path.name}-{os.getpid()}")
        if path.exists():
            path.rename(old)  # readers that mapped the old files keep them until they close
        tmp.rename(path)
        shutil.rmtree(old, ignore_errors=True)
    except Exception as e:
        log.warning("could not save the matcher cache at %s: %s", path, e)
        shutil.rmtree(tmp, ignore_errors=True)
        return
    _prune(path, built_from)


def _prune(keep: Path, built_from: Mapping[str, Any]) -> None:
    """Remove slots that can never hit again: built before the latest change, or unreadable.

    Leftovers of interrupted writes are removed once they are an hour old (a younger one may
    be another process's write in progress).
    """
    for other in keep.parent.iterdir():
        try:
            if other == keep:
                continue
            if other.name.startswith("."):
                stale = time.time() - other.stat().st_mtime > 3600
            else:
                try:
                    seen = json.loads((other / MANIFEST).read_text())["state"]
                    stale = (
                        seen["database"] == built_from["database"]
                        and seen["change_seq"] < built_from["change_seq"]
                    )
                except (OSError, ValueError, KeyError, TypeError):
                    stale = True
            if stale:
                shutil.rmtree(other, ignore_errors=True)
        except OSError:
            continue
