"""The image functions on their own, where the views can't show a detail."""

import io

from django.test import SimpleTestCase
from PIL import Image

from photos import thumbnails
from photos.tests.helpers import corpus_bytes, has_gps, jpeg_markers


class JpegWithoutMetadataTests(SimpleTestCase):
    def test_drops_exif_comments_and_trailing_bytes_keeps_image_data(self):
        original = corpus_bytes("hostile/jpeg_html_polyglot.jpg")
        stripped = thumbnails.jpeg_without_metadata(original)
        self.assertEqual(thumbnails.jpeg_scan_data(stripped), thumbnails.jpeg_scan_data(original))
        self.assertTrue(stripped.endswith(b"\xff\xd9"))
        self.assertNotIn(b"<", stripped[: stripped.index(b"\xff\xda")])
        self.assertNotIn(0xFE, jpeg_markers(stripped))
        with Image.open(io.BytesIO(stripped)) as im:
            im.load()

    def test_keeps_icc_profile_and_adobe_segment(self):
        for path in ("formats/icc_xmp.jpg", "formats/cmyk_adobe.jpg"):
            with self.subTest(path=path):
                original = corpus_bytes(path)
                stripped = thumbnails.jpeg_without_metadata(original)
                with Image.open(io.BytesIO(original)) as before, Image.open(io.BytesIO(stripped)) as after:
                    self.assertEqual(before.info.get("icc_profile"), after.info.get("icc_profile"))
                    self.assertEqual(before.mode, after.mode)
                    self.assertEqual(before.tobytes(), after.tobytes())
                self.assertNotIn(b"http://ns.adobe.com/xap", stripped)

    def test_gps_gone_orientation_kept(self):
        original = corpus_bytes("real_photos/samsung_gt-i9000.jpg")
        self.assertTrue(has_gps(original))
        stripped = thumbnails.jpeg_without_metadata(original, orientation=6)
        self.assertFalse(has_gps(stripped))
        with Image.open(io.BytesIO(stripped)) as im:
            self.assertEqual(dict(im.getexif()), {0x0112: 6})


class DescribeNonImageTests(SimpleTestCase):
    def test_names_what_it_can(self):
        self.assertEqual(thumbnails.describe_non_image(b"%PDF-1.7"), "PDF")
        self.assertEqual(thumbnails.describe_non_image(b'<?xml version="1.0"?>\n<svg xmlns='), "SVG")
        self.assertEqual(thumbnails.describe_non_image(b"PK\x03\x04rest"), "ZIP")
        self.assertEqual(thumbnails.describe_non_image(b"hello", "notes.txt"), "TXT")
        self.assertIsNone(thumbnails.describe_non_image(b"\x00\x01\x02", "x.jpg"))
