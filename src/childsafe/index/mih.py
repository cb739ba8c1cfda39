"""Exact Hamming range search for millions of hashes, mutable without full rebuilds.

Log-structured like Lucene: immutable multi-index-hashing segments (``segment.py``), a small
brute-force delta that absorbs adds, and tombstones for removals. When the delta fills it
becomes a segment, and segments merge geometrically (a newer segment at least half the size of
the one before it is merged into it), so each hash is rebuilt O(log n) times in total and no
single ``add`` or ``remove`` rebuilds everything unless the new data is as big as the old.
Merges drop tombstoned rows; a segment more than half dead is compacted on its own.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt

from childsafe.index import _kernels as k
from childsafe.index.base import HammingIndex, Hit, check_batch, check_ids, check_query
from childsafe.index.segment import Segment

_FORMAT = 1


def to_words(hashes: npt.NDArray[np.uint8], nwords: int) -> npt.NDArray[np.uint64]:
    """Packed big-endian bytes to native ``uint64`` words; zero padding keeps distances."""
    n, nbytes = hashes.shape
    if n == 1 and nbytes == nwords * 8:  # the per-query path: skip the general copies
        return np.frombuffer(hashes.tobytes(), dtype=">u8").astype(np.uint64).reshape(1, nwords)
    if nbytes != nwords * 8:
        padded = np.zeros((n, nwords * 8), dtype=np.uint8)
        padded[:, :nbytes] = hashes
        hashes = padded
    words: npt.NDArray[np.uint64] = (
        np.ascontiguousarray(hashes).view(">u8").astype(np.uint64).reshape(n, nwords)
    )
    return words


class MIHIndex(HammingIndex):
    """Multi-index hashing over LSM segments: the default index for Hamming signals."""

    def __init__(
        self,
        bits: int = 256,
        *,
        delta_limit: int = 8192,
        fixed_layout: tuple[int, int, int] | None = None,
    ) -> None:
        """``delta_limit``: adds buffered before a segment is built (each query scans them).

        ``fixed_layout`` (chunk bits, low bits per entry, chunks) forces multi-index tables
        on segments of any size, for tests and tuning; normally it is derived from the size.
        """
        if bits <= 0 or bits % 8:
            raise ValueError(f"bits must be a positive multiple of 8, got {bits}")
        if delta_limit < 1:
            raise ValueError(f"delta_limit must be positive, got {delta_limit}")
        if fixed_layout is not None:
            b, s, m = fixed_layout
            if not (1 <= b <= 32 and 0 <= s <= b and m >= 1 and m * b <= bits):
                raise ValueError(f"invalid layout (b, s, m) = {fixed_layout} for {bits} bits")
        self.bits = bits
        self.delta_limit = delta_limit
        self.fixed_layout = fixed_layout
        self._nbytes = bits // 8
        self._nwords = (bits + 63) // 64
        self._segments: list[Segment] = []
        self._delta_ids = np.empty(0, dtype=np.int64)
        self._delta_words = np.empty((0, self._nwords), dtype=np.uint64)

    def __len__(self) -> int:
        return sum(len(s) for s in self._segments) + int(self._delta_ids.shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's arrays (what a memory budget should count)."""
        delta = int(self._delta_ids.nbytes + self._delta_words.nbytes)
        return delta + sum(s.nbytes for s in self._segments)

    @property
    def segment_sizes(self) -> list[int]:
        return [len(s) for s in self._segments]

    def add(self, ids: npt.NDArray[np.int64], hashes: npt.NDArray[np.uint8]) -> None:
        ids, hashes = check_batch(ids, hashes, self._nbytes)
        if not ids.shape[0]:
            return
        words = to_words(hashes, self._nwords)
        if ids.shape[0] >= self.delta_limit:  # a bulk load becomes a segment directly
            self._append_segment(self._build(ids, words))
            return
        self._delta_ids = np.concatenate([self._delta_ids, ids])
        self._delta_words = np.concatenate([self._delta_words, words])
        if self._delta_ids.shape[0] >= self.delta_limit:
            self.flush()

    def flush(self) -> None:
        """Turn the delta into a segment (done automatically when it reaches ``delta_limit``)."""
        if self._delta_ids.shape[0]:
            segment = self._build(self._delta_ids, self._delta_words)
            self._delta_ids = self._delta_ids[:0]
            self._delta_words = self._delta_words[:0]
            self._append_segment(segment)

    def _build(self, ids: npt.NDArray[np.int64], words: npt.NDArray[np.uint64]) -> Segment:
        return Segment.build(ids, words, self.fixed_layout)

    def _merge(self, older: Segment, newer: Segment) -> Segment:
        ids_a, words_a = older.live()
        ids_b, words_b = newer.live()
        return self._build(np.concatenate([ids_a, ids_b]), np.concatenate([words_a, words_b]))

    def _append_segment(self, segment: Segment) -> None:
        self._segments.append(segment)
        segs = self._segments
        while len(segs) >= 2 and 2 * len(segs[-1]) >= len(segs[-2]):
            newer, older = segs.pop(), segs.pop()
            segs.append(self._merge(older, newer))

    def remove(self, ids: npt.NDArray[np.int64]) -> int:
        wanted = np.unique(check_ids(ids))
        removed = 0
        for i, segment in enumerate(self._segments):
            removed += segment.remove(wanted)
            if segment.n_dead * 2 > segment.ids.shape[0]:
                self._segments[i] = self._build(*segment.live())
        self._segments = [s for s in self._segments if len(s)]
        gone = np.isin(self._delta_ids, wanted)
        if gone.any():
            removed += int(gone.sum())
            self._delta_ids = self._delta_ids[~gone]
            self._delta_words = self._delta_words[~gone]
        return removed

    def search(self, query: npt.NDArray[np.uint8], threshold: int) -> list[Hit]:
        q = check_query(query, self._nbytes, threshold)
        qw = to_words(q[None, :], self._nwords)[0]
        r = int(threshold)
        found: list[tuple[int, int]] = []  # (distance, id)
        for segment in self._segments:
            seg_ids, seg_dist = segment.search(qw, r)
            if seg_ids.shape[0]:
                found += zip(seg_dist.tolist(), seg_ids.tolist(), strict=True)
        if self._delta_ids.shape[0]:
            rows, dist = k.scan(qw, self._delta_words, r, _NO_DEAD)
            if rows.shape[0]:
                found += zip(dist.tolist(), self._delta_ids[rows].tolist(), strict=True)
        found.sort()  # nearest first, then by id
        return [Hit(i, d) for d, i in found]

    def save(self, path: str | Path) -> None:
        """Write the index as ``.npy`` files plus a manifest, loadable with memory mapping."""
        directory = Path(path)
        directory.mkdir(parents=True, exist_ok=True)
        for i, segment in enumerate(self._segments):
            segment.save(directory, f"seg{i}")
        np.save(directory / "delta.ids.npy", self._delta_ids)
        np.save(directory / "delta.words.npy", self._delta_words)
        manifest = {
            "format": _FORMAT,
            "bits": self.bits,
            "delta_limit": self.delta_limit,
            "fixed_layout": self.fixed_layout,
            "segments": [{"b": s.b, "s": s.s, "forced": s.forced} for s in self._segments],
        }
        (directory / "manifest.json").write_text(json.dumps(manifest))

    @classmethod
    def load(cls, path: str | Path, *, mmap: bool = True) -> MIHIndex:
        """Open a saved index; with ``mmap`` the big arrays are paged in on demand."""
        directory = Path(path)
        manifest = json.loads((directory / "manifest.json").read_text())
        if manifest.get("format") != _FORMAT:
            raise ValueError(f"unsupported index format {manifest.get('format')!r}")
        fixed = manifest["fixed_layout"]
        index = cls(
            int(manifest["bits"]),
            delta_limit=int(manifest["delta_limit"]),
            fixed_layout=None if fixed is None else (int(fixed[0]), int(fixed[1]), int(fixed[2])),
        )
        index._segments = [
            Segment.load(
                directory, f"seg{i}", int(s["b"]), int(s["s"]), forced=bool(s["forced"]), mmap=mmap
            )
            for i, s in enumerate(manifest["segments"])
        ]
        index._delta_ids = np.load(directory / "delta.ids.npy")
        index._delta_words = np.load(directory / "delta.words.npy")
        return index


_NO_DEAD = np.zeros(0, dtype=np.uint8)
