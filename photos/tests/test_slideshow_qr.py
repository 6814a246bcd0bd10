"""The slideshow's QR code: the album's link (its link token, on SITE_URL when
set), drawn server-side as an inline SVG in the corner and on the full-screen
"Scan to add your photos" slide (shown at once on an empty album), and how
often that slide comes (SLIDESHOW_QR_EVERY, or ?qr= within its bounds).

No QR decoder is installed, so the SVG is read back module by module (the
path segno draws: one horizontal run per stretch of dark modules) and compared
with segno's own matrix for the link, quiet zone included."""

import re

import segno
from django.test import override_settings
from django.urls import reverse

from albums.tests.base import BaseTestCase, store_photo

SVG = re.compile(r"<svg\b[^>]*>.*?</svg>", re.DOTALL)
PATH_COMMAND = re.compile(r"([MmHhZzVv])([^MmHhZzVv]*)")


def modules(svg):
    """The dark modules the SVG draws, as rows of 0 and 1 (its viewBox's size)."""
    width, height = map(int, re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())
    grid = [[0] * width for _ in range(height)]
    (path,) = re.findall(r'<path stroke="#000" d="([^"]+)"', svg)
    x = y = 0.0
    for command, numbers in PATH_COMMAND.findall(path):
        values = [float(value) for value in numbers.split()] if numbers else []
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        elif command == "h":
            row = int(y)  # each run is a 1-unit stroke along the row's middle
            for column in range(int(x), int(x + values[0])):
                grid[row][column] = 1
            x += values[0]
        else:
            raise AssertionError(f"unexpected path command {command!r}")
    return grid


def expected_modules(link):
    return [list(row) for row in segno.make(link, error="m").matrix_iter(border=4)]


class SlideshowQrTests(BaseTestCase):
    def setUp(self):
        self.url = reverse("slideshow", args=[self.album.code])
        self.link = f"http://testserver/l/{self.album.link_token}/"

    def qr_svgs(self, response):
        html = response.content.decode()
        svgs = [svg for svg in SVG.findall(html) if "slideshow-qr-code" in svg]
        return html, svgs

    def test_the_qr_code_is_the_albums_link_in_the_corner_and_full_screen(self):
        response = self.client.get(self.url)
        html, svgs = self.qr_svgs(response)
        # The corner's and the full-screen slide's: the same code.
        self.assertEqual(len(svgs), 2)
        self.assertEqual(svgs[0], svgs[1])
        svg = svgs[0]
        self.assertEqual(modules(svg), expected_modules(self.link))
        # Black on white, the white (quiet zone included) painted in.
        size = segno.make(self.link, error="m").symbol_size(border=4)[0]
        self.assertIn(f'<path fill="#fff" d="M0 0h{size}v{size}h-{size}z"/>', svg)
        self.assertIn('role="img"', svg)
        self.assertIn("<title>QR code of this album's link</title>", svg)
        self.assertNotIn("style=", svg)  # the CSP allows no inline style
        # The link the share page sends and prints on the cards.
        share = self.client.get(reverse("album_share", args=[self.album.code]))
        self.assertEqual(share.context["link"], self.link)

    @override_settings(SITE_URL="https://photos.example.org")
    def test_it_encodes_the_public_address(self):
        response = self.client.get(self.url)
        _html, svgs = self.qr_svgs(response)
        self.assertEqual(
            modules(svgs[0]),
            expected_modules(f"https://photos.example.org/l/{self.album.link_token}/"),
        )
        self.assertContains(
            response, '<strong class="slideshow-qr-site">photos.example.org</strong>', 2
        )

    def test_an_empty_album_shows_the_full_screen_code(self):
        self.album.name = "Sam & Alex <3"
        self.album.save()
        response = self.client.get(self.url)
        html = response.content.decode()
        self.assertIn('class="slideshow is-qr"', html)
        self.assertIn('<div class="slideshow-qr-slide" data-slideshow-qr>', html)
        self.assertContains(
            response, '<h2 class="slideshow-qr-title">Scan to add your photos</h2>'
        )
        self.assertContains(
            response, '<p class="slideshow-qr-album">Sam &amp; Alex &lt;3</p>'
        )
        self.assertContains(
            response,
            'Or go to <strong class="slideshow-qr-site">testserver</strong> and type '
            f'<strong class="slideshow-qr-code-text">{self.album.display_code}</strong>',
        )
        self.assertContains(
            response,
            '<p class="slideshow-qr-waiting" data-slideshow-empty>'
            "Waiting for the first photo…</p>",
        )

    def test_with_photos_the_code_sits_in_the_corner(self):
        photo = store_photo(self.album, user=self.alice)
        response = self.client.get(self.url)
        html = response.content.decode()
        self.assertIn('class="slideshow"', html)
        self.assertIn('<div class="slideshow-qr-slide" data-slideshow-qr hidden>', html)
        self.assertIn("data-slideshow-empty hidden>", html)
        self.assertContains(response, f'data-photo-id="{photo.pk}"')
        corner = re.search(
            r'<aside class="slideshow-corner".*?</aside>', html, re.DOTALL
        ).group()
        self.assertIn("Scan to add your photos", corner)
        self.assertIn(self.album.display_code, corner)
        self.assertEqual(
            modules(SVG.search(corner).group()), expected_modules(self.link)
        )

    def test_how_often_the_qr_slide_comes(self):
        def every(**query):
            response = self.client.get(self.url, query)
            return int(
                re.search(r'data-qr-every="(-?\d+)"', response.content.decode())[1]
            )

        self.assertEqual(every(), 10)
        self.assertEqual(every(qr="2"), 2)
        self.assertEqual(every(qr="2.7"), 2)
        self.assertEqual(every(qr="0"), 0)  # off
        self.assertEqual(every(qr="-3"), 0)
        self.assertEqual(every(qr="1e9"), 1000)
        self.assertEqual(every(qr="soon"), 10)
        self.assertEqual(every(qr="nan"), 10)
        self.assertEqual(every(qr="inf"), 10)
        self.assertEqual(every(qr=""), 10)
        with self.settings(SLIDESHOW_QR_EVERY=4):
            self.assertEqual(every(), 4)
            self.assertEqual(every(qr="7"), 7)
        with self.settings(SLIDESHOW_QR_EVERY=0):
            self.assertEqual(every(), 0)
