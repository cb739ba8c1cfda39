"""Generated, benign demo pictures: coloured shapes over smooth gradients and soft noise.

They are textured enough for PDQ to give high-quality hashes (flat pictures hash poorly),
distinct enough that two different seeds never match, and contain nothing but geometry.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps


def shapes_image(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    rng = np.random.default_rng(seed)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.zeros((h, w, 3), dtype=np.float32)
    for c in range(3):
        a, b, ph = rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(0, 6.28)
        base[..., c] = 128 + 90 * np.sin((a * xx / w + b * yy / h) * 6.28 + ph)
    noise = rng.normal(0, 1, (h // 8 + 1, w // 8 + 1, 3)).astype(np.float32)
    noise_img = Image.fromarray(np.uint8(np.clip(128 + 40 * noise, 0, 255))).resize(
        (w, h), Image.Resampling.BICUBIC
    )
    base += np.asarray(noise_img, dtype=np.float32) - 128
    img = Image.fromarray(np.uint8(np.clip(base, 0, 255)))
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(6, 14))):
        x0, y0 = int(rng.integers(0, w - 40)), int(rng.integers(0, h - 40))
        x1, y1 = x0 + int(rng.integers(30, w // 2)), y0 + int(rng.integers(30, h // 2))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        kind = int(rng.integers(0, 3))
        if kind == 0:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        elif kind == 1:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        else:
            draw.polygon([(x0, y1), ((x0 + x1) // 2, y0), (x1, y1)], fill=colour)
    return img.filter(ImageFilter.GaussianBlur(1.2))


def encode(img: Image.Image, fmt: str = "JPEG", quality: int = 90) -> bytes:
    buf = io.BytesIO()
    if fmt.upper() == "JPEG":
        img.convert("RGB").save(buf, "JPEG", quality=quality)
    else:
        img.save(buf, fmt)
    return buf.getvalue()


def altered_copies(img: Image.Image) -> dict[str, Image.Image]:
    """Everyday changes a re-upload goes through; each should still match its original."""
    w, h = img.size
    return {
        "resized": img.resize((w * 3 // 4, h * 3 // 4), Image.Resampling.LANCZOS),
        "recompressed": Image.open(io.BytesIO(encode(img, quality=60))),
        "bordered": ImageOps.expand(img, border=max(w, h) // 12, fill=(0, 0, 0)),
        "mirrored": ImageOps.mirror(img),
    }
