"""/l/<link token>/cover.jpg: the album's cover for link previews (og:image).
A stable address of ours that redirects to a fresh signed URL of the cover's
display rendition, for crawlers without cookies, counting against no limit."""

import io
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import override_settings
from PIL import Image

from albums.tests.base import AlbumTestCase, make_image_bytes
from core.tests.support import local_storage
from photos import ingest

CRAWLER = {"User-Agent": "WhatsApp/2.24.1.4 A"}


class CoverImageTestCase(AlbumTestCase):
    def add_photo(self, color=(200, 80, 40)):
        data = make_image_bytes(width=1200, height=900, color=color)
        result = ingest.add(
            self.album, ContentFile(data, name="party.jpg"), user=self.alice
        )
        self.assertEqual(result.status, ingest.ADDED, result.message)
        self.album.refresh_from_db()
        return result.photo

    def url(self, album=None):
        return f"/l/{(album or self.album).link_token}/cover.jpg"

    def assert_jpeg_of(self, data, photo):
        self.assertEqual(data[:3], b"\xff\xd8\xff")
        with Image.open(io.BytesIO(data)) as image:
            self.assertEqual(image.format, "JPEG")
            self.assertEqual(image.size, (photo.width, photo.height))


class OnS3(CoverImageTestCase):
    """The test settings' storage: django-storages on moto's S3."""

    def test_redirects_to_a_signed_url_of_the_covers_display_rendition(self):
        photo = self.add_photo()
        response = self.client.get(self.url(), headers=CRAWLER)
        self.assertEqual(response.status_code, 302)
        location = response["Location"]
        self.assertTrue(urlsplit(location).path.endswith(photo.display_link))
        self.assertIn("X-Amz-Signature=", location)
        self.assertEqual(response["Cache-Control"], "public, max-age=300")
        # A shared cache keeps it: no cookie rides along, no session is made.
        self.assertNotIn("Set-Cookie", response.headers)
        self.assertFalse(response.cookies)
        # moto answers the pre-signed URL in process: the real bytes.
        fetched = requests.get(location)
        self.assertEqual(fetched.status_code, 200)
        self.assertEqual(fetched.headers["Content-Type"], "image/jpeg")
        self.assert_jpeg_of(fetched.content, photo)

    def test_the_owners_choice_of_cover_is_what_it_shows(self):
        self.add_photo()
        chosen = self.add_photo(color=(20, 90, 200))
        self.album.thumbnail = chosen
        self.album.save()
        location = self.client.get(self.url())["Location"]
        self.assertTrue(urlsplit(location).path.endswith(chosen.display_link))

    def test_404_without_a_cover_or_with_a_wrong_or_old_token(self):
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.add_photo()
        old = self.url()
        self.album.new_code()
        self.assertEqual(self.client.get(old).status_code, 404)
        self.assertEqual(self.client.get("/l/short/cover.jpg").status_code, 404)
        self.assertEqual(self.client.get(self.url()).status_code, 302)

    def test_a_hidden_cover_is_never_shown(self):
        photo = self.add_photo()
        # Whatever hides a photo refreshes the cover; were it left behind anyway:
        type(photo).objects.filter(pk=photo.pk).update(hidden=True)
        self.assertEqual(self.client.get(self.url()).status_code, 404)

    @override_settings(
        RATE_LIMITS={
            **settings.RATE_LIMITS,
            "code-lookup-device": (1, 3600),
            "code-lookup-client": (1, 3600),
            "code-lookup-global": (1, 3600),
        }
    )
    def test_counts_against_no_lookup_limit(self):
        self.add_photo()
        self.client_class().get("/a/ZZZZZZZZ/")  # every lookup limit used up
        self.assertEqual(
            self.client_class().get(f"/a/{self.album.code}/").status_code, 429
        )
        for _ in range(5):
            self.assertEqual(self.client_class().get(self.url()).status_code, 302)

    def test_only_get_and_head(self):
        self.add_photo()
        self.assertEqual(self.client.head(self.url()).status_code, 302)
        self.assertEqual(self.client.post(self.url()).status_code, 405)


class OnLocalStorage(CoverImageTestCase):
    """Without a bucket the signed URL is ours (/media/...): made absolute, on
    SITE_URL when it is set, since a crawler has no page to resolve it against."""

    def setUp(self):
        super().setUp()
        self.enterContext(local_storage())

    def test_redirects_to_our_signed_media_url_and_its_bytes(self):
        photo = self.add_photo()
        response = self.client.get(self.url(), headers=CRAWLER)
        self.assertEqual(response.status_code, 302)
        location = response["Location"]
        self.assertTrue(location.startswith("http://testserver/media/"), location)
        fetched = self.client.get(location)
        self.assertEqual(fetched.status_code, 200)
        self.assertEqual(fetched["Content-Type"], "image/jpeg")
        self.assert_jpeg_of(b"".join(fetched.streaming_content), photo)

    @override_settings(SITE_URL="https://photos.example.org")
    def test_the_redirect_starts_with_site_url(self):
        self.add_photo()
        location = self.client.get(self.url())["Location"]
        self.assertTrue(location.startswith("https://photos.example.org/media/"))
