"""The image functions on their own, where the views can't show a detail."""

import io
import struct
import threading
import time
import warnings
import zlib
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

from django.conf import settings
from django.test import SimpleTestCase, override_settings
from PIL import Image, ImageChops, ImageFile, ImageOps, ImageStat

from photos import images
from photos.tests.helpers import assert_no_metadata, corpus_bytes, has_gps, jpeg_markers


class JpegWithoutMetadataTests(SimpleTestCase):
    def test_drops_exif_comments_and_trailing_bytes_keeps_image_data(self):
        original = corpus_bytes("hostile/jpeg_html_polyglot.jpg")
        stripped = images.jpeg_without_metadata(original)
        self.assertEqual(
            images.jpeg_scan_data(stripped), images.jpeg_scan_data(original)
        )
        self.assertTrue(stripped.endswith(b"\xff\xd9"))
        self.assertNotIn(b"<", stripped[: stripped.index(b"\xff\xda")])
        self.assertNotIn(0xFE, jpeg_markers(stripped))
        with Image.open(io.BytesIO(stripped)) as im:
            im.load()

    def test_keeps_icc_profile_and_adobe_segment(self):
        for path in ("formats/icc_xmp.jpg", "formats/cmyk_adobe.jpg"):
            with self.subTest(path=path):
                original = corpus_bytes(path)
                stripped = images.jpeg_without_metadata(original)
                with (
                    Image.open(io.BytesIO(original)) as before,
                    Image.open(io.BytesIO(stripped)) as after,
                ):
                    self.assertEqual(
                        before.info.get("icc_profile"), after.info.get("icc_profile")
                    )
                    self.assertEqual(before.mode, after.mode)
                    self.assertEqual(before.tobytes(), after.tobytes())
                self.assertNotIn(b"http://ns.adobe.com/xap", stripped)

    def test_gps_gone_orientation_kept(self):
        original = corpus_bytes("real_photos/samsung_gt-i9000.jpg")
        self.assertTrue(has_gps(original))
        stripped = images.jpeg_without_metadata(original, orientation=6)
        self.assertFalse(has_gps(stripped))
        with Image.open(io.BytesIO(stripped)) as im:
            self.assertEqual(dict(im.getexif()), {0x0112: 6})

    def test_can_drop_the_icc_profile_too(self):
        original = corpus_bytes("formats/icc_xmp.jpg")
        stripped = images.jpeg_without_metadata(original, keep_icc_profile=False)
        assert_no_metadata(stripped)
        self.assertEqual(
            images.jpeg_scan_data(stripped), images.jpeg_scan_data(original)
        )

    def test_jfif_thumbnail_and_jfxx_dropped_density_kept(self):
        plain = make_jpeg((40, 30), dpi=(300, 300))
        self.assertEqual(plain[2:4], b"\xff\xe0")
        jfif = plain[4:20]  # length, "JFIF\0", version, units, density, 0x0 thumbnail
        with_thumbnail = (
            b"\xff\xd8\xff\xe0\x00\x16"
            + jfif[2:14]
            + b"\x02\x01"
            + b"\xff\x00\x00\x00\xff\x00"
            + b"\xff\xe0\x00\x0aJFXX\x00\x13\x01\x01"
            + plain[20:]
        )
        with Image.open(io.BytesIO(with_thumbnail)) as im:
            im.load()
        stripped = images.jpeg_without_metadata(with_thumbnail)
        self.assertEqual(stripped, plain)
        with Image.open(io.BytesIO(stripped)) as im:
            self.assertEqual(im.info["dpi"], (300, 300))

    def test_frame_type(self):
        self.assertEqual(images.jpeg_frame(make_jpeg((40, 30))), (0xC0, 8))
        self.assertEqual(
            images.jpeg_frame(corpus_bytes("formats/progressive.jpg")), (0xC2, 8)
        )


def make_jpeg(size, **options):
    with Image.open(io.BytesIO(corpus_bytes("real_photos/nikon_e950.jpg"))) as im:
        out = io.BytesIO()
        im.resize(size).save(out, "JPEG", **{"quality": 90, **options})
        return out.getvalue()


def mean_difference(image, reference):
    """Mean absolute difference per channel (0-255) between `image` and
    `reference` scaled to its size: about 0-4 for the same picture through a
    resize and JPEG, tens for one mirrored or turned."""
    reference = reference.convert("RGB").resize(image.size, Image.Resampling.LANCZOS)
    difference = ImageChops.difference(image.convert("RGB"), reference)
    return sum(ImageStat.Stat(difference).mean) / 3


ORIENTATION_SETS = ("Landscape", "Portrait")
SAME_PICTURE = 10  # mean_difference below this: the same picture, the same way up


def upright_original(data):
    with Image.open(io.BytesIO(data)) as im:
        return ImageOps.exif_transpose(im).convert("RGB")


def with_gps(data, image_format):
    """The photo in `data`, a third of its size, saved again as
    `image_format` with its pixels as stored and its EXIF Orientation, plus a
    GPS location."""
    with Image.open(io.BytesIO(data)) as im:
        exif = Image.Exif()
        exif[0x0112] = im.getexif().get(0x0112, 1)
        exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 31.0, 0.0)})
        out = io.BytesIO()
        im.reduce(3).save(out, image_format, exif=exif)
        return out.getvalue()


class OrientationTests(SimpleTestCase):
    """Every EXIF orientation comes out the right way up, compared by content
    with the original turned by Pillow (ImageOps.exif_transpose), not only by
    shape: orientation 2 (mirrored) kept its shape and came out mirrored."""

    def test_thumbnail_and_display_image_are_the_upright_original(self):
        for kind in ORIENTATION_SETS:
            for orientation in range(1, 9):
                data = corpus_bytes(f"orientation/{kind}_{orientation}.jpg")
                upright = upright_original(data)
                rendered = images.process(io.BytesIO(data))
                self.assertEqual(rendered.orientation, orientation)
                for name in ("thumbnail", "display"):
                    with (
                        self.subTest(kind=kind, orientation=orientation, image=name),
                        Image.open(io.BytesIO(getattr(rendered, name))) as shown,
                    ):
                        self.assertEqual(
                            dict(shown.getexif()), {}
                        )  # drawn upright, no tag
                        self.assertLess(mean_difference(shown, upright), SAME_PICTURE)

    def test_location_free_copies_are_the_upright_original(self):
        # JPEG: the same image data with its Orientation tag kept; other
        # formats: a JPEG drawn upright.
        for kind in ORIENTATION_SETS:
            for orientation in range(1, 9):
                original = corpus_bytes(f"orientation/{kind}_{orientation}.jpg")
                upright = upright_original(original)
                for image_format in ("JPEG", "PNG"):
                    data = with_gps(original, image_format)
                    rendered = images.process(io.BytesIO(data))
                    self.assertTrue(rendered.has_location)
                    copy = rendered.location_free or images.jpeg_without_metadata(
                        data, rendered.orientation
                    )
                    with self.subTest(
                        kind=kind, orientation=orientation, format=image_format
                    ):
                        self.assertFalse(has_gps(copy))
                        self.assertLess(
                            mean_difference(upright_original(copy), upright),
                            SAME_PICTURE,
                        )


class DisplayImageTests(SimpleTestCase):
    """When a small JPEG is its own display image, and when it is re-encoded."""

    def test_small_untagged_or_srgb_upright_jpeg_is_reused(self):
        for path in (
            "real_photos/nikon_e950.jpg",
            "formats/hopper_gray.jpg",
            "formats/progressive.jpg",
        ):
            with self.subTest(path=path):
                original = corpus_bytes(path)
                rendered = images.process(io.BytesIO(original))
                assert_no_metadata(rendered.display)
                self.assertEqual(
                    images.jpeg_scan_data(rendered.display),
                    images.jpeg_scan_data(original),
                )
                with (
                    Image.open(io.BytesIO(rendered.display)) as shown,
                    Image.open(io.BytesIO(original)) as sent,
                ):
                    self.assertEqual(
                        (shown.mode, shown.tobytes()), (sent.mode, sent.tobytes())
                    )

    def test_reencoded_when_it_cannot_be_shown_as_it_is(self):
        p3 = Image.open(
            io.BytesIO(corpus_bytes("formats/iphone_xr_rotated.heic"))
        ).info["icc_profile"]
        cases = {
            "rotated": corpus_bytes("orientation/Landscape_6.jpg"),
            "CMYK": corpus_bytes("formats/cmyk_adobe.jpg"),
            "Display P3": make_jpeg((400, 300), icc_profile=p3),
            "heavy (quality 100, 4:4:4)": make_jpeg(
                (400, 300), quality=100, subsampling="4:4:4"
            ),
            "larger than the display": make_jpeg((2100, 1575)),
        }
        for name, original in cases.items():
            with self.subTest(name):
                rendered = images.process(io.BytesIO(original))
                assert_no_metadata(rendered.display)
                self.assertNotEqual(
                    images.jpeg_scan_data(rendered.display),
                    images.jpeg_scan_data(original),
                )
                with Image.open(io.BytesIO(rendered.display)) as im:
                    self.assertEqual((im.mode, im.info.get("progressive")), ("RGB", 1))


class DescribeNonImageTests(SimpleTestCase):
    def test_names_what_it_can(self):
        self.assertEqual(images.describe_non_image(b"%PDF-1.7"), "PDF")
        self.assertEqual(
            images.describe_non_image(b'<?xml version="1.0"?>\n<svg xmlns='), "SVG"
        )
        self.assertEqual(images.describe_non_image(b"PK\x03\x04rest"), "ZIP")
        self.assertEqual(images.describe_non_image(b"hello", "notes.txt"), "TXT")
        self.assertIsNone(images.describe_non_image(b"\x00\x01\x02", "x.jpg"))


def make_gif(frames, size=(120, 90)):
    pictures = [
        Image.new("RGB", size, (index * 5 % 256, 255 - index % 256, 90))
        for index in range(frames)
    ]
    buffer = io.BytesIO()
    pictures[0].save(
        buffer, "GIF", save_all=True, append_images=pictures[1:], duration=40
    )
    return buffer.getvalue()


class AnimationTests(SimpleTestCase):
    def test_every_frame_is_decoded_so_a_cut_off_animation_is_refused(self):
        data = make_gif(150)
        self.assertEqual(images.process(io.BytesIO(data)).format, "GIF")
        cut = data[
            : len(data) * 85 // 100
        ]  # past frame 100: only the last frame is broken
        with Image.open(io.BytesIO(cut)) as im:
            self.assertGreater(im.n_frames, 100)
        with self.assertRaisesMessage(images.RejectedImage, str(images.DAMAGED)):
            images.process(io.BytesIO(cut))

    @override_settings(PHOTO_MAX_DECODE_PIXELS=1_000_000)
    def test_an_animation_past_the_pixel_budget_is_refused_with_its_size(self):
        with self.assertRaisesMessage(
            images.RejectedImage,
            "This animation is too large to add (100 frames of 120×90; "
            "the most is 1 megapixels in all).",
        ):
            images.process(io.BytesIO(make_gif(100)))

    def test_a_small_gif_of_huge_frames_costs_about_a_second_not_five(self):
        # 370 kB, within every limit on its own: ten frames of 49 megapixels.
        # Decoding all ten took 5 s of CPU; the budget (75 megapixels in all
        # frames by default) refuses it before the second.
        data = gif_of_repeated_frame((7000, 7000), 10)
        self.assertLess(len(data), settings.PHOTO_MAX_BYTES)
        started = time.thread_time()
        with self.assertRaisesMessage(
            images.RejectedImage,
            "This animation is too large to add (10 frames of 7000×7000; "
            "the most is 75 megapixels in all).",
        ):
            images.process(io.BytesIO(data))
        self.assertLess(time.thread_time() - started, 1.5)

    @override_settings(PHOTO_MAX_DECODE_SECONDS=0.2)
    def test_an_animation_past_the_time_budget_is_refused(self):
        # 40,000 frames of one pixel: no pixel budget stops it, time does.
        started = time.thread_time()
        with self.assertRaisesMessage(
            images.RejectedImage,
            "This animation takes too long to check, so it can't be added "
            "(40000 frames of 1×1; the most is 0.2 s of decoding).",
        ):
            images.process(io.BytesIO(corpus_bytes("hostile/uber.gif")))
        # The budget plus the checks around it: well under the seconds the
        # whole animation takes, with room for a busy machine (CPU time
        # grows when both cores are shared).
        self.assertLess(time.thread_time() - started, 1.0)
        # A short one is within it.
        self.assertEqual(images.process(io.BytesIO(make_gif(20))).format, "GIF")


def gif_of_repeated_frame(size, frames):
    """A GIF of `frames` copies of one blank frame of `size`: tiny for its
    pixels, and quick to make (one frame encoded)."""
    im = Image.new("P", size, 0)
    im.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
    out = io.BytesIO()
    im.save(out, "GIF")
    data = out.getvalue()
    # Header and screen descriptor, the global colour table, any extensions,
    # then the image: repeat it before the trailer.
    position = 13 + ((3 << ((data[10] & 7) + 1)) if data[10] & 0x80 else 0)
    while data[position] == 0x21:
        position += 2
        while data[position]:
            position += data[position] + 1
        position += 1
    assert data[position] == 0x2C and data[-1] == 0x3B
    return data[:position] + data[position:-1] * frames + b";"


def png_header_only(width, height):
    """A PNG that declares `width`×`height` and holds no image data: opening it
    works, decoding it can only fail."""

    def chunk(kind, data):
        crc = zlib.crc32(kind + data).to_bytes(4, "big")
        return len(data).to_bytes(4, "big") + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"")


class _WatchedFile(io.BytesIO):
    """A file that notes the warning filters each time it is read, which is all
    through opening and decoding."""

    def __init__(self, data, seen):
        super().__init__(data)
        self._seen = seen

    def read(self, *args):
        self._seen.append(list(warnings.filters))
        return super().read(*args)


@override_settings(PHOTO_MAX_PIXELS=1_000_000)
class PixelLimitTests(SimpleTestCase):
    # 1.2 MP: between one and two times the limit, where Pillow only warns, so
    # our own check is what refuses it.
    OVER = png_header_only(1200, 1000)
    OVER_MESSAGE = "This photo is too large to add (1.2 megapixels; the most is 1)."

    def test_too_many_pixels_is_refused_from_the_header_before_decoding(self):
        with (
            mock.patch.object(
                ImageFile.ImageFile, "load", side_effect=AssertionError("decoded")
            ) as load,
            self.assertRaisesMessage(images.RejectedImage, self.OVER_MESSAGE),
            # Pillow only warns (printed, or raised if the filters say so)...
            self.assertWarns(Image.DecompressionBombWarning),
        ):
            images.process(io.BytesIO(self.OVER))
        load.assert_not_called()  # ...and our check refused it undecoded.
        # Under the limit, the same file gets as far as decoding, and fails there.
        with (
            override_settings(PHOTO_MAX_PIXELS=2_000_000),
            self.assertRaisesMessage(images.RejectedImage, str(images.DAMAGED)),
        ):
            images.process(io.BytesIO(self.OVER))

    def test_the_limit_holds_across_threads_and_leaves_warning_filters_alone(self):
        # Past twice the limit: Pillow raises DecompressionBombError itself.
        far_over = corpus_bytes("hostile/bomb_gif_65535x65535.gif")
        far_over_message = (
            "This photo is too large to add (4295 megapixels; the most is 1)."
        )
        valid = make_jpeg((1000, 750))
        jobs = [self.OVER, far_over] * 4 + [valid]

        # Whatever the process's filters make of Pillow's warning (print it,
        # raise it, ignore it), the verdicts are the same.
        for action in ("default", "error", "ignore"):
            with (
                self.subTest(filters=action),
                warnings.catch_warnings(record=True) as caught,
            ):
                warnings.simplefilter(action)
                before = list(warnings.filters)
                seen = []
                start = threading.Barrier(len(jobs))

                def run(data, seen=seen, start=start):
                    start.wait(timeout=30)
                    try:
                        return images.process(_WatchedFile(data, seen))
                    except images.RejectedImage as exc:
                        return str(exc)

                with ThreadPoolExecutor(len(jobs)) as pool:
                    results = list(pool.map(run, jobs))

                self.assertEqual(
                    results[:-1], [self.OVER_MESSAGE, far_over_message] * 4
                )
                self.assertEqual(results[-1].format, "JPEG")
                self.assertEqual((results[-1].width, results[-1].height), (1000, 750))
                # Never changed, not even for a moment while a file was read.
                self.assertEqual(list(warnings.filters), before)
                self.assertTrue(seen)
                self.assertTrue(all(filters == before for filters in seen))
                # The only warning is Pillow's, for the file between one and two
                # times the limit: it never fires for an image we accept.
                self.assertTrue(
                    all(
                        issubclass(w.category, Image.DecompressionBombWarning)
                        for w in caught
                    )
                )
