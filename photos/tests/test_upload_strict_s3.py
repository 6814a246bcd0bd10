"""Direct uploads against a strict S3 server (SeaweedFS: signatures, expiry,
signed sizes), the way a deployment runs them: the browser's PUTs go to the
bucket over HTTP with the URLs the views signed."""

import hashlib

import pytest
import requests
from django.test import Client

from albums.tests.base import make_image_bytes
from core import storage
from photos.models import Photo, Upload
from photos.tests.direct_helpers import post_json, put_part, send, start


@pytest.fixture
def strict_bucket(settings, seaweedfs):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "endpoint_url": seaweedfs.endpoint_url,
                "bucket_name": seaweedfs.bucket,
                "region_name": seaweedfs.region,
                "access_key": seaweedfs.access_key,
                "secret_key": seaweedfs.secret_key,
                "addressing_style": "path",
                "signature_version": "s3v4",
            },
        },
    }
    yield seaweedfs
    client = seaweedfs.client()
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=seaweedfs.bucket
    ):
        for entry in page.get("Contents", ()):
            client.delete_object(Bucket=seaweedfs.bucket, Key=entry["Key"])


def test_a_photo_goes_to_the_bucket_and_into_the_album(
    strict_bucket, album, django_capture_on_commit_callbacks
):
    client = Client()
    data = make_image_bytes(800, 600)
    with django_capture_on_commit_callbacks(execute=True):
        finished, started = send(client, album, "IMG_1.jpg", data)
    assert finished.status_code == 202
    assert client.get(started["status_url"]).json()["status"] == "added"
    photo = Photo.objects.get()
    assert b"".join(storage.iter_object(photo.link)) == data
    assert not [key for key, _ in storage.list_objects("incoming/")]


def test_a_multipart_upload_resumes_and_completes(
    strict_bucket, album, django_capture_on_commit_callbacks
):
    client = Client()
    data = make_image_bytes(3000, 2000, format="PNG")
    data += b"\0" * (9 * 1024 * 1024 - len(data))
    started = start(client, album, "big.png", len(data), "image/png").json()
    assert started["parts"] == 2
    part = started["part_size"]
    signed = post_json(client, started["sign_url"], {"part": 1}).json()
    assert put_part(client, signed, data[:part]).status_code == 200
    listed = client.get(started["parts_url"]).json()["parts"]
    assert [(p["number"], p["size"]) for p in listed] == [(1, part)]
    signed = post_json(client, started["sign_url"], {"part": 2}).json()
    assert put_part(client, signed, data[part:]).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(started["finish_url"]).status_code == 202
    photo = Photo.objects.get()
    stored = b"".join(storage.iter_object(photo.link))
    assert hashlib.sha256(stored).digest() == hashlib.sha256(data).digest()


def test_the_bucket_refuses_a_body_that_lies_about_its_size(strict_bucket, album):
    client = Client()
    data = make_image_bytes()
    started = start(client, album, "a.jpg", len(data)).json()
    signed = post_json(client, started["sign_url"], {"part": 1}).json()
    assert put_part(client, signed, data + b"x").status_code == 403
    assert put_part(client, signed, data[:-1]).status_code == 403
    answer = client.post(started["finish_url"])
    assert answer.status_code == 409
    assert Upload.objects.get().status == "pending"
    assert not Photo.objects.exists()


def test_the_bucket_refuses_a_tampered_or_misused_part_url(strict_bucket, album):
    client = Client()
    size = 9 * 1024 * 1024
    first = start(client, album, "a.jpg", size).json()
    second = start(client, album, "b.jpg", size).json()
    signed = post_json(client, first["sign_url"], {"part": 1}).json()
    body = b"\0" * first["part_size"]
    url = signed["url"]
    tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
    assert requests.put(tampered, data=body, timeout=30).status_code == 403
    assert (
        requests.put(url.replace("partNumber=1", "partNumber=2"), data=body, timeout=30)
    ).status_code == 403
    other_id = Upload.objects.get(token=second["token"]).multipart_id
    first_id = Upload.objects.get(token=first["token"]).multipart_id
    assert (
        requests.put(url.replace(first_id, other_id), data=body, timeout=30)
    ).status_code == 403
    assert client.get(first["parts_url"]).json()["parts"] == []
    assert client.get(second["parts_url"]).json()["parts"] == []
