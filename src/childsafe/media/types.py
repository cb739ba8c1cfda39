"""Value types shared by the media decoders and their callers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class DecodeLimits:
    """Hard limits applied before and during decoding.

    They exist so that a hostile upload (a decompression bomb, a 2 GB "image", a GIF with a
    million frames) is refused with a named reason instead of exhausting the worker.
    """

    max_bytes: int = 100 * 1024 * 1024
    max_pixels: int = 150_000_000
    max_frames: int = 2_000


@dataclass(frozen=True)
class DecodedImage:
    """An upright RGB raster ready for hashing.

    ``pixels`` may be smaller than the original when the decoder used JPEG DCT scaling or
    another reduced decode; ``original_size`` is always the upright full-resolution size.
    """

    pixels: npt.NDArray[np.uint8]  # (height, width, 3), C-contiguous
    format: str  # lower-case container name: "jpeg", "png", "gif", "webp", ...
    original_size: tuple[int, int]  # (width, height) after EXIF orientation
    frame_count: int = 1
    frame_index: int = 0
    source_mode: str = "RGB"  # the Pillow mode the file was stored in ("CMYK", "P", "I;16", ...)
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: EXIF orientation (1-8) that was applied to make ``pixels`` upright. A reduced decode's
    #: pixel grid is aligned with the stored picture, so a hasher that maps reduced pixels back
    #: to full-resolution positions needs to know which upright axes were reversed.
    orientation: int = 1

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])
