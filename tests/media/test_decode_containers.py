"""Orientation, animation, HEIF/AVIF, and refusal of hostile or broken files."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from childsafe.media import (
    DecodeLimits,
    MediaError,
    NoSuchFrameError,
    decode_image,
    iter_frames,
)
from tests.factories.images import STORE_OPS, encode, shapes
from tests.factories.images import test_pattern as pattern_image
from tests.media.conftest import distance, pdq_bits

# The stored (sideways) image for each EXIF orientation is made by applying the inverse of the
# transform a viewer applies, so decoding must give back the upright pattern exactly.


def with_orientation(upright: Image.Image, orientation: int, fmt: str, **kw: object) -> bytes:
    op = STORE_OPS[orientation]
    stored = upright if op is None else upright.transpose(op)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(stored, fmt, exif=exif.tobytes(), **kw)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_png_exact(orientation: int) -> None:
    upright = pattern_image(96, 64)
    d = decode_image(with_orientation(upright, orientation, "PNG"))
    assert d.original_size == (96, 64)
    assert np.array_equal(d.pixels, np.asarray(upright))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_jpeg_hash(orientation: int) -> None:
    upright = shapes(320, 240)
    d = decode_image(with_orientation(upright, orientation, "JPEG", quality=95))
    assert d.original_size == (320, 240)
    assert distance(pdq_bits(d.pixels)[0], pdq_bits(np.asarray(upright))[0]) <= 4


def test_broken_exif_does_not_prevent_decoding() -> None:
    data = encode(shapes(), "JPEG", exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff")
    assert decode_image(data).pixels.shape == (192, 256, 3)


def frames(n: int = 4) -> list[Image.Image]:
    return [shapes(128, 96, seed=i) for i in range(n)]


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
def test_animation_first_frame_and_all_frames(fmt: str) -> None:
    fs = frames()
    kw: dict[str, object] = {"lossless": True} if fmt == "WEBP" else {}
    data = encode(fs[0], fmt, save_all=True, append_images=fs[1:], duration=100, loop=0, **kw)
    first = decode_image(data)
    assert first.frame_count == 4 and first.frame_index == 0
    out = list(iter_frames(data))
    assert [f.frame_index for f in out] == [0, 1, 2, 3]
    assert np.array_equal(out[0].pixels, first.pixels)
    for f, src in zip(out, fs, strict=True):
        # Frames are distinct pictures; each decodes near its own source (GIF quantises).
        assert distance(pdq_bits(f.pixels)[0], pdq_bits(np.asarray(src))[0]) <= 8
    assert len(list(iter_frames(data, DecodeLimits(max_frames=2)))) == 2
    with pytest.raises(NoSuchFrameError):
        decode_image(data, frame=9)


@pytest.mark.parametrize("fmt", ["HEIF", "AVIF"])
def test_heif_and_avif_round_trip(fmt: str) -> None:
    upright = shapes(320, 240)
    if fmt == "HEIF":
        import pillow_heif  # a dependency: HEIC support is promised, so its absence fails

        buf = io.BytesIO()
        pillow_heif.from_pillow(upright).save(buf, quality=95)
        data = buf.getvalue()
    else:
        from PIL import features

        assert features.check("avif"), "Pillow was built without AVIF, which childsafe reads"
        data = encode(upright, "AVIF", quality=95)
    d = decode_image(data)
    assert d.format == fmt.lower()
    assert d.original_size == (320, 240)
    assert distance(pdq_bits(d.pixels)[0], pdq_bits(np.asarray(upright))[0]) <= 8


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_avif_orientation(orientation: int) -> None:
    from PIL import features

    assert features.check("avif"), "Pillow was built without AVIF, which childsafe reads"
    upright = shapes(160, 120)
    d = decode_image(with_orientation(upright, orientation, "AVIF", quality=95))
    assert d.original_size == (160, 120)
    assert distance(pdq_bits(d.pixels)[0], pdq_bits(np.asarray(upright))[0]) <= 8


def png_header_only(w: int, h: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    out = b"\x89PNG\r\n\x1a\n"
    for kind, body in ((b"IHDR", ihdr), (b"IDAT", zlib.compress(b"\x00" * 64))):
        chunk = kind + body
        out += struct.pack(">I", len(body)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return out


def gif_header_only(w: int, h: int) -> bytes:
    screen = b"GIF89a" + struct.pack("<HHBBB", w, h, 0, 0, 0)
    descriptor = b"," + struct.pack("<HHHHB", 0, 0, w, h, 0) + b"\x08\x01\x00\x00"
    return screen + descriptor + b";"


JPEG = encode(shapes(), "JPEG", quality=90)
PNG = encode(shapes(), "PNG")

BAD_FILES = {
    "png_bomb": (png_header_only(100_000, 100_000), "decompression_bomb"),
    "gif_bomb": (gif_header_only(65_000, 65_000), "decompression_bomb"),
    "truncated_jpeg": (JPEG[: len(JPEG) // 2], "truncated"),
    "truncated_png": (PNG[: len(PNG) // 2], "truncated"),
    "random_bytes": (np.random.default_rng(1).bytes(4096), "not_an_image"),
    "empty": (b"", "empty"),
    "text": (b"hello, this is a plain text file\n" * 20, "not_an_image"),
    # An HTML page carrying a JPEG further on: the content at offset 0 decides, not the tail.
    "html_jpeg_polyglot": (b"<html><body>hi</body></html>\n" + JPEG, "not_an_image"),
    "pdf": (b"%PDF-1.7\n" + JPEG, "not_an_image"),
    "psd": (b"8BPS\x00\x01" + bytes(64), "unsupported_format"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_refused_with_reason(name: str) -> None:
    data, reason = BAD_FILES[name]
    with pytest.raises(MediaError) as err:
        decode_image(data)
    assert err.value.reason == reason
    assert err.value.message


def test_bomb_is_refused_before_decoding() -> None:
    # 144 Mpx is under Pillow's own hard limit; ours (150M by default) is lowered here.
    with pytest.raises(MediaError) as err:
        decode_image(png_header_only(12_000, 12_000), DecodeLimits(max_pixels=50_000_000))
    assert err.value.reason == "decompression_bomb" and "12000x12000" in err.value.message


def test_oversize_bytes() -> None:
    with pytest.raises(MediaError) as err:
        decode_image(JPEG, DecodeLimits(max_bytes=len(JPEG) - 1))
    assert err.value.reason == "too_large"


def test_gif_jpeg_polyglot_decodes_as_its_leading_format() -> None:
    # A GIF with a JPEG appended decodes as the GIF, whatever the file's name says.
    gif = encode(shapes(64, 48), "GIF")
    d = decode_image(gif + JPEG)
    assert d.format == "gif" and d.pixels.shape == (48, 64, 3)
