"""Shared helpers for the photos tests: the corpus, and reading what was stored."""

import csv
import io
import pathlib

import boto3
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from photos import (
    images,  # noqa: F401  (registers the HEIF/AVIF openers)
    ingest,
)
from photos.views import SESSION_PHOTO_IDS

CORPUS = pathlib.Path(__file__).parent / "corpus"
with open(CORPUS / "manifest.csv", newline="") as _fh:
    ROWS = list(csv.DictReader(_fh))

JSON = {"HTTP_ACCEPT": "application/json"}


def corpus_bytes(path):
    return (CORPUS / path).read_bytes()


def corpus_row(path):
    return next(row for row in ROWS if row["path"] == path)


def read_object(key):
    """An object's bytes, straight from the (moto) bucket."""
    body = boto3.client("s3", region_name="us-east-1").get_object(
        Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=key
    )
    return body["Body"].read()


def upload(client, album, name, content, data=None, **extra):
    """POST one file to the upload view, asking for JSON."""
    return client.post(
        reverse("upload", args=[album.code]),
        {"photos": SimpleUploadedFile(name, content), **(data or {})},
        **{**JSON, **extra},
    )


def open_image(data):
    return Image.open(io.BytesIO(data))


def has_gps(data):
    with open_image(data) as im:
        return bool(im.getexif().get_ifd(0x8825))


def jpeg_markers(data):
    """The marker bytes of a JPEG's segments before its first scan."""
    markers, position = [], 2
    while data[position + 1] != 0xDA:
        markers.append(data[position + 1])
        position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")
    return markers


def assert_no_metadata(data):
    """A rendition: a JPEG with no EXIF, XMP, ICC, Photoshop or comment segment."""
    assert data[:2] == b"\xff\xd8"
    markers = jpeg_markers(data)
    assert all(marker not in markers for marker in (0xE1, 0xE2, 0xED, 0xFE)), [
        hex(m) for m in markers
    ]
    with open_image(data) as im:
        assert not im.getexif()
        assert (
            "icc_profile" not in im.info
            and "exif" not in im.info
            and "comment" not in im.info
        )
    header = data[: data.index(b"\xff\xda")]  # everything before the first scan
    for needle in (b"Exif", b"http://ns.adobe.com/xap", b"GPS", b"ICC_PROFILE"):
        assert needle not in header


def add_photo(album, content, name="photo.jpg", user=None, guest_name=""):
    """A photo through the real pipeline (renditions and all), without HTTP."""
    result = ingest.add(
        album, SimpleUploadedFile(name, content), user=user, guest_name=guest_name
    )
    assert result.status == "added", result
    return result.photo


def remember_upload(client, photo):
    """Make the test client's session the guest session that uploaded `photo`."""
    session = client.session
    session[SESSION_PHOTO_IDS] = [*session.get(SESSION_PHOTO_IDS, ()), photo.pk]
    session.save()
