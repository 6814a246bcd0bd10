"""The cover as colour: a photo's colour picked from its thumbnail when it is
added (photos.images.colour), kept on the row, turned into the stylesheet's
tone classes; every colour those classes draw keeps text readable; and
manage.py cover_colours fills it in for covers added before."""

import colorsys
import io
import re
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from albums.models import Album
from albums.tests.base import BaseTestCase, make_image_bytes, store_photo
from photos import ingest
from photos.images.colour import HUES, dominant_colour, tone, tone_classes
from photos.models import Photo

SITE_CSS = Path(settings.BASE_DIR) / "static" / "css" / "site.css"


def rgb(colour):
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


class DominantColourTests(BaseTestCase):
    def test_a_plain_image_is_its_colour(self):
        for colour in ((200, 80, 40), (30, 90, 200), (40, 160, 70)):
            with self.subTest(colour=colour):
                found = rgb(dominant_colour(make_image_bytes(color=colour)))
                # JPEG and the palette shift it a little.
                self.assertTrue(
                    all(abs(a - b) <= 12 for a, b in zip(found, colour, strict=True)),
                    found,
                )

    def test_vivid_beats_a_larger_grey_area(self):
        from PIL import Image

        image = Image.new("RGB", (100, 100), (128, 128, 128))
        image.paste((220, 40, 60), (0, 0, 100, 40))  # 40% red, 60% grey
        buffer = io.BytesIO()
        image.save(buffer, "JPEG")
        red, green, blue = rgb(dominant_colour(buffer.getvalue()))
        self.assertGreater(red, 150)
        self.assertLess(green, 90)

    def test_what_is_not_an_image_has_no_colour(self):
        self.assertEqual(dominant_colour(b"not a jpeg"), "")
        self.assertEqual(dominant_colour(b""), "")


class ToneTests(BaseTestCase):
    def test_hue_and_saturation_classes(self):
        self.assertEqual(tone("#ff0000"), (0, 2))
        self.assertEqual(tone("#0000ff"), (16, 2))  # 240 degrees
        self.assertEqual(tone("#8c7a6e"), (2, 1))  # a muted brown, 24 degrees
        self.assertEqual(tone("#808080"), (0, 0))  # grey
        self.assertEqual(tone("#000000"), (0, 0))
        self.assertEqual(tone("#ff1a00")[0], 0)
        self.assertEqual(tone("#ff0010")[0], 0)  # 356 degrees wraps to 0
        self.assertEqual(tone_classes("#0000ff"), "tone tone-h16 tone-s2")
        for nothing in ("", None, "red", "#12345", "#zzzzzz"):
            with self.subTest(colour=nothing):
                self.assertIsNone(tone(nothing))
                self.assertEqual(tone_classes(nothing), "")

    def test_the_stylesheet_has_every_class(self):
        css = SITE_CSS.read_text()
        for hue in range(HUES):
            self.assertRegex(css, rf"\.tone-h{hue} \{{ --cover-h: {hue * 15}; \}}")
        for level in range(3):
            self.assertIn(f".tone-s{level} {{", css)


def relative_luminance(red, green, blue):
    def linear(channel):
        return (
            channel / 12.92
            if channel <= 0.04045
            else ((channel + 0.055) / 1.055) ** 2.4
        )

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(one, other):
    high, low = sorted(
        (relative_luminance(*one), relative_luminance(*other)), reverse=True
    )
    return (high + 0.05) / (low + 0.05)


def hex_colour(value):
    return tuple(int(value[i : i + 2], 16) / 255 for i in (1, 3, 5))


class ToneContrastTests(BaseTestCase):
    """Every hue and saturation the stylesheet draws keeps WCAG AA contrast
    (4.5:1) for the text drawn on it, in light and dark mode: white on the
    hero's scrim (85% of the dark shade, over a white photo at worst), and
    the page's text colours on the wash. The numbers are read from site.css."""

    def test_text_on_every_tone(self):
        css = SITE_CSS.read_text()
        light_root, dark_root = re.findall(r":root \{(.*?)\}", css, re.S)[:2]

        def token(block, name):
            return hex_colour(
                re.search(rf"--{name}: (#[0-9a-f]{{6}});", block).group(1)
            )

        def lightness(name, block):
            pattern = rf"--{name}: hsl\(var\(--cover-h\) var\(--cover-s\) ([\d.]+)%\)"
            return float(re.search(pattern, block).group(1))

        tone_rules = re.findall(r"\.tone \{(.*?)\}", css, re.S)
        light_tone, dark_tone = tone_rules[0], tone_rules[1]
        saturations = [
            float(value) / 100
            for value in re.findall(r"\.tone-s\d \{ --cover-s: ([\d.]+)%; \}", css)
        ]
        self.assertEqual(len(saturations), 3)
        deep = lightness("cover-deep", light_tone) / 100
        washes = {
            "light": (lightness("cover-wash", light_tone) / 100, light_root),
            "dark": (lightness("cover-wash", dark_tone) / 100, dark_root),
        }
        white = (1, 1, 1)
        for hue in range(0, 360, 15):
            for saturation in saturations:
                shade = colorsys.hls_to_rgb(hue / 360, deep, saturation)
                scrim = tuple(0.85 * channel + 0.15 for channel in shade)
                with self.subTest(hue=hue, saturation=saturation, on="scrim"):
                    self.assertGreaterEqual(contrast(white, scrim), 4.5)
                for mode, (wash_lightness, root) in washes.items():
                    wash = colorsys.hls_to_rgb(hue / 360, wash_lightness, saturation)
                    for name in ("fg", "muted", "accent", "danger"):
                        with self.subTest(
                            hue=hue, saturation=saturation, mode=mode, text=name
                        ):
                            self.assertGreaterEqual(
                                contrast(token(root, name), wash), 4.5
                            )


class ColourOnIngestTests(BaseTestCase):
    def test_a_photo_added_gets_its_colour(self):
        upload = SimpleUploadedFile(
            "blue.jpg", make_image_bytes(color=(30, 90, 200)), "image/jpeg"
        )
        photo = ingest.add(self.album, upload, user=self.alice).photo
        photo.refresh_from_db()
        self.assertRegex(photo.colour, r"^#[0-9a-f]{6}$")
        self.assertEqual(tone(photo.colour), (15, 2))  # 220 degrees, vivid
        self.assertEqual(photo.tone, "tone tone-h15 tone-s2")

    def test_the_album_page_is_drawn_in_its_covers_tone(self):
        upload = SimpleUploadedFile(
            "blue.jpg", make_image_bytes(color=(30, 90, 200)), "image/jpeg"
        )
        photo = ingest.add(self.album, upload, user=self.alice).photo
        response = self.client.get(self.album.get_absolute_url())
        self.assertContains(response, 'class="album-page tone tone-h15 tone-s2"')
        self.assertContains(response, "data-album-hero")
        self.assertContains(response, photo.display_link)
        self.assertContains(response, photo.tlink)  # a phone's hero

    def test_an_album_without_a_cover_has_no_hero_and_no_tone(self):
        empty = Album.objects.create(name="Empty", user=self.alice)
        response = self.client.get(empty.get_absolute_url())
        self.assertContains(response, 'class="album-page"')
        self.assertNotContains(response, "data-album-hero")

    def test_a_cover_without_a_colour_draws_in_the_sites_own(self):
        photo = store_photo(self.album, user=self.alice)
        Album.objects.filter(pk=self.album.pk).update(thumbnail=photo)
        response = self.client.get(self.album.get_absolute_url())
        self.assertContains(response, 'class="album-page"')
        self.assertContains(response, "data-album-hero")

    def test_the_home_pages_cards_carry_the_tone(self):
        upload = SimpleUploadedFile(
            "green.jpg", make_image_bytes(color=(40, 160, 70)), "image/jpeg"
        )
        photo = ingest.add(self.album, upload, user=self.alice).photo
        self.client.force_login(self.alice)
        response = self.client.get(reverse("home"))
        self.assertContains(response, f'class="album-item card {photo.tone}"')


class CoverColoursCommandTests(BaseTestCase):
    def test_fills_in_covers_only_and_runs_again_safely(self):
        cover = store_photo(self.album, user=self.alice, color=(200, 40, 40))
        other = store_photo(
            self.album, user=self.alice, color=(40, 40, 200), filename="other.jpg"
        )
        Album.objects.filter(pk=self.album.pk).update(thumbnail=cover)
        out = io.StringIO()
        call_command("cover_colours", stdout=out)
        self.assertIn("1 photo given a colour.", out.getvalue())
        cover.refresh_from_db()
        other.refresh_from_db()
        self.assertEqual(tone(cover.colour), (0, 2))
        self.assertEqual(other.colour, "")
        out = io.StringIO()
        call_command("cover_colours", stdout=out)
        self.assertIn("0 photos given a colour.", out.getvalue())
        call_command("cover_colours", "--all", stdout=out)
        other.refresh_from_db()
        self.assertEqual(tone(other.colour)[0], 16)

    def test_a_missing_thumbnail_is_reported_and_skipped(self):
        cover = store_photo(self.album, user=self.alice, tlink="albums/gone_t.jpg")
        Album.objects.filter(pk=self.album.pk).update(thumbnail=cover)
        out, err = io.StringIO(), io.StringIO()
        call_command("cover_colours", stdout=out, stderr=err)
        self.assertIn("0 photos given a colour, 1 unreadable.", out.getvalue())
        self.assertIn("albums/gone_t.jpg", err.getvalue())
        self.assertEqual(Photo.objects.get(pk=cover.pk).colour, "")
