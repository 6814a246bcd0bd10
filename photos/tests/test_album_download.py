import contextlib
import datetime
import io
import os
import threading
import time
import uuid
import zipfile
from unittest import mock

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from botocore.response import StreamingBody
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from albums.tests.base import BaseTestCase, make_image_bytes
from core import storage
from core.storage.s3 import S3ReadAhead
from core.tests.support import local_storage
from photos.models import Photo
from photos.tests.helpers import add_photo, corpus_bytes, has_gps, read_object
from photos.views import album_download


class AlbumDownloadTests(BaseTestCase):
    def setUp(self):
        self.url = reverse("album_download", args=[self.album.code])
        self.gps_original = corpus_bytes("real_photos/DSCN0010.jpg")
        self.gps_photo = add_photo(
            self.album, self.gps_original, "DSCN0010.jpg", user=self.bob
        )
        self.plain = [
            add_photo(self.album, make_image_bytes(color=(40 * i, 100, 0)), "same.jpg")
            for i in range(3)
        ]

    def download(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.streaming)
        self.assertEqual(response["Content-Type"], "application/zip")
        self.assertIn(
            'attachment; filename="Alice\'s party.zip"', response["Content-Disposition"]
        )
        body = b"".join(response.streaming_content)
        self.assertEqual(int(response["Content-Length"]), len(body))
        return zipfile.ZipFile(io.BytesIO(body))

    def test_owner_gets_every_original_stored_not_compressed(self):
        self.client.force_login(self.alice)
        archive = self.download()
        photos = [self.gps_photo, *self.plain]
        self.assertEqual(len(archive.infolist()), 4)
        contents = sorted(archive.read(info) for info in archive.infolist())
        self.assertEqual(contents, sorted(read_object(photo.link) for photo in photos))
        self.assertTrue(
            all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())
        )

    def test_entries_named_by_date_taken_then_name_unique(self):
        self.client.force_login(self.alice)
        names = self.download().namelist()
        taken = timezone.localtime(self.gps_photo.taken_at)
        self.assertIn(f"{taken:%Y-%m-%d %H.%M.%S} DSCN0010.jpg", names)
        self.assertEqual(len(set(names)), len(names))
        self.assertEqual(sum("same" in name for name in names), 3)

    def test_others_get_originals_without_location(self):
        archive = self.download()
        (gps_entry,) = [name for name in archive.namelist() if "DSCN0010" in name]
        data = archive.read(gps_entry)
        self.assertFalse(has_gps(data))
        self.assertEqual(data, read_object(self.gps_photo.location_free_link))

    def test_hidden_photos_left_out_for_others(self):
        self.plain[0].hidden = True
        self.plain[0].save()
        self.assertEqual(len(self.download().namelist()), 3)
        self.client.force_login(self.alice)
        self.assertEqual(len(self.download().namelist()), 4)

    def test_storage_down_gives_the_503_page_not_a_zip_that_breaks_off(self):
        # It answered 200 and stopped after the first entry's 66-byte header.
        failure = EndpointConnectionError(endpoint_url="https://s3.example.com")
        with (
            mock.patch.object(S3ReadAhead, "_get", side_effect=failure),
            self.assertLogs("photos.views", "ERROR"),
        ):
            response = self.client.get(self.url)
        self.assertFalse(response.streaming)
        self.assertContains(
            response, "can&#x27;t reach its photo storage", status_code=503
        )
        self.assertEqual(response["Retry-After"], "30")
        self.assertNotIn("Content-Disposition", response)

    def test_the_zip_is_named_after_the_album_slashes_and_all(self):
        self.album.name = "Sam & Alex 12/06/2026"
        self.album.save()
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            'filename="Sam & Alex 12-06-2026.zip"', response["Content-Disposition"]
        )
        self.assertIn(
            "filename*=UTF-8''Sam%20%26%20Alex%2012-06-2026.zip",
            response["Content-Disposition"],
        )
        b"".join(response.streaming_content)

    def test_unknown_album_404(self):
        self.assertEqual(
            self.client.get(reverse("album_download", args=["ZZZZZZZZ"])).status_code,
            404,
        )


class LocalStorageDownloadTests(BaseTestCase):
    """The same ZIP and download from the local signed storage (no bucket)."""

    def setUp(self):
        self.enterContext(local_storage())
        self.original = corpus_bytes("real_photos/DSCN0010.jpg")
        self.photo = add_photo(self.album, self.original, "DSCN0010.jpg")

    def test_a_missing_first_object_gives_the_503_page(self):
        storage.delete([self.photo.link])
        self.client.force_login(self.alice)
        with self.assertLogs("photos.views", "ERROR"):
            response = self.client.get(
                reverse("album_download", args=[self.album.code])
            )
        self.assertEqual(response.status_code, 503)
        self.assertFalse(response.streaming)

    def test_zip_and_signed_download(self):
        self.client.force_login(self.alice)
        response = self.client.get(reverse("album_download", args=[self.album.code]))
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        self.assertEqual(
            [archive.read(name) for name in archive.namelist()], [self.original]
        )
        self.client.logout()
        location = self.client.get(
            reverse("photo_download", args=[self.album.code, self.photo.pk])
        )["Location"]
        served = self.client.get(location)
        self.assertEqual(served["Content-Type"], "image/jpeg")
        self.assertIn("attachment", served["Content-Disposition"])
        self.assertFalse(has_gps(b"".join(served.streaming_content)))


@pytest.mark.usefixtures("s3_over_http")
class S3OverHttpDownloadTests(BaseTestCase):
    """The ZIP as deployed: objects read from an S3 server over HTTP, several
    chunks each (storage.iter_object reads 1 MB at a time)."""

    def setUp(self):
        self.contents = {}
        start = timezone.now()
        for index, size in enumerate((2_500_000, 1_048_576, 3_000_001)):
            data = os.urandom(size)
            key = storage.save(
                f"albums/{self.album.pk}/{uuid.uuid4().hex}.jpg", data, "image/jpeg"
            )
            Photo.objects.create(
                album=self.album,
                link=key,
                tlink=key,
                display_link=key,
                filename=f"big{index}.jpg",
                content_type="image/jpeg",
                size=size,
                width=1,
                height=1,
                sha256=uuid.uuid4().hex * 2,
                taken_at=start + datetime.timedelta(minutes=index),
            )
            self.contents[f"big{index}.jpg"] = data
        self.client.force_login(self.alice)
        self.url = reverse("album_download", args=[self.album.code])

    def test_zip_of_several_objects_is_byte_correct(self):
        response = self.client.get(self.url)
        body = b"".join(response.streaming_content)
        self.assertEqual(int(response["Content-Length"]), len(body))
        archive = zipfile.ZipFile(io.BytesIO(body))
        self.assertIsNone(archive.testzip())  # every entry's CRC-32 checks out
        self.assertEqual(
            {name.split(" ", 2)[2]: archive.read(name) for name in archive.namelist()},
            self.contents,
        )

    def track_bodies(self):
        """Patches the ZIP's S3 reads to note which response bodies are opened and closed."""
        opened, closed = [], []
        real_get, real_close = S3ReadAhead._get, StreamingBody.close

        def get(reader, index):
            body = real_get(reader, index)
            opened.append(body)
            return body

        def close(body):
            closed.append(body)
            real_close(body)

        patches = contextlib.ExitStack()
        patches.enter_context(mock.patch.object(S3ReadAhead, "_get", get))
        patches.enter_context(mock.patch.object(StreamingBody, "close", close))
        return opened, closed, patches

    def wait_for_read_ahead(self):
        """Waits for the read-ahead thread to finish; fails if it doesn't."""
        for thread in threading.enumerate():
            if thread.name.startswith("s3-read-ahead"):
                thread.join(timeout=10)
                self.assertFalse(thread.is_alive())

    def test_the_next_object_is_asked_for_while_one_streams(self):
        opened, closed, patch = self.track_bodies()
        with patch:
            response = self.client.get(self.url)
            stream = iter(response.streaming_content)
            received = [
                next(stream),
                next(stream),
            ]  # the first entry's header and first chunk
            self.wait_for_read_ahead_started(opened, 2)
            received.extend(stream)
            self.wait_for_read_ahead()
        self.assertEqual(len(opened), 3)  # one GET per object
        self.assertLessEqual(
            {id(body) for body in opened}, {id(body) for body in closed}
        )
        archive = zipfile.ZipFile(io.BytesIO(b"".join(received)))
        self.assertIsNone(archive.testzip())

    def wait_for_read_ahead_started(self, opened, count):
        for _ in range(100):
            if len(opened) >= count:
                return
            time.sleep(0.05)
        self.fail(f"{len(opened)} objects asked for, expected {count}")

    def test_storage_error_mid_stream_ends_the_stream_with_an_error(self):
        """A read failing halfway raises out of the stream (the server then cuts
        the connection: the client sees a failed download, never a ZIP that
        looks complete), and every S3 body opened is closed, the one asked for
        ahead included."""
        reads = []
        real_read = StreamingBody.read
        opened, closed, patch = self.track_bodies()

        def failing_read(body, amt=None):
            reads.append(amt)
            if len(reads) == 3:
                raise ReadTimeoutError(endpoint_url=self.url)
            return real_read(body, amt)

        with mock.patch.object(StreamingBody, "read", failing_read), patch:
            response = self.client.get(self.url)
            received = []
            with self.assertRaises(ReadTimeoutError):
                for chunk in response.streaming_content:
                    received.append(chunk)
            self.wait_for_read_ahead()
        self.assertEqual(len(reads), 3)
        self.assertLessEqual(
            {id(body) for body in opened}, {id(body) for body in closed}
        )
        self.assertLess(len(b"".join(received)), int(response["Content-Length"]))

    def test_client_going_away_closes_the_s3_bodies_and_stops_reading_ahead(self):
        opened, closed, patch = self.track_bodies()
        request = RequestFactory().get(self.url)
        request.user, request.session = self.alice, {}
        with patch:
            response = album_download(request, self.album.code)
            stream = iter(response)
            for _ in range(3):  # the first entry's header and two chunks of it
                next(stream)
            self.assertEqual(closed, [])
            # What the WSGI server does when the client disconnects (without
            # request_finished closing the test's database connection).
            request_finished.disconnect(close_old_connections)
            try:
                response.close()
            finally:
                request_finished.connect(close_old_connections)
            self.wait_for_read_ahead()
        self.assertLessEqual(len(opened), 2)
        self.assertLessEqual(
            {id(body) for body in opened}, {id(body) for body in closed}
        )
