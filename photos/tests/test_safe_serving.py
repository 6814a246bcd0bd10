"""User files are served as the image type they were validated as, never as
a page: a PNG/HTML or JPEG/HTML polyglot uploaded through the view, then
fetched through the URL the photo page gives, on both storage backends."""

from urllib.parse import parse_qs, unquote, urlsplit

import boto3
from django.conf import settings
from django.urls import reverse

from albums.tests.base import AlbumTestCase
from core.tests.support import local_storage
from core.views import MEDIA_CSP
from photos.models import Photo
from photos.tests.helpers import corpus_bytes, upload

POLYGLOTS = {
    "hostile/png_html_polyglot.png": "image/png",
    "hostile/jpeg_html_polyglot.jpg": "image/jpeg",
}


class PolyglotTestsMixin:
    def uploaded(self, path):
        data = corpus_bytes(path)
        self.assertIn(b"<", data)  # it really is a page too
        self.assertEqual(
            upload(self.client, self.album, path.rsplit("/", 1)[-1], data).status_code,
            201,
        )
        photo = Photo.objects.get(filename=path.rsplit("/", 1)[-1])
        self.assertEqual(photo.content_type, POLYGLOTS[path])
        return photo, data

    def download_url(self, photo):
        response = self.client.get(
            reverse("photo_download", args=[self.album.code, photo.pk])
        )
        self.assertEqual(response.status_code, 302)
        return response["Location"]


class LocalPolyglotTests(PolyglotTestsMixin, AlbumTestCase):
    def setUp(self):
        super().setUp()
        self.enterContext(local_storage())

    def test_polyglots_are_served_as_images_in_a_sandbox(self):
        for path, content_type in POLYGLOTS.items():
            with self.subTest(path=path):
                photo, data = self.uploaded(path)
                response = self.client.get(self.download_url(photo))
                self.assertEqual(response.status_code, 200)
                self.assertEqual(b"".join(response.streaming_content), data)
                self.assertEqual(response["Content-Type"], content_type)
                self.assertEqual(response["X-Content-Type-Options"], "nosniff")
                self.assertEqual(response["Content-Security-Policy"], MEDIA_CSP)
                self.assertTrue(
                    response["Content-Disposition"].startswith("attachment; ")
                )
                # Renditions too, as the page links them.
                for url in (photo.thumbnail_url(), photo.display_url()):
                    rendition = self.client.get(url)
                    self.assertEqual(rendition["Content-Type"], "image/jpeg")
                    self.assertEqual(rendition["Content-Security-Policy"], MEDIA_CSP)
                    self.assertNotIn("html", rendition["Content-Type"])


class S3PolyglotTests(PolyglotTestsMixin, AlbumTestCase):
    def test_polyglots_are_stored_and_signed_as_images(self):
        s3 = boto3.client("s3", region_name="us-east-1")
        for path, content_type in POLYGLOTS.items():
            with self.subTest(path=path):
                photo, data = self.uploaded(path)
                # Stored with the validated type, whatever the file says it is.
                head = s3.head_object(
                    Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=photo.link
                )
                self.assertEqual(head["ContentType"], content_type)
                url = urlsplit(self.download_url(photo))
                query = {
                    name: values[0] for name, values in parse_qs(url.query).items()
                }
                self.assertEqual(query["response-content-type"], content_type)
                self.assertTrue(
                    query["response-content-disposition"].startswith("attachment; ")
                )
                self.assertTrue(unquote(url.path).endswith(f"/{photo.link}"))
                # What S3 answers to that URL's overrides.
                got = s3.get_object(
                    Bucket=settings.AWS_STORAGE_BUCKET_NAME,
                    Key=photo.link,
                    ResponseContentType=query["response-content-type"],
                    ResponseContentDisposition=query["response-content-disposition"],
                )
                self.assertEqual(got["ContentType"], content_type)
                self.assertEqual(got["Body"].read(), data)
                self.assertNotIn("html", got["ContentType"])
