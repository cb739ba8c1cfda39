"""Compiling the hashing kernels before work starts, once, in the parent process.

The PDQ kernels are compiled by numba on first use (tens of seconds on a fresh install, under
a second from its cache afterwards). Doing it here, before worker processes fork, means the
workers inherit compiled code instead of each compiling or loading it again, and the CLI can
say what is happening instead of looking stuck.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from childsafe.plugins import Registry
from childsafe.scan.hashing import hash_bytes


def warm_up(registry: Registry) -> None:
    """Hash two tiny generated pictures: one full-size raster, one DCT-scaled JPEG."""
    rng = np.random.default_rng(0)
    small = Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8))
    for size, fmt in (((64, 64), "PNG"), ((1600, 1200), "JPEG")):
        buf = io.BytesIO()
        small.resize(size, Image.Resampling.BILINEAR).save(buf, fmt)
        hash_bytes(buf.getvalue(), registry)
