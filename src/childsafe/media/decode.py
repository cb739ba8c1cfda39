"""Turning untrusted bytes into upright RGB rasters, refusing hostile files by name.

Order of work for every file: size limits on the bytes, a signature sniff (the only thing that
decides the format), the header's pixel count against the limits (before any pixel is decoded,
and again for every frame), then decoding, colour conversion (:mod:`childsafe.media.convert`)
and EXIF orientation. Any exception from a codec becomes a :class:`MediaError` with a reason.

``for_pdq=True`` decodes JPEGs at a reduced size with libjpeg's DCT scaling (Pillow's draft
mode): the full decode is where most of the time of hashing a camera photo goes. See
:data:`PDQ_MIN_SIDE`.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from PIL import Image, UnidentifiedImageError, features

from childsafe.media.convert import apply_orientation, exif_orientation, swaps_axes, to_rgb
from childsafe.media.errors import (
    DecompressionBombError,
    EmptyFileError,
    MediaError,
    NoSuchFrameError,
    NotAnImageError,
    TooLargeError,
    TruncatedError,
    UnsupportedFormatError,
)
from childsafe.media.formats import PILLOW_FORMATS, Sniffed, sniff
from childsafe.media.types import DecodedImage, DecodeLimits

#: Smallest side a JPEG is decoded at when ``for_pdq=True`` (libjpeg DCT scaling picks 1/2, 1/4
#: or 1/8). Hashing such a decode with plain PDQ drifts badly (its box widths and sample points
#: follow the decoded size: up to 40 bits at 1/8), so :mod:`childsafe.signals.pdq` filters the
#: reduced raster as the full-size one would be filtered, using ``original_size`` and
#: ``orientation``. With that, over the benchmark corpus (``bench/hashing.py``: bundled photos
#: and generated images upscaled, JPEG q85-95, quality >= 80) decodes with a short side of at
#: least 300 px stayed within 6 bits of the full-resolution hash and 100-199 px reached 60;
#: 360 keeps 1/8 for 12 MP (4000x3000) and 1/4 for 3 MP photos. Anything that hashes a
#: ``for_pdq`` raster must do it through ``PdqSignal`` (not ``pdqhash`` directly).
PDQ_MIN_SIDE = 360


@dataclass
class _Source:
    """One opened container: header facts plus a way to get frame ``i`` as a Pillow image."""

    fmt: str
    size: tuple[int, int]
    mode: str
    frame_count: int
    get_frame: Callable[[int, int | None], Image.Image]
    orientation_from_exif: bool = True


@contextmanager
def _codec_errors(kind: str) -> Iterator[None]:
    """Codec failures come as OSError, ValueError, SyntaxError, struct.error, EOFError,
    IndexError, ...; callers only ever see a MediaError naming the problem."""
    try:
        yield
    except MediaError:
        raise
    except Image.DecompressionBombError as e:
        raise DecompressionBombError(
            f"{kind.upper()} refused by Pillow's bomb check: {e}"
        ) from None
    except MemoryError:
        raise DecompressionBombError(
            f"{kind.upper()} needs more memory than is available"
        ) from None
    except Exception as e:
        raise TruncatedError(
            f"{kind.upper()} data is truncated or corrupt ({type(e).__name__}: {e})"
        ) from None


def _check_pixels(size: tuple[int, int], limits: DecodeLimits, what: str) -> None:
    w, h = size
    if w <= 0 or h <= 0:
        raise TruncatedError(f"{what} declares an empty {w}x{h} canvas")
    if w * h > limits.max_pixels:
        raise DecompressionBombError(
            f"{what} declares {w}x{h} = {w * h} pixels, over the limit of {limits.max_pixels}"
        )


def _sniff_checked(data: bytes, limits: DecodeLimits) -> str:
    if not data:
        raise EmptyFileError("file is empty (0 bytes)")
    if len(data) > limits.max_bytes:
        raise TooLargeError(f"file is {len(data)} bytes, over the limit of {limits.max_bytes}")
    s: Sniffed = sniff(data)
    if s.kind is not None:
        return s.kind
    if s.unsupported:
        raise UnsupportedFormatError(f"{s.unsupported} images are not supported")
    what = f"looks like {s.described}" if s.described else "has no known image signature"
    raise NotAnImageError(f"not an image: the file {what}")


def _open_pillow(data: bytes, kind: str, limits: DecodeLimits) -> _Source:
    if kind == "avif" and not features.check("avif"):
        raise UnsupportedFormatError("AVIF needs a Pillow built with libavif")
    try:
        im = Image.open(io.BytesIO(data), formats=list(PILLOW_FORMATS[kind]))
    except UnidentifiedImageError:
        raise TruncatedError(
            f"file starts like {kind.upper()} but its header is truncated or corrupt"
        ) from None
    _check_pixels(im.size, limits, f"{kind.upper()} header")
    n = int(getattr(im, "n_frames", 1))

    def get_frame(i: int, pdq_side: int | None) -> Image.Image:
        if i:
            im.seek(i)
            _check_pixels(im.size, limits, f"{kind.upper()} frame {i}")
        elif pdq_side is not None and im.format in ("JPEG", "MPO") and min(im.size) >= 2 * pdq_side:
            im.draft(im.mode, (pdq_side, pdq_side))
        im.load()
        return im

    return _Source(kind, im.size, im.mode, n, get_frame)


def _open_heif(data: bytes, limits: DecodeLimits) -> _Source:
    """HEIF through pillow-heif's own API, so no opener is registered into Pillow globally.

    libheif applies the container's rotation/mirror boxes (which take precedence over EXIF in
    HEIF) and pillow-heif then clears the EXIF orientation, so it must not be applied again.
    """
    try:
        import pillow_heif
    except ImportError:  # pragma: no cover - it is a dependency, but keep the message clear
        raise UnsupportedFormatError("HEIF/HEIC needs the pillow-heif package") from None
    try:
        heif = pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=True)
    except (ValueError, SyntaxError, RuntimeError) as e:
        raise TruncatedError(f"HEIF container is truncated or corrupt: {e}") from None
    size = (int(heif.size[0]), int(heif.size[1]))
    _check_pixels(size, limits, "HEIF header")

    # Frame 0 is the primary image (what viewers show); other top-level images follow in order.
    order = [heif.primary_index] + [j for j in range(len(heif)) if j != heif.primary_index]

    def get_frame(i: int, pdq_side: int | None) -> Image.Image:
        item = heif[order[i]]
        _check_pixels((int(item.size[0]), int(item.size[1])), limits, f"HEIF image {i}")
        return item.to_pillow()

    return _Source("heif", size, str(heif.mode), len(heif), get_frame, orientation_from_exif=False)


def _open(data: bytes, limits: DecodeLimits) -> _Source:
    kind = _sniff_checked(data, limits)
    with _codec_errors(kind):
        if kind == "heif":
            return _open_heif(data, limits)
        return _open_pillow(data, kind, limits)


def _render(src: _Source, index: int, for_pdq: bool) -> DecodedImage:
    """Decode frame ``index`` of an opened source into the canonical upright RGB raster."""
    with _codec_errors(src.fmt):
        im = src.get_frame(index, PDQ_MIN_SIDE if for_pdq else None)
        notes: list[str] = []
        if im.size != src.size and index == 0 and for_pdq:
            notes.append(f"dct_scaled_to_{im.size[0]}x{im.size[1]}")
        orientation = 1
        if src.orientation_from_exif:
            orientation, exif_notes = exif_orientation(im)
            notes.extend(exif_notes)
        rgb = apply_orientation(to_rgb(im), orientation)
        if orientation != 1:
            notes.append(f"exif_orientation_{orientation}")
        pixels = np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))
    w, h = src.size if index == 0 else im.size
    if index != 0 and im.size != src.size:
        notes.append("frame_size_differs")
    if swaps_axes(orientation):
        w, h = h, w
    return DecodedImage(
        pixels=pixels,
        format=src.fmt,
        original_size=(w, h),
        frame_count=src.frame_count,
        frame_index=index,
        source_mode=src.mode,
        notes=tuple(notes),
        orientation=orientation,
    )


def decode_image(
    data: bytes, limits: DecodeLimits | None = None, *, for_pdq: bool = False, frame: int = 0
) -> DecodedImage:
    """Decode one frame (the first by default) of an image into an upright RGB raster.

    With ``for_pdq=True`` the raster may be smaller than the original (JPEG DCT scaling, short
    side >= :data:`PDQ_MIN_SIDE`); ``original_size`` is always the full upright size.
    """
    limits = limits or DecodeLimits()
    src = _open(data, limits)
    if not 0 <= frame < src.frame_count:
        raise NoSuchFrameError(f"frame {frame} requested but the file has {src.frame_count}")
    if frame >= limits.max_frames:
        raise NoSuchFrameError(f"frame {frame} is beyond the limit of {limits.max_frames} frames")
    return _render(src, frame, for_pdq and frame == 0)


def iter_frames(
    data: bytes, limits: DecodeLimits | None = None, *, for_pdq: bool = False
) -> Iterator[DecodedImage]:
    """Every frame of an animated GIF/WebP/APNG (or page of a TIFF, picture of an MPO/HEIF).

    At most ``limits.max_frames`` frames are produced; ``frame_count`` on each item is the
    file's real count, so a caller can tell that frames were left out. Animated frames are
    the composited canvas a viewer shows, not the raw patches stored in the file.
    """
    limits = limits or DecodeLimits()
    src = _open(data, limits)
    # DCT scaling only for a single picture: seeking a multi-picture JPEG after a draft is not
    # something Pillow promises to handle.
    scaled = for_pdq and src.frame_count == 1
    for i in range(min(src.frame_count, limits.max_frames)):
        yield _render(src, i, scaled)
