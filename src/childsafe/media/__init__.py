"""Decoding untrusted media into rasters, within limits, without I/O of its own."""

from childsafe.media.decode import decode_image
from childsafe.media.errors import (
    DecompressionBombError,
    EmptyFileError,
    MediaError,
    NotAnImageError,
    TooLargeError,
    TruncatedError,
    UnsupportedFormatError,
)
from childsafe.media.types import DecodedImage, DecodeLimits

__all__ = [
    "DecodeLimits",
    "DecodedImage",
    "DecompressionBombError",
    "EmptyFileError",
    "MediaError",
    "NotAnImageError",
    "TooLargeError",
    "TruncatedError",
    "UnsupportedFormatError",
    "decode_image",
]
