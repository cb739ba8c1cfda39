"""Errors raised while reading media.

Each error carries a stable ``reason`` code so that callers (CLI, API, metrics) can report
*why* a file was refused without parsing messages, and a human message that names the problem.
"""

from __future__ import annotations


class MediaError(Exception):
    """A file could not be turned into pixels; ``reason`` is a stable machine-readable code."""

    reason = "unreadable"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAnImageError(MediaError):
    reason = "not_an_image"


class UnsupportedFormatError(MediaError):
    reason = "unsupported_format"


class TruncatedError(MediaError):
    reason = "truncated"


class DecompressionBombError(MediaError):
    reason = "decompression_bomb"


class TooLargeError(MediaError):
    reason = "too_large"


class EmptyFileError(MediaError):
    reason = "empty"


class NoSuchFrameError(MediaError):
    """A frame index past the file's last frame (or past ``DecodeLimits.max_frames``)."""

    reason = "no_such_frame"
