"""Shared helpers for the photos tests: the corpus, and reading what was stored."""

import csv
import functools
import io
import pathlib
import secrets

import boto3
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from PIL import Image

from photos import (
    guests,
    images,  # noqa: F401  (registers the HEIF/AVIF openers)
    ingest,
)

CORPUS = pathlib.Path(__file__).parent / "corpus"
with open(CORPUS / "manifest.csv", newline="") as _fh:
    ROWS = list(csv.DictReader(_fh))

JSON = {"HTTP_ACCEPT": "application/json"}
# Files the corpus's Pillow policy accepts (manifest.csv's `expected`) that
# PartyShots may refuse for the decoding budget per file, depending on how
# fast the machine is (PHOTO_MAX_DECODE_SECONDS): 40,000 frames take about
# 1.4 s of CPU on the 2-core test machine.
DECODE_BUDGET = {"hostile/uber.gif"}
DECODE_BUDGET_MESSAGE = "This animation takes too long to check"


def verdict_ok(path, verdict, message):
    """Whether PartyShots' verdict on a corpus file is the manifest's (or, for
    a file in DECODE_BUDGET, a refusal for the decoding budget)."""
    expected = next(row["expected"] for row in ROWS if row["path"] == path)
    return verdict == expected or (
        path in DECODE_BUDGET
        and verdict == "reject"
        and DECODE_BUDGET_MESSAGE in message
    )


def corpus_bytes(path):
    return (CORPUS / path).read_bytes()


def corpus_row(path):
    return next(row for row in ROWS if row["path"] == path)


@functools.cache
def s3_client():
    """One boto3 client for the session (each costs ~5 ms to make)."""
    return boto3.client("s3", region_name="us-east-1")


def read_object(key):
    """An object's bytes, straight from the (moto) bucket."""
    body = s3_client().get_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=key)
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


def guest_token(client):
    """The token of the test client's guest cookie (photos.guests), giving it
    one if it has none."""
    cookie = client.cookies.get(guests.COOKIE_NAME)
    if cookie is not None:
        request = RequestFactory().get("/")
        request.COOKIES[guests.COOKIE_NAME] = cookie.value
        return request.get_signed_cookie(guests.COOKIE_NAME, salt=guests.SALT)
    token = secrets.token_urlsafe(32)
    response = HttpResponse()
    response.set_signed_cookie(guests.COOKIE_NAME, token, salt=guests.SALT)
    client.cookies[guests.COOKIE_NAME] = response.cookies[guests.COOKIE_NAME].value
    return token


def remember_upload(client, photo):
    """Make the test client the guest browser that uploaded `photo`: its guest
    cookie's key goes on the photo's row, as an upload from it would put it."""
    photo.guest_key = guests.key_for_token(guest_token(client))
    photo.save(update_fields=["guest_key"])
