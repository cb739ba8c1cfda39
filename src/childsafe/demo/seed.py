"""Seeding a data directory with a demo bank and sample uploads, all generated and benign."""

from __future__ import annotations

import contextlib
from pathlib import Path

from childsafe.banks import BankExists, BankService, DuplicateSignal
from childsafe.demo.images import altered_copies, encode, shapes_image
from childsafe.plugins import Registry
from childsafe.scan.hashing import banked_signals, hash_bytes
from childsafe.signals.variants import DEFAULT_BANK_VARIANTS

DEMO_BANK = "demo-known"
KNOWN_SEEDS = (101, 102, 103)
UNRELATED_SEEDS = (201, 202, 203)


def seed_demo(service: BankService, registry: Registry, folder: Path) -> list[Path]:
    """Create the demo bank (once) and write sample uploads; returns the upload paths.

    The bank holds three generated pictures with edited-copy matching switched on; the
    uploads are altered copies of them (which should match) and unrelated pictures (which
    should not).
    """
    with contextlib.suppress(BankExists):
        service.create_bank(
            DEMO_BANK,
            action="block",
            description="Generated demo pictures (benign shapes), for trying childsafe out.",
            labels=["demo"],
            match_dihedral=True,
            trim_borders=True,
            variants=DEFAULT_BANK_VARIANTS,
        )
    folder.mkdir(parents=True, exist_ok=True)
    uploads: list[Path] = []
    for seed in KNOWN_SEEDS:
        img = shapes_image(seed)
        outcome = hash_bytes(encode(img), registry)
        signals, _ = banked_signals(outcome, DEFAULT_BANK_VARIANTS, min_quality=50)
        with contextlib.suppress(DuplicateSignal):
            service.add_entry(
                DEMO_BANK, signals, external_id=f"demo-{seed}", labels=["demo"], added_by="demo"
            )
        for kind, copy in altered_copies(img).items():
            path = folder / f"known-{seed}-{kind}.jpg"
            path.write_bytes(encode(copy, quality=85))
            uploads.append(path)
    for seed in UNRELATED_SEEDS:
        path = folder / f"unrelated-{seed}.jpg"
        path.write_bytes(encode(shapes_image(seed)))
        uploads.append(path)
    return uploads
