"""Photos from a crew's phone: read by content, capped, turned upright, stored without
their metadata (no GPS), once per content, with a thumbnail."""

import io
from pathlib import Path

import pytest
from PIL import Image

from services.photos import MAX_BYTES, PhotoRefused, photo_path, store_photo

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg_with_gps(width=800, height=600, orientation=1) -> bytes:
    image = Image.new("RGB", (width, height), (200, 60, 40))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"  # camera make
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (60.0, 10.0, 12.5), 3: "E", 4: (24.0, 56.0, 1.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_photo_is_stored_upright_without_its_location_and_once(tmp_path):
    sent = jpeg_with_gps(orientation=6)  # held on its side: 800x600 shown as 600x800
    assert Image.open(io.BytesIO(sent)).getexif().get_ifd(GPS_IFD)
    digest = store_photo(sent, tmp_path)
    kept = Image.open(photo_path(tmp_path, digest))
    assert kept.format == "JPEG" and kept.size == (600, 800)
    assert not kept.getexif() and not kept.getexif().get_ifd(GPS_IFD)
    thumb = Image.open(photo_path(tmp_path, digest, thumb=True))
    assert max(thumb.size) == 320
    assert store_photo(sent, tmp_path) == digest  # a retried upload: the same photo
    assert len(list(tmp_path.rglob("*.jpg"))) == 2


def test_what_is_not_a_photo_is_refused_whatever_its_name(tmp_path):
    with pytest.raises(PhotoRefused, match="not an image"):
        store_photo(b"%PDF-1.7 this is a pdf named photo.jpg", tmp_path)
    with pytest.raises(PhotoRefused, match="empty"):
        store_photo(b"", tmp_path)
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    with pytest.raises(PhotoRefused, match="GIF image is not a photo format"):
        store_photo(gif.getvalue(), tmp_path)
    assert not list(tmp_path.rglob("*"))


def test_size_is_capped_in_bytes_and_pixels(tmp_path):
    with pytest.raises(PhotoRefused, match="at most 15 MB"):
        store_photo(b"\xff\xd8" + b"0" * MAX_BYTES, tmp_path)
    big = io.BytesIO()
    Image.new("1", (10_000, 6_000)).save(big, "PNG")  # 60 Mpx in a small file
    with pytest.raises(PhotoRefused, match="more than a photo"):
        store_photo(big.getvalue(), tmp_path)
    digest = store_photo(jpeg_with_gps(4000, 3000), tmp_path)
    assert Image.open(photo_path(tmp_path, digest)).size == (2048, 1536)


def test_a_photo_id_is_a_hash_never_a_path():
    with pytest.raises(PhotoRefused):
        photo_path(Path("/tmp"), "../../etc/passwd")
