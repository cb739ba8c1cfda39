"""Deciding what a file is from its first bytes, never from its name or claimed type.

Uploads lie about their type, and polyglots (a file that is valid as two formats at once) are a
classic way to make two systems see different content. Sniffing the leading signature and then
letting Pillow parse *only* that format means one file always decodes one way, and that no
Pillow plugin outside the short list below (EPS with Ghostscript, PSD, ICNS, ...) ever sees
untrusted bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Sniffed kind -> Pillow format names allowed to parse it. MPO is how Pillow names a JPEG
#: with extra pictures (many phone cameras write one); it decodes with the JPEG machinery.
PILLOW_FORMATS: dict[str, tuple[str, ...]] = {
    "jpeg": ("JPEG", "MPO"),
    "png": ("PNG",),
    "gif": ("GIF",),
    "webp": ("WEBP",),
    "bmp": ("BMP",),
    "tiff": ("TIFF",),
    "avif": ("AVIF",),
}

#: ISO-BMFF "ftyp" brands that mean HEIF/HEIC (read with pillow-heif) or AVIF (read by Pillow).
_HEVC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})
_HEIF_GENERIC = frozenset({b"mif1", b"msf1"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})

#: Recognised but refused: naming them gives a clearer message than "not an image".
_UNSUPPORTED: tuple[tuple[bytes, str], ...] = (
    (b"8BPS", "Photoshop PSD"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG 2000"),
    (b"\xff\x4f\xff\x51", "JPEG 2000 codestream"),
    (b"\xff\x0a", "JPEG XL"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "JPEG XL"),
    (b"\x00\x00\x01\x00", "Windows icon"),
    (b"qoif", "QOI"),
)

_NOT_IMAGES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "an ELF executable"),
    (b"MZ", "a Windows executable"),
    (b"%!PS", "a PostScript document"),
)


@dataclass(frozen=True)
class Sniffed:
    """What the leading bytes say: a readable kind, or why the file cannot be read."""

    kind: str | None  # "jpeg", "png", "gif", "webp", "bmp", "tiff", "heif", "avif" or None
    unsupported: str | None = None  # a recognised image format we refuse
    described: str | None = None  # a recognised non-image ("a PDF document", "text")


def _isobmff_kind(data: bytes) -> str | None:
    if len(data) < 12 or data[4:8] != b"ftyp":
        return None
    box_size = int.from_bytes(data[0:4], "big")
    end = min(len(data), box_size if 16 <= box_size <= 4096 else 64)
    brands = {data[8:12]} | {data[i : i + 4] for i in range(16, end - 3, 4)}
    major = data[8:12]
    if major in _AVIF_BRANDS:
        return "avif"
    if major in _HEVC_BRANDS or brands & _HEVC_BRANDS:
        return "heif"
    # "mif1"/"msf1" only say "some HEIF-family image"; an AV1 brand next to them means AVIF.
    if brands & _AVIF_BRANDS:
        return "avif"
    if brands & _HEIF_GENERIC:
        return "heif"
    return None


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        # A multi-byte character cut at the end of the sample is still text.
        return e.start >= len(head) - 3
    return True


def sniff(data: bytes) -> Sniffed:
    """Classify ``data`` by its signature at offset 0 (the only offset a decoder starts at)."""
    if data.startswith(b"\xff\xd8\xff"):
        return Sniffed("jpeg")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("png")
    if data.startswith((b"GIF87a", b"GIF89a")):
        return Sniffed("gif")
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return Sniffed("webp")
    if data.startswith(b"BM") and len(data) >= 26:
        return Sniffed("bmp")
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return Sniffed("tiff")
    iso = _isobmff_kind(data)
    if iso is not None:
        return Sniffed(iso)
    for magic, name in _UNSUPPORTED:
        if data.startswith(magic):
            return Sniffed(None, unsupported=name)
    for magic, name in _NOT_IMAGES:
        if data.startswith(magic):
            return Sniffed(None, described=name)
    head = data[:512]
    if _looks_like_text(head):
        lowered = head.lstrip().lower()
        if lowered.startswith((b"<svg", b"<?xml")):
            return Sniffed(None, unsupported="SVG/XML (vector images are not rasterised)")
        if lowered.startswith((b"<!doctype html", b"<html")):
            return Sniffed(None, described="an HTML document")
        return Sniffed(None, described="text")
    return Sniffed(None)
