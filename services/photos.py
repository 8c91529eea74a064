"""Photos of the complaint loop (issue #18): a crew's "after" photo of a fix, an
inspector's. What a phone uploads is read by its content (Pillow decodes it: a file
named .jpg that is not an image is refused, whatever it is called), capped in bytes and
pixels, turned upright, re-encoded as JPEG without its metadata (no GPS position, no
camera serial: EXIF is not copied), and stored under the data directory by the SHA-256
of what was stored, with a thumbnail beside it. The same photo sent twice (a retried
upload) is stored once."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 15_000_000  # a phone's full-size photo, with room
MAX_PIXELS = 50_000_000  # more is a decompression bomb, not a photo
LONG_SIDE = 2048  # stored photos are at most this many pixels on their long side
THUMB_SIDE = 320
FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}  # what phones send (MPO: some cameras' JPEG)
HASH = re.compile(r"^[0-9a-f]{64}$")


class PhotoRefused(ValueError):
    """An upload that is not a photo C3 keeps, with why (shown to the crew as it is)."""


def store_photo(data: bytes, folder: Path) -> str:
    """Keep the photo in `data`; its id (the stored file's SHA-256)."""
    if len(data) > MAX_BYTES:
        raise PhotoRefused(f"the photo is {len(data) / 1e6:.1f} MB; at most "
                           f"{MAX_BYTES / 1e6:.0f} MB")  # fmt: skip
    if not data:
        raise PhotoRefused("the upload is empty")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoRefused(f"{probe.width}×{probe.height} pixels is more than a photo")
            if kind not in FORMATS:
                raise PhotoRefused(f"a {kind} image is not a photo format (JPEG, PNG, WebP)")
            image = ImageOps.exif_transpose(probe)  # the way the phone was held
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise PhotoRefused(f"not an image C3 can read ({type(exc).__name__})") from None
    image = image.convert("RGB")
    image.thumbnail((LONG_SIDE, LONG_SIDE))
    stored = _jpeg(image, quality=85)
    digest = hashlib.sha256(stored).hexdigest()
    path = photo_path(folder, digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _write(path, stored)
        image.thumbnail((THUMB_SIDE, THUMB_SIDE))
        _write(photo_path(folder, digest, thumb=True), _jpeg(image, quality=75))
    return digest


def photo_path(folder: Path, digest: str, thumb: bool = False) -> Path:
    """Where a photo (or its thumbnail) lies; refused for anything but a photo id."""
    if not HASH.match(digest):
        raise PhotoRefused(f"no photo {digest!r}")
    return folder / digest[:2] / f"{digest}{'.thumb' if thumb else ''}.jpg"


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)  # no exif= : no metadata
    return out.getvalue()


def _write(path: Path, data: bytes) -> None:
    """Written whole or not at all: a reader never sees half a photo."""
    part = path.with_suffix(".part")
    part.write_bytes(data)
    part.replace(path)
