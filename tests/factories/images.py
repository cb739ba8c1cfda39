"""Benign images for tests: generated patterns and the photographs bundled in PyPI packages.

Everything here is either synthesised (gradients, shapes, noise, text, test patterns) or one of
the ordinary sample photographs that scikit-image and matplotlib ship, located through the
installed packages so no machine path is ever written down.
"""

from __future__ import annotations

import io
import math
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

#: Bundled photographs used as the "real photo" corpus (scikit-image data directory).
SKIMAGE_PHOTOS = (
    "astronaut.png",
    "chelsea.png",
    "coffee.png",
    "rocket.jpg",
    "camera.png",
    "horse.png",
    "motorcycle_left.png",
    "retina.jpg",
    "hubble_deep_field.jpg",
    "brick.png",
    "grass.png",
    "gravel.png",
    "moon.png",
    "page.png",
    "text.png",
    "coins.png",
    "ihc.png",
)
MATPLOTLIB_PHOTOS = ("grace_hopper.jpg", "Minduka_Present_Blue_Pack.png")


def real_photo_paths() -> list[Path]:
    """The bundled sample photographs that are installed (skips any a package lacks)."""
    import matplotlib
    import skimage

    sk = Path(skimage.__file__).parent / "data"
    mpl = Path(matplotlib.get_data_path()) / "sample_data"
    paths = [sk / n for n in SKIMAGE_PHOTOS] + [mpl / n for n in MATPLOTLIB_PHOTOS]
    return [p for p in paths if p.is_file()]


@cache
def real_photo(name: str) -> Image.Image:
    """A bundled photo by file stem ("astronaut", "grace_hopper"), as RGB."""
    for p in real_photo_paths():
        if p.stem == name:
            with Image.open(p) as im:
                return im.convert("RGB")
    raise KeyError(name)


def gradient(w: int = 256, h: int = 192) -> Image.Image:
    x = np.linspace(0, 255, w)[None, :]
    y = np.linspace(0, 255, h)[:, None]
    r = np.broadcast_to(x, (h, w))
    g = np.broadcast_to(y, (h, w))
    b = (r + g) / 2
    return Image.fromarray(np.dstack([r, g, 255 - b]).astype(np.uint8), "RGB")


def shapes(w: int = 256, h: int = 192, seed: int = 0) -> Image.Image:
    """Coloured rectangles and ellipses on a gradient: high PDQ quality, distinct structure."""
    rng = np.random.default_rng(seed)
    im = gradient(w, h)
    d = ImageDraw.Draw(im)
    for _ in range(12):
        x0, y0 = int(rng.integers(0, w - 8)), int(rng.integers(0, h - 8))
        x1 = min(w - 1, x0 + int(rng.integers(8, max(9, w // 2))))
        y1 = min(h - 1, y0 + int(rng.integers(8, max(9, h // 2))))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        (d.ellipse if rng.random() < 0.5 else d.rectangle)((x0, y0, x1, y1), fill=colour)
    return im


def noise(w: int = 256, h: int = 192, seed: int = 0, smooth: int = 8) -> Image.Image:
    """Blocky colour noise; ``smooth`` is the block size so the hash sees real structure."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (max(1, h // smooth), max(1, w // smooth), 3), dtype=np.uint8)
    return Image.fromarray(small, "RGB").resize((w, h), Image.Resampling.BILINEAR)


def text_image(w: int = 320, h: int = 160, label: str = "childsafe test 123") -> Image.Image:
    im = Image.new("RGB", (w, h), (250, 250, 240))
    d = ImageDraw.Draw(im)
    for i in range(0, h, 18):
        d.text((6 + (i % 30), i), label, fill=(20, 20, 60))
    return im


def test_pattern(w: int = 256, h: int = 192) -> Image.Image:
    """Colour bars over a checkerboard, asymmetric so every rotation and flip differs."""
    im = Image.new("RGB", (w, h))
    bars = [(255, 255, 255), (255, 255, 0), (0, 255, 255), (0, 255, 0), (255, 0, 255), (255, 0, 0)]
    bw = w // len(bars)
    d = ImageDraw.Draw(im)
    for i, c in enumerate(bars):
        d.rectangle((i * bw, 0, (i + 1) * bw, h // 2), fill=c)
    sq = max(4, w // 16)
    for y in range(h // 2, h, sq):
        for x in range(0, w, sq):
            if (x // sq + y // sq) % 2:
                d.rectangle((x, y, x + sq - 1, y + sq - 1), fill=(30, 30, 30))
    d.rectangle((0, 0, w // 5, h // 5), fill=(0, 0, 128))  # marks the top-left corner
    return im


def generated_images() -> dict[str, Image.Image]:
    return {
        "gradient_shapes": shapes(),
        "noise": noise(),
        "text": text_image(),
        "test_pattern": test_pattern(),
    }


def upscale_to(im: Image.Image, min_side: int) -> Image.Image:
    """Upscale keeping the aspect ratio so the short side is ``min_side`` (Lanczos)."""
    f = min_side / min(im.size)
    size = (math.ceil(im.width * f), math.ceil(im.height * f))
    return im.resize(size, Image.Resampling.LANCZOS)


def upscale_to_megapixels(im: Image.Image, megapixels: float) -> Image.Image:
    f = math.sqrt(megapixels * 1e6 / (im.width * im.height))
    return im.resize((round(im.width * f), round(im.height * f)), Image.Resampling.LANCZOS)


def encode(im: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def write_shapes(
    path: Path, seed: int, fmt: str = "JPEG", size: tuple[int, int] = (640, 480)
) -> Path:
    """Write the demo generator's textured shapes picture (high PDQ quality) to ``path``."""
    from childsafe.demo.images import encode as demo_encode
    from childsafe.demo.images import shapes_image

    path.write_bytes(demo_encode(shapes_image(seed, size), fmt))
    return path


#: EXIF orientation -> how to store an upright picture so that a viewer shows it upright
#: (the inverse of the transform a viewer applies for that orientation).
STORE_OPS: dict[int, Image.Transpose | None] = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}
