"""Range requests on the storage URLs, as a video player seeking sends them:
the local storage's signed URLs (core.views.media) answer a single range with
206 and just those bytes, as S3's pre-signed URLs do (checked on SeaweedFS)."""

import asyncio
import os
import uuid

import pytest
import requests
from django.core.wsgi import get_wsgi_application
from django.test import SimpleTestCase, TestCase

from core import storage
from core.asgi import WSGIBridge
from core.tests.support import local_storage, run_coroutine, s3_storages
from core.tests.test_asgi import Client, scope
from core.views import Unsatisfiable, byte_range

SIZE = 300_000
KEY = "albums/1/0123abcd.mp4"


def range_body(response):
    return b"".join(response.streaming_content)


class ByteRangeTests(SimpleTestCase):
    """core.views.byte_range: what a Range header asks for of a 1,000 byte file."""

    def test_the_forms_of_a_single_range(self):
        self.assertEqual(byte_range("bytes=0-99", 1000), (0, 99))
        self.assertEqual(byte_range("bytes=500-", 1000), (500, 999))
        self.assertEqual(byte_range("bytes=-100", 1000), (900, 999))
        self.assertEqual(byte_range("bytes=999-999", 1000), (999, 999))

    def test_a_range_past_the_end_is_cut_at_the_end(self):
        self.assertEqual(byte_range("bytes=900-5000", 1000), (900, 999))
        self.assertEqual(byte_range("bytes=-5000", 1000), (0, 999))

    def test_what_is_not_understood_gives_the_whole_file(self):
        for header in (
            None,
            "",
            "bytes=-",
            "bytes=5-1",
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes=a-b",
            "bytes=" + "9" * 5000 + "-",
        ):
            with self.subTest(header=header):
                self.assertIsNone(byte_range(header, 1000))

    def test_a_range_that_starts_past_the_end_is_unsatisfiable(self):
        for header, size in (
            ("bytes=1000-", 1000),
            ("bytes=-0", 1000),
            ("bytes=0-", 0),
        ):
            with (
                self.subTest(header=header, size=size),
                self.assertRaises(Unsatisfiable),
            ):
                byte_range(header, size)


class LocalMediaRangeTests(TestCase):
    def setUp(self):
        self.enterContext(local_storage())
        self.data = os.urandom(SIZE)
        storage.save(KEY, self.data, "video/mp4")
        self.url = storage.url(KEY, content_type="video/mp4")

    def get(self, range_header=None, url=None, **headers):
        if range_header is not None:
            headers["Range"] = range_header
        return self.client.get(url or self.url, headers=headers)

    def test_without_a_range_the_whole_file_says_it_takes_ranges(self):
        response = self.get()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Accept-Ranges"], "bytes")
        self.assertEqual(response["Content-Length"], str(SIZE))
        self.assertEqual(range_body(response), self.data)

    def test_the_middle_of_the_file_comes_back_exact(self):
        response = self.get("bytes=100000-199999")
        self.assertEqual(response.status_code, 206)
        self.assertEqual(response["Content-Range"], f"bytes 100000-199999/{SIZE}")
        self.assertEqual(response["Content-Length"], "100000")
        self.assertEqual(response["Accept-Ranges"], "bytes")
        self.assertEqual(range_body(response), self.data[100000:200000])
        # The pinned headers stay as for the whole file.
        self.assertEqual(response["Content-Type"], "video/mp4")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["Content-Disposition"], "inline")

    def test_from_an_offset_to_the_end(self):
        response = self.get("bytes=299000-")
        self.assertEqual(response.status_code, 206)
        self.assertEqual(response["Content-Range"], f"bytes 299000-{SIZE - 1}/{SIZE}")
        self.assertEqual(range_body(response), self.data[299000:])

    def test_the_last_bytes(self):
        response = self.get("bytes=-777")
        self.assertEqual(response.status_code, 206)
        self.assertEqual(
            response["Content-Range"], f"bytes {SIZE - 777}-{SIZE - 1}/{SIZE}"
        )
        self.assertEqual(range_body(response), self.data[-777:])

    def test_one_byte_and_a_range_past_the_end(self):
        self.assertEqual(range_body(self.get("bytes=0-0")), self.data[:1])
        response = self.get(f"bytes={SIZE - 10}-{SIZE + 10}")
        self.assertEqual(response.status_code, 206)
        self.assertEqual(range_body(response), self.data[-10:])

    def test_a_range_past_the_end_is_416_with_the_size(self):
        for header in (f"bytes={SIZE}-", f"bytes={SIZE + 5}-{SIZE + 10}", "bytes=-0"):
            with self.subTest(header=header):
                response = self.get(header)
                self.assertEqual(response.status_code, 416)
                self.assertEqual(response["Content-Range"], f"bytes */{SIZE}")

    def test_several_ranges_or_an_if_range_get_the_whole_file(self):
        for response in (
            self.get("bytes=0-9,20-29"),
            self.get("bytes=0-9", **{"If-Range": '"an-old-etag"'}),
        ):
            self.assertEqual(response.status_code, 200)
            self.assertEqual(range_body(response), self.data)

    def test_a_range_does_not_get_past_the_signature(self):
        forged = self.url.replace("Signature=", "Signature=0")
        self.assertEqual(self.get("bytes=0-99", url=forged).status_code, 404)
        expired = storage.url(KEY, content_type="video/mp4", expire=-1)
        self.assertEqual(self.get("bytes=0-99", url=expired).status_code, 404)


class WebProcessRangeTests(TestCase):
    """The same through the web process's front (core.asgi), which sends a
    file response through its own file wrapper."""

    def setUp(self):
        self.enterContext(local_storage())
        self.data = os.urandom(SIZE)
        storage.save(KEY, self.data, "video/mp4")
        self.url = storage.url(KEY, content_type="video/mp4")
        self.bridge = WSGIBridge(get_wsgi_application(), threads=1)
        self.addCleanup(self.bridge.pool.shutdown)

    def serve(self, headers):
        path, _, query = self.url.partition("?")
        request = scope("GET", path, headers=headers, query=query.encode())
        client = Client()
        run = self.bridge(request, client.receive, client.send)
        run_coroutine(asyncio.wait_for(run, 10))
        head = client.sent[0]
        return (
            client.status,
            {name.decode(): value.decode() for name, value in head["headers"]},
            client.content,
        )

    def test_a_range_is_sent_exactly(self):
        status, headers, body = self.serve([(b"range", b"bytes=123456-234567")])
        self.assertEqual(status, 206)
        self.assertEqual(headers["content-range"], f"bytes 123456-234567/{SIZE}")
        self.assertEqual(headers["content-length"], str(234567 - 123456 + 1))
        self.assertEqual(body, self.data[123456:234568])

    def test_the_whole_file_without_a_range(self):
        status, headers, body = self.serve([])
        self.assertEqual(status, 200)
        self.assertEqual(headers["accept-ranges"], "bytes")
        self.assertEqual(body, self.data)


@pytest.fixture
def strict_storage(settings, seaweedfs):
    """The default storage on SeaweedFS, which checks the pre-signed URLs."""
    storages = s3_storages(settings.STORAGES, seaweedfs.endpoint_url, seaweedfs.bucket)
    storages["default"]["OPTIONS"] |= {
        "access_key": seaweedfs.access_key,
        "secret_key": seaweedfs.secret_key,
        "signature_version": "s3v4",
    }
    settings.STORAGES = storages
    key = f"albums/1/{uuid.uuid4().hex}.mp4"
    yield key
    seaweedfs.client().delete_object(Bucket=seaweedfs.bucket, Key=key)


def test_a_presigned_url_on_seaweedfs_serves_a_range(strict_storage):
    key, data = strict_storage, os.urandom(SIZE)
    storage.save(key, data, "video/mp4")
    url = storage.url(key, content_type="video/mp4")
    assert url.startswith("http")

    middle = requests.get(url, headers={"Range": "bytes=100000-199999"}, timeout=10)
    assert middle.status_code == 206, middle.text
    assert middle.headers["Content-Range"] == f"bytes 100000-199999/{SIZE}"
    assert middle.headers["Content-Type"] == "video/mp4"
    assert middle.content == data[100000:200000]

    last = requests.get(url, headers={"Range": "bytes=-500"}, timeout=10)
    assert last.status_code == 206
    assert last.content == data[-500:]

    whole = requests.get(url, timeout=10)
    assert whole.status_code == 200
    assert whole.content == data

    past = requests.get(url, headers={"Range": f"bytes={SIZE}-"}, timeout=10)
    assert past.status_code == 416
