"""The site's icons and web app manifest (static/icons/, static/manifest.webmanifest):
linked from every page (templates/base.html), served by whitenoise with the
right types, and what they promise (sizes, the manifest's fields) is so."""

import io
import json
import re

from django.test import TestCase
from PIL import Image

PNG_SIZES = {
    "icons/favicon-32.png": (32, 32),
    "icons/apple-touch-icon.png": (180, 180),
    "icons/icon-192.png": (192, 192),
    "icons/icon-512.png": (512, 512),
    "icons/icon-maskable-512.png": (512, 512),
}


class SiteIconsTestCase(TestCase):
    def get_static(self, path):
        response = self.client.get(f"/static/{path}")
        self.assertEqual(response.status_code, 200, path)
        return response, b"".join(response.streaming_content)

    def links(self):
        html = self.client.get("/").content.decode()
        return {
            (rel, href)
            for rel, href in re.findall(r'<link rel="([^"]+)" href="([^"]+)"', html)
        }

    def test_every_page_links_the_icons_and_the_manifest(self):
        self.assertLessEqual(
            {
                ("icon", "/static/icons/favicon-32.png"),
                ("icon", "/static/icons/favicon.svg"),
                ("apple-touch-icon", "/static/icons/apple-touch-icon.png"),
                ("manifest", "/static/manifest.webmanifest"),
            },
            self.links(),
        )

    def test_the_manifest_is_served_as_a_manifest_and_says_what_it_should(self):
        response, body = self.get_static("manifest.webmanifest")
        self.assertEqual(response["Content-Type"], "application/manifest+json")
        manifest = json.loads(body)
        self.assertEqual(manifest["name"], "PartyShots")
        self.assertEqual(manifest["short_name"], "PartyShots")
        self.assertEqual(manifest["start_url"], "/")
        self.assertEqual(manifest["display"], "standalone")
        self.assertRegex(manifest["theme_color"], r"^#[0-9a-f]{6}$")
        self.assertRegex(manifest["background_color"], r"^#[0-9a-f]{6}$")
        sizes = {
            (icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]
        }
        self.assertLessEqual({("192x192", "any"), ("512x512", "any")}, sizes)
        for icon in manifest["icons"]:
            # Relative to the manifest's own address, in static/.
            _response, data = self.get_static(icon["src"])
            with Image.open(io.BytesIO(data)) as image:
                self.assertEqual(image.format, "PNG")
                self.assertEqual("x".join(map(str, image.size)), icon["sizes"])

    def test_the_pngs_are_the_sizes_they_claim(self):
        for path, size in PNG_SIZES.items():
            with self.subTest(path):
                response, data = self.get_static(path)
                self.assertEqual(response["Content-Type"], "image/png")
                with Image.open(io.BytesIO(data)) as image:
                    self.assertEqual(image.size, size)
        # iOS puts the home screen icon on black where it is transparent.
        _response, data = self.get_static("icons/apple-touch-icon.png")
        with Image.open(io.BytesIO(data)) as image:
            self.assertNotIn("A", image.getbands())

    def test_the_svg_favicon_is_plain_svg(self):
        response, data = self.get_static("icons/favicon.svg")
        self.assertEqual(response["Content-Type"], "image/svg+xml")
        svg = data.decode()
        self.assertTrue(svg.startswith("<svg "))
        self.assertIn('viewBox="0 0 512 512"', svg)
        self.assertNotIn("<script", svg)
