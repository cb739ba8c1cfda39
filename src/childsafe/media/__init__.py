"""Decoding untrusted media into rasters, within limits, without I/O of its own."""

from childsafe.media.decode import PDQ_MIN_SIDE, decode_image, iter_frames
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
from childsafe.media.types import DecodedImage, DecodeLimits

__all__ = [
    "PDQ_MIN_SIDE",
    "DecodeLimits",
    "DecodedImage",
    "DecompressionBombError",
    "EmptyFileError",
    "MediaError",
    "NoSuchFrameError",
    "NotAnImageError",
    "TooLargeError",
    "TruncatedError",
    "UnsupportedFormatError",
    "decode_image",
    "iter_frames",
]
