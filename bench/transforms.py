"""Recall of edited copies and false positives between distinct photos, per matching strategy.

Corpus: every ordinary photo or picture bundled with scikit-image and matplotlib (found through
the packages, see ``corpus()``). Each is banked; each of its edited copies is a query. A query
matches when any of its query-side hashes is within the threshold of any of the banked image's
hashes. False positives are counted over all ordered pairs of distinct corpus images, both for
the unedited queries and for every edited copy as query.

By default the pictures are hashed as the rasters they are (0.01-0.5 MP, PDQ's exact
full-resolution path). ``--megapixels 12`` instead upscales each picture to 12 MP and banks it
from a JPEG (q90) decoded as production decodes uploads (``decode_image(for_pdq=True)``, DCT
scaled to 1/8); every edit is made on the 12 MP raster, saved as JPEG q90 and decoded the same
way, so a "resize 50%" copy is a 3 MP file decoded at 1/4. That exercises the reduced-decode
emulation of every view, across resolutions.

    python bench/transforms.py [--out bench/results/transforms.md] [--jobs 2] [--megapixels 12]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from childsafe.media import DecodedImage, decode_image
from childsafe.media import transforms as tf
from childsafe.signals.pdq import PdqSignal
from childsafe.signals.variants import (
    DEFAULT_BANK_VARIANTS,
    VARIANTS,
    bank_variants,
    query_signals,
)

THRESHOLD = 31
SKIMAGE_PHOTOS = (
    "astronaut", "brick", "camera", "cell", "chelsea", "clock_motion", "coffee", "coins",
    "color", "grass", "gravel", "horse", "hubble_deep_field", "ihc", "logo", "microaneurysms",
    "moon", "motorcycle_left", "motorcycle_right", "page", "retina", "rocket", "text",
)  # fmt: skip
MPL_PHOTOS = ("grace_hopper.jpg", "Minduka_Present_Blue_Pack.png", "logo2.png")


def corpus() -> dict[str, np.ndarray]:
    """Bundled pictures as RGB (alpha flattened on white), located through their packages."""
    import matplotlib
    import skimage

    skdir = Path(skimage.__file__).parent / "data"
    paths = [
        p for n in SKIMAGE_PHOTOS for p in skdir.glob(f"{n}.*") if p.suffix in {".png", ".jpg"}
    ]
    mpl = Path(matplotlib.get_data_path()) / "sample_data"
    paths += [mpl / n for n in MPL_PHOTOS]
    out = {}
    for p in paths:
        with Image.open(p) as im:
            if im.mode in {"RGBA", "LA", "P"}:
                im = im.convert("RGBA")
                bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
                im = Image.alpha_composite(bg, im)
            out[p.stem] = np.ascontiguousarray(np.asarray(im.convert("RGB")))
    return out


# --------------------------------------------------------------------------- edits


def jpeg(px: np.ndarray, quality: int = 70) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(px)).save(buf, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def resize(px: np.ndarray, scale: float) -> np.ndarray:
    im = Image.fromarray(np.ascontiguousarray(px))
    size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
    return np.asarray(im.resize(size, Image.Resampling.BILINEAR))


def overlay_text(px: np.ndarray) -> np.ndarray:
    im = Image.fromarray(np.ascontiguousarray(px))
    draw = ImageDraw.Draw(im)
    h = max(10, im.height // 18)
    draw.text((im.width // 30, im.height - 2 * h), "@example.org", fill=(255, 255, 255),
              font_size=h, stroke_width=1, stroke_fill=(0, 0, 0))  # fmt: skip
    return np.asarray(im)


def overlay_logo(px: np.ndarray) -> np.ndarray:
    out = px.copy()
    h, w = out.shape[:2]
    lh, lw = h // 8, w // 6
    y, x = h - lh - h // 30, w - lw - w // 30
    out[y : y + lh, x : x + lw] = (230, 40, 40)
    out[y + lh // 4 : y + 3 * lh // 4, x + lw // 4 : x + 3 * lw // 4] = (255, 255, 255)
    return out


def brightness(px: np.ndarray, f: float) -> np.ndarray:
    return np.clip(px.astype(np.float32) * f, 0, 255).astype(np.uint8)


def contrast(px: np.ndarray, f: float) -> np.ndarray:
    m = px.mean()
    return np.clip((px.astype(np.float32) - m) * f + m, 0, 255).astype(np.uint8)


def grayscale(px: np.ndarray) -> np.ndarray:
    g = (px.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)).astype(np.uint8)
    return np.repeat(g[..., None], 3, axis=2)


BLACK, WHITE, BLUE = (0, 0, 0), (255, 255, 255), (30, 80, 200)
EDITS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "identical": lambda p: p,
    "JPEG q70": jpeg,
    "resize 50%": lambda p: resize(p, 0.5),
    "border 5% black": lambda p: tf.add_frame(p, 0.05, BLACK),
    "border 10% black": lambda p: tf.add_frame(p, 0.10, BLACK),
    "border 5% white": lambda p: tf.add_frame(p, 0.05, WHITE),
    "border 10% white": lambda p: tf.add_frame(p, 0.10, WHITE),
    "border 10% blue + JPEG q70": lambda p: jpeg(tf.add_frame(p, 0.10, BLUE)),
    "fit 16:9 black (letter/pillarbox)": lambda p: tf.fit_to_aspect(p, 16 / 9, BLACK),
    "fit 9:16 black (phone)": lambda p: tf.fit_to_aspect(p, 9 / 16, BLACK),
    "fit 1:1 white + JPEG q70": lambda p: jpeg(tf.fit_to_aspect(p, 1.0, WHITE)),
    "crop 5% centre (keep 95%)": lambda p: tf.center_crop(p, 0.95),
    "crop 10% centre (keep 90%)": lambda p: tf.center_crop(p, 0.90),
    "crop 10% each side (keep 80%)": lambda p: tf.center_crop(p, 0.80),
    "crop 5% one side": lambda p: tf.crop_sides(p, right=0.05),
    "crop 10% one side": lambda p: tf.crop_sides(p, right=0.10),
    "crop 10% top+left corner": lambda p: tf.crop_sides(p, top=0.10, left=0.10),
    "crop 10% centre + JPEG q70": lambda p: jpeg(tf.center_crop(p, 0.90)),
    "off-grid: crop 2% centre": lambda p: tf.center_crop(p, 0.98),
    "off-grid: crop 7% centre": lambda p: tf.center_crop(p, 0.93),
    "off-grid: crop 3% one side": lambda p: tf.crop_sides(p, left=0.03),
    "off-grid: crop 7% one side": lambda p: tf.crop_sides(p, bottom=0.07),
    "off-grid: crop 5% top+left corner": lambda p: tf.crop_sides(p, top=0.05, left=0.05),
    "off-grid: crop 4% top, 8% right": lambda p: tf.crop_sides(p, top=0.04, right=0.08),
    "flip horizontal": tf.flip_horizontal,
    "flip vertical": tf.flip_vertical,
    "rotate 90": lambda p: tf.rotate90(p, 1),
    "rotate 180": lambda p: tf.rotate90(p, 2),
    "rotate 270": lambda p: tf.rotate90(p, 3),
    "flip horizontal + JPEG q70": lambda p: jpeg(tf.flip_horizontal(p)),
    "rotate 90 + border 5% black": lambda p: tf.add_frame(tf.rotate90(p, 1), 0.05, BLACK),
    "flip + fit 16:9 + JPEG q70": lambda p: jpeg(tf.fit_to_aspect(tf.flip_horizontal(p), 16 / 9)),
    "flip + crop 5% centre": lambda p: tf.center_crop(tf.flip_horizontal(p), 0.95),
    "text overlay": overlay_text,
    "logo overlay": overlay_logo,
    "brightness +10%": lambda p: brightness(p, 1.1),
    "contrast +10%": lambda p: contrast(p, 1.1),
    "grayscale": grayscale,
}

# --------------------------------------------------------------------------- strategies


@dataclass(frozen=True)
class Strategy:
    label: str
    bank: tuple[str, ...]  # banked variant names
    query: str  # which query set: plain | pdqlib | dihedral | trim | full


CROPS = tuple(n for n in DEFAULT_BANK_VARIANTS if n.startswith("crop"))
DENSE = tuple(n for n in VARIANTS if n.startswith("crop"))
STRATEGIES = (
    Strategy("(a) plain PDQ", ("",), "plain"),
    Strategy("(b0) + dihedral by pdqhash.compute_dihedral", ("",), "pdqlib"),
    Strategy("(b) + dihedral, query side", ("",), "dihedral"),
    Strategy("(c) + trim, both sides", ("", "trim"), "trim"),
    Strategy("(d) + banked crops (default 19)", ("", *CROPS), "plain"),
    Strategy("(q) query side only: trim + dihedral", ("",), "full"),
    Strategy("(e) all defaults: trim + dihedral + 19 crops", ("", "trim", *CROPS), "full"),
    Strategy("(e+) all + dense crops (54)", ("", "trim", *DENSE), "full"),
)
BANK_NAMES = ("", "trim", *DENSE)


def _bits(hexes: list[str]) -> np.ndarray:
    if not hexes:
        return np.zeros((0, 256), dtype=bool)
    raw = np.frombuffer(bytes.fromhex("".join(hexes)), dtype=np.uint8).reshape(len(hexes), 32)
    return np.unpackbits(raw, axis=1).astype(bool)


#: Set by ``--megapixels`` (in each worker through ``_init``): 0 hashes the rasters as they are.
MEGAPIXELS = 0.0


def _init(megapixels: float) -> None:
    global MEGAPIXELS
    MEGAPIXELS = megapixels


def _image(px: np.ndarray) -> DecodedImage:
    """The raster as is, or (``--megapixels``) through a JPEG q90 file and the PDQ decode."""
    px = np.ascontiguousarray(px)
    if not MEGAPIXELS:
        return DecodedImage(px, "raw", (px.shape[1], px.shape[0]))
    buf = io.BytesIO()
    Image.fromarray(px).save(buf, "JPEG", quality=90)
    return decode_image(buf.getvalue(), for_pdq=True)


def _upscale(px: np.ndarray, megapixels: float) -> np.ndarray:
    h, w = px.shape[:2]
    f = (megapixels * 1e6 / (w * h)) ** 0.5
    im = Image.fromarray(np.ascontiguousarray(px))
    return np.asarray(im.resize((round(w * f), round(h * f)), Image.Resampling.LANCZOS))


def query_sets(px: np.ndarray) -> dict[str, np.ndarray]:
    img = _image(px)
    full = query_signals(img, trim_borders=True, dihedral=True)
    shortcut = PdqSignal().hash_dihedral(img)  # bit-identical to pdqhash.compute_dihedral
    untrimmed = [s.value for k, s in full.items() if not k.startswith("trim")]
    return {
        "plain": _bits([full[""].value]),
        "pdqlib": _bits([s.value for s in shortcut.values()]),
        "dihedral": _bits(untrimmed),
        "trim": _bits([s.value for k, s in full.items() if k in ("", "trim", "trim:outer")]),
        "full": _bits([s.value for s in full.values()]),
    }


def work(item: tuple[str, np.ndarray]) -> tuple[str, dict[str, str], dict[str, dict]]:
    name, px = item
    if MEGAPIXELS:
        px = _upscale(px, MEGAPIXELS)
    banked = bank_variants(_image(px), BANK_NAMES)
    bank = {k: s.value for k, s in banked.items()}
    queries = {edit: query_sets(fn(px)) for edit, fn in EDITS.items()}
    return name, bank, queries


def min_dist(bank: np.ndarray, query: np.ndarray) -> int:
    return int((bank[:, None, :] != query[None, :, :]).sum(axis=2).min())


def run(jobs: int, megapixels: float = 0.0) -> tuple[str, dict]:
    photos = corpus()
    t0 = time.perf_counter()
    with ProcessPoolExecutor(jobs, initializer=_init, initargs=(megapixels,)) as ex:
        results = {n: (b, q) for n, b, q in ex.map(work, photos.items())}
    elapsed = time.perf_counter() - t0
    names = list(results)
    n = len(names)
    banks = {
        (a, s.label): _bits([results[a][0][k] for k in s.bank if k in results[a][0]])
        for a in names
        for s in STRATEGIES
    }
    lines = [f"Corpus: {n} bundled pictures: {', '.join(names)}.", ""]
    if megapixels:
        lines += [
            f"Decode path: each picture upscaled to {megapixels:g} MP, every copy saved as JPEG "
            "q90 and read with `decode_image(for_pdq=True)` (DCT-scaled, reduced-decode PDQ).",
            "",
        ]
    else:
        lines += ["Decode path: the rasters as they are (full resolution, exact PDQ).", ""]
    lines.append(f"Hashing time: {elapsed:.1f} s with {jobs} processes.")
    lines.append("")
    # recall table
    head = "| edit | " + " | ".join(s.label for s in STRATEGIES) + " |"
    lines += ["### Recall at threshold 31 (matched / images; worst distance in brackets)", ""]
    lines += [head, "|---" * (len(STRATEGIES) + 1) + "|"]
    totals = {s.label: 0 for s in STRATEGIES}
    for edit in EDITS:
        cells = []
        for s in STRATEGIES:
            d = [min_dist(banks[a, s.label], results[a][1][edit][s.query]) for a in names]
            hit = sum(x <= THRESHOLD for x in d)
            totals[s.label] += hit
            cells.append(f"{hit}/{n} ({max(d)})")
        lines.append(f"| {edit} | " + " | ".join(cells) + " |")
    total = n * len(EDITS)
    lines.append(
        "| **all edits** | "
        + " | ".join(f"**{100 * totals[s.label] / total:.1f}%**" for s in STRATEGIES)
        + " |"
    )
    # false positives
    lines += ["", "### False positives between distinct images at threshold 31", ""]
    lines += ["| strategy | hashes banked / image | hashes / query | FP pairs, unedited "
              f"({n * (n - 1)} ordered pairs) | min distance, unedited | FP pairs, any edit as "
              f"query ({n * (n - 1) * len(EDITS)}) | min distance, any edit | closest pair |",
              "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for s in STRATEGIES:
        fp0 = fp_any = 0
        m0 = m_any = 256
        closest = ""
        nb = np.mean([sum(k in results[a][0] for k in s.bank) for a in names])
        nq = np.mean([results[a][1][e][s.query].shape[0] for a in names for e in EDITS])
        for a in names:
            for b in names:
                if a == b:
                    continue
                d0 = min_dist(banks[a, s.label], results[b][1]["identical"][s.query])
                fp0 += d0 <= THRESHOLD
                m0 = min(m0, d0)
                for e in EDITS:
                    d = min_dist(banks[a, s.label], results[b][1][e][s.query])
                    fp_any += d <= THRESHOLD
                    if d < m_any:
                        m_any, closest = d, f"{a} vs {b} ({e})"
        lines.append(
            f"| {s.label} | {nb:.2f} | {nq:.2f} | {fp0} | {m0} | {fp_any} | {m_any} | {closest} |"
        )
    return "\n".join(lines), results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "transforms.md")
    ap.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1))
    ap.add_argument(
        "--megapixels",
        type=float,
        default=0.0,
        help="upscale each picture to this size and hash JPEG q90 files through the PDQ decode",
    )
    args = ap.parse_args()
    body, _ = run(args.jobs, args.megapixels)
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    text = "\n".join([
        "# Matching edited copies: recall and false positives per strategy",
        "",
        f"Machine: {machine}; numpy {np.__version__}.",
        f"Command: `python bench/transforms.py --jobs {args.jobs}"
        + (f" --megapixels {args.megapixels:g}`" if args.megapixels else "`"),
        "",
        body,
        "",
    ])  # fmt: skip
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    print(f"variants available: {sorted(VARIANTS)}", file=sys.stderr)


if __name__ == "__main__":
    main()
