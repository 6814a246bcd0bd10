"""/a/<code>/qr.png: the album's QR code as a PNG to download, encoding its
link (the link token, on SITE_URL when set)."""

import io

import segno
from django.test import override_settings
from PIL import Image

from albums.tests.base import AlbumTestCase


class AlbumQrTestCase(AlbumTestCase):
    def setUp(self):
        super().setUp()
        self.url = f"/a/{self.album.code}/qr.png"

    def expected_png(self, link):
        buffer = io.BytesIO()
        segno.make(link, error="m").save(buffer, kind="png", scale=16, border=4)
        return buffer.getvalue()

    def test_a_png_of_the_albums_link_for_anyone_with_the_code(self):
        for user in (None, self.bob, self.alice):
            with self.subTest(user=user):
                self.login_as(user)
                response = self.client.get(self.url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["Content-Type"], "image/png")
                self.assertTrue(
                    response["Content-Disposition"].startswith(
                        'attachment; filename="QR code for Alice\'s party.png"'
                    )
                )
                link = f"http://testserver/l/{self.album.link_token}/"
                self.assertEqual(response.content, self.expected_png(link))
                with Image.open(io.BytesIO(response.content)) as image:
                    self.assertEqual(image.format, "PNG")
                    modules = segno.make(link, error="m").symbol_size(
                        scale=16, border=4
                    )
                    self.assertEqual(image.size, modules)

    @override_settings(SITE_URL="https://photos.example.org")
    def test_it_encodes_the_public_address(self):
        link = f"https://photos.example.org/l/{self.album.link_token}/"
        self.assertEqual(self.client.get(self.url).content, self.expected_png(link))

    def test_unknown_code(self):
        self.assertEqual(self.client.get("/a/ZZZZZZZZ/qr.png").status_code, 404)
