"""PDQ of the full-resolution picture, computed from a reduced (JPEG DCT-scaled) decode.

Decoding a 12 MP JPEG at full size costs more than 10x what the whole hash may cost, and
hashing a reduced decode with the plain algorithm drifts: PDQ's box widths are rounded from the
*decoded* size and its sample points sit on the decoded grid. But blur-and-decimate is linear
and separable: the 64x64 buffer is ``Mr @ luma @ Mc.T`` with one 64xN weight matrix per axis
(two box passes, then the sample). This module builds those matrices for the *full* size and
integrates them over the footprint each reduced pixel covers (a DCT-scaled pixel is, to first
order, the mean of its block), so the reduced raster is filtered as the full one would be:
same box widths, same edge clipping, same sample positions. Quality, DCT and median thresholds
are then the reference's (:mod:`childsafe.signals.pdq_kernels`).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from childsafe.signals.pdq_kernels import (
    DCT_MATRIX,
    bits_of,
    dct64_to_16,
    decimation_indices,
    dihedral_bits,
    jit,
    luma,
    quality_of,
    window_size,
)


def _box_ranges(n: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """First and one-past-last input index averaged into each output of one box pass.

    The reference's four-phase running sum puts output ``o`` over ``[o + h - w, o + h - 1]``
    with ``h = (w + 2) // 2``, clipped to the side and divided by the clipped count.
    """
    w = window_size(n)
    h = (w + 2) // 2
    o = np.arange(n, dtype=np.int64)
    return np.maximum(o + h - w, 0), np.minimum(o + h, n)


def full_weights(n: int) -> npt.NDArray[np.float64]:
    """64 x n: weight of each full-resolution pixel in each decimated sample (two passes)."""
    lo, hi = _box_ranges(n)
    inv = 1.0 / (hi - lo)
    out = np.zeros((64, n + 1), dtype=np.float64)
    for i, p in enumerate(decimation_indices(n)):
        # Pass 2 averages pass-1 outputs q in [lo[p], hi[p]); each is a uniform run over
        # [lo[q], hi[q]). Add the runs as a difference array, then integrate.
        q = np.arange(lo[p], hi[p])
        wq = inv[p] * inv[q]
        np.add.at(out[i], lo[q], wq)
        np.add.at(out[i], hi[q], -wq)
    return np.cumsum(out, axis=1)[:, :n]


def axis_scale(full: int, reduced: int) -> float:
    """Pixels of the full side per reduced pixel: the integer DCT ratio when it is one."""
    s = round(full / reduced)
    if s >= 1 and math.ceil(full / s) == reduced:
        return float(s)
    return full / reduced


@jit
def _banded_product(y: Any, mr: Any, rb: Any, mc: Any, cb: Any, out: Any) -> None:
    """``out = mr @ y @ mc.T`` over the few nonzero taps of each weight row.

    Not BLAS: a 64xN product is too small to gain from threads, and on a busy machine
    OpenBLAS's spinning threads made it 30x slower than this loop.
    """
    w = y.shape[1]
    t = np.zeros((64, w), dtype=np.float64)
    for i in range(64):
        for r in range(rb[i, 0], rb[i, 1]):
            c = np.float64(mr[i, r])
            for x in range(w):
                t[i, x] += c * y[r, x]
    for i in range(64):
        for j in range(64):
            acc = 0.0
            for x in range(cb[j, 0], cb[j, 1]):
                acc += t[i, x] * mc[j, x]
            out[i, j] = np.float32(acc)


def _bands(m: npt.NDArray[np.float32]) -> npt.NDArray[np.int64]:
    """First and one-past-last nonzero column of each weight row."""
    nz = m != 0
    first = np.argmax(nz, axis=1)
    last = m.shape[1] - np.argmax(nz[:, ::-1], axis=1)
    return np.stack([first, last], axis=1).astype(np.int64)


@lru_cache(maxsize=64)
def reduced_weights(full: int, reduced: int, from_end: bool) -> npt.NDArray[np.float32]:
    """64 x reduced: the full-size weights integrated over each reduced pixel's footprint.

    Reduced pixel ``x`` covers ``[x * s, (x + 1) * s)`` of the full side, clipped to it (the
    encoder pads a partial block by repeating the edge, so the clipped part is what it shows).
    ``from_end`` anchors the block grid at the far end instead, for an axis the EXIF
    orientation reversed after decoding.
    """
    wf = full_weights(full)
    if from_end:
        wf = wf[:, ::-1]
    cum = np.concatenate([np.zeros((64, 1)), np.cumsum(wf, axis=1)], axis=1)
    s = axis_scale(full, reduced)
    edges = np.minimum(np.arange(reduced + 1, dtype=np.float64) * s, full)
    base = np.floor(edges).astype(np.int64)
    frac = edges - base
    nxt = np.minimum(base + 1, full)
    at = cum[:, base] + (cum[:, nxt] - cum[:, base]) * frac  # piecewise-linear integral
    m = np.diff(at, axis=1)
    if from_end:
        m = m[:, ::-1]
    return np.ascontiguousarray(m, dtype=np.float32)


def _buffer64(
    rgb: npt.NDArray[np.uint8], full_size: tuple[int, int], reversed_axes: tuple[bool, bool]
) -> npt.NDArray[np.float32]:
    full_w, full_h = full_size
    h, w = rgb.shape[:2]
    y = luma(rgb)
    mr = reduced_weights(full_h, h, reversed_axes[1])
    mc = reduced_weights(full_w, w, reversed_axes[0])
    out = np.empty((64, 64), dtype=np.float32)
    _banded_product(y, mr, _bands(mr), mc, _bands(mc), out)
    return out


def pdq_hash_scaled(
    rgb: npt.NDArray[np.uint8],
    full_size: tuple[int, int],
    reversed_axes: tuple[bool, bool] = (False, False),
    n_variants: int = 1,
) -> tuple[npt.NDArray[np.uint8], int]:
    """Bits (``n_variants`` x 256, pdqhash's order) and quality of the full-size picture.

    ``full_size`` is (width, height) of the upright original; ``reversed_axes`` says for the
    upright x and y axes whether the decoder's block grid starts at the far end.
    """
    full_w, full_h = full_size
    out = np.zeros((n_variants, 256), dtype=np.uint8)
    if full_w < 5 or full_h < 5:
        return out, 0
    a = _buffer64(np.ascontiguousarray(rgb, dtype=np.uint8), full_size, reversed_axes)
    q = quality_of(a)
    b = np.empty((16, 16), dtype=np.float32)
    dct64_to_16(a, DCT_MATRIX, b)
    if n_variants == 1:
        bits_of(b, out[0])
    else:
        dihedral_bits(b, out)
    return out, int(q)
