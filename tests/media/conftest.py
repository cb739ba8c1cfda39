"""Helpers for the media tests: hashing a raster the reference way and comparing hashes."""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
import pdqhash
import pytest
from PIL import Image

from tests.factories.images import generated_images, real_photo, real_photo_paths


def pdq_bits(pixels: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.uint8], int]:
    vector, quality = pdqhash.compute(np.ascontiguousarray(pixels))
    return np.asarray(vector, dtype=np.uint8), int(quality)


def reference_pdq(data: bytes) -> tuple[npt.NDArray[np.uint8], int]:
    """Meta's rule's reference: ``pdqhash.compute`` on the full-resolution upright RGB image."""
    from PIL import ImageOps

    with Image.open(io.BytesIO(data)) as im:
        rgb = ImageOps.exif_transpose(im).convert("RGB")
    return pdq_bits(np.asarray(rgb))


def distance(a: npt.NDArray[np.uint8], b: npt.NDArray[np.uint8]) -> int:
    return int(np.count_nonzero(a != b))


@pytest.fixture(scope="session")
def photo_names() -> list[str]:
    names = [p.stem for p in real_photo_paths()]
    assert len(names) >= 10, "scikit-image and matplotlib sample photos should be installed"
    return names


@pytest.fixture(scope="session")
def astronaut() -> Image.Image:
    return real_photo("astronaut")


@pytest.fixture(scope="session")
def generated() -> dict[str, Image.Image]:
    return generated_images()
