"""Every way of storing the same picture must decode to (nearly) the same RGB raster.

Bounds are measured over the bundled photos and generated images: lossless conversions hash
identically (0 bits); JPEG re-encoding at quality 95 moved at most 2 bits; 256-colour palette
quantisation moved at most 4 bits opaque and 14 bits with 8-bit alpha quantised into the palette.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from childsafe.media import decode_image
from childsafe.media.convert import BACKGROUND
from tests.factories.images import encode, real_photo
from tests.media.conftest import distance, pdq_bits

PHOTOS = ["astronaut", "chelsea", "coffee", "grace_hopper", "camera", "page"]


def alpha_mask(size: tuple[int, int]) -> Image.Image:
    w, h = size
    m = np.full((h, w), 255, np.uint8)
    m[: h // 3, : w // 3] = 0
    m[h // 2 :, w // 2 :] = 128
    return Image.fromarray(m)


def on_white(rgba: Image.Image) -> np.ndarray:
    a = np.asarray(rgba.convert("RGBA")).astype(np.uint16)
    al = a[..., 3:4]
    bg = np.asarray(BACKGROUND, dtype=np.uint16)
    return ((a[..., :3] * al + bg * (255 - al) + 127) // 255).astype(np.uint8)


@pytest.fixture(scope="module", params=PHOTOS)
def photo(request: pytest.FixtureRequest) -> Image.Image:
    return real_photo(request.param)


def decoded_hash(data: bytes) -> np.ndarray:
    return pdq_bits(decode_image(data).pixels)[0]


def test_cmyk_jpeg_adobe_inverted(photo: Image.Image) -> None:
    # Pillow writes CMYK JPEGs the Adobe way (APP14 marker, inverted samples).
    data = encode(photo.convert("CMYK"), "JPEG", quality=95)
    assert b"Adobe" in data[:200]
    d = decode_image(data)
    assert d.source_mode == "CMYK"
    assert distance(pdq_bits(d.pixels)[0], pdq_bits(np.asarray(photo))[0]) <= 4


def test_cmyk_tiff_is_lossless(photo: Image.Image) -> None:
    data = encode(photo.convert("CMYK"), "TIFF")
    assert np.array_equal(decode_image(data).pixels, np.asarray(photo))


def test_palette_png_opaque(photo: Image.Image) -> None:
    data = encode(photo.quantize(256), "PNG")
    assert distance(decoded_hash(data), pdq_bits(np.asarray(photo))[0]) <= 6


def test_palette_png_with_transparency(photo: Image.Image) -> None:
    rgba = photo.copy()
    rgba.putalpha(alpha_mask(photo.size))
    pal = rgba.quantize(256, method=Image.Quantize.FASTOCTREE)
    data = encode(pal, "PNG")
    d = decode_image(data)
    assert d.source_mode == "P"
    # Compositing itself is exact ...
    assert np.array_equal(d.pixels, on_white(pal))
    # ... and the palette quantisation of colour *and* alpha stays within 16 bits of the source.
    assert distance(pdq_bits(d.pixels)[0], pdq_bits(on_white(rgba))[0]) <= 16


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_alpha_composited_on_white(photo: Image.Image, mode: str) -> None:
    base = photo if mode == "RGBA" else photo.convert("L")
    im = base.copy()
    im.putalpha(alpha_mask(photo.size))
    d = decode_image(encode(im, "PNG"))
    assert d.source_mode == mode
    assert np.array_equal(d.pixels, on_white(im))
    assert (d.pixels[0, 0] == BACKGROUND).all()


def test_sixteen_bit_grey_scales_not_clips(photo: Image.Image) -> None:
    grey = np.asarray(photo.convert("L"))
    d = decode_image(encode(Image.fromarray(grey.astype(np.uint16) * 257), "PNG"))
    assert d.source_mode.startswith("I")
    assert np.array_equal(d.pixels, np.repeat(grey[..., None], 3, axis=2))


@pytest.mark.parametrize("mode", ["I;16B", "I", "F"])
def test_wide_grey_modes(mode: str) -> None:
    grey = np.tile(np.arange(256, dtype=np.uint8), (64, 1))
    arr = {
        "I;16B": grey.astype(">u2") * 257,
        "I": grey.astype(np.int32) * 257,
        "F": grey.astype(np.float32) / 255,
    }[mode]
    im = (
        Image.fromarray(arr) if mode != "I;16B" else Image.frombytes(mode, (256, 64), arr.tobytes())
    )
    d = decode_image(encode(im, "TIFF"))
    assert np.abs(d.pixels[..., 0].astype(int) - grey).max() <= 1


@pytest.mark.parametrize("mode", ["L", "1"])
def test_grey_and_bilevel(photo: Image.Image, mode: str) -> None:
    im = photo.convert(mode)
    d = decode_image(encode(im, "PNG"))
    assert np.array_equal(d.pixels, np.asarray(im.convert("RGB")))


@pytest.mark.parametrize("fmt", ["WEBP", "BMP", "TIFF", "GIF"])
def test_other_containers(photo: Image.Image, fmt: str) -> None:
    params = {"lossless": True} if fmt == "WEBP" else {}
    d = decode_image(encode(photo, fmt, **params))
    assert d.format == fmt.lower()
    bound = 6 if fmt == "GIF" else 0  # GIF is palette-quantised
    assert distance(pdq_bits(d.pixels)[0], pdq_bits(np.asarray(photo))[0]) <= bound
