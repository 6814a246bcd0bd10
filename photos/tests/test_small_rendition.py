"""The grid's small rendition (images.small_rendition): a WebP square of the
thumbnail's middle, at most images.SMALL_SIZE a side, never enlarged, with no
metadata at all, made from the same decode as the other renditions for every
photo and every clip's poster, and stored with them."""

import io

from django.conf import settings
from django.test import SimpleTestCase
from PIL import Image, ImageChops, ImageStat

from albums.tests.base import BaseTestCase, make_image_bytes
from photos import images
from photos.tests import clips
from photos.tests.helpers import (
    add_photo,
    corpus_bytes,
    open_image,
    read_object,
    s3_client,
)


def riff_chunks(data):
    """The chunk names of a WebP file, in order."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP", data[:16]
    assert int.from_bytes(data[4:8], "little") == len(data) - 8
    chunks, position = [], 12
    while position < len(data):
        size = int.from_bytes(data[position + 4 : position + 8], "little")
        chunks.append(data[position : position + 4])
        position += 8 + size + (size & 1)
    return chunks


def assert_plain_webp(data, size):
    """Lossy WebP of `size`, one VP8 chunk and nothing else: no VP8X header,
    so no EXIF, XMP or ICC chunk can be there."""
    assert riff_chunks(data) == [b"VP8 "], riff_chunks(data)
    for needle in (b"Exif", b"EXIF", b"XMP", b"ICCP", b"GPS"):
        assert needle not in data[:64], needle
    with open_image(data) as im:
        assert im.format == "WEBP"
        assert im.size == size, im.size
        assert im.mode == "RGB"
        assert not im.getexif()
        assert not {"exif", "xmp", "icc_profile"} & set(im.info), im.info
        im.load()


def middle_square(image, side):
    width, height = image.size
    short = min(width, height)
    left, top = (width - short) // 2, (height - short) // 2
    square = image.crop((left, top, left + short, top + short))
    return square.resize((side, side), Image.Resampling.LANCZOS)


def rms(a, b):
    stat = ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB")))
    return (sum(stat.sum2) / (3 * a.size[0] * a.size[1])) ** 0.5


class SmallRenditionTests(SimpleTestCase):
    def rendered(self, path):
        return images.process(io.BytesIO(corpus_bytes(path)), path)

    def test_photos_get_the_middle_square_of_their_thumbnail(self):
        # A camera JPEG with GPS; one turned by EXIF orientation 6 (portrait);
        # a rotated iPhone HEIC; a 12 MP phone photo (display made by resizing).
        for path in (
            "real_photos/DSCN0010.jpg",
            "real_photos/samsung_gt-i9000.jpg",
            "formats/iphone_xr_rotated.heic",
            "real_photos/samsung_sm-g965w.jpg",
        ):
            with self.subTest(path=path):
                rendered = self.rendered(path)
                assert_plain_webp(rendered.small, (352, 352))
                with (
                    open_image(rendered.small) as small,
                    open_image(rendered.thumbnail) as thumbnail,
                ):
                    expected = middle_square(thumbnail, 352)
                    # The same picture, upright, within WebP's loss (4 to 8
                    # here); turned or flipped it differs by 50 or more.
                    self.assertLess(rms(small, expected), 10)
                    for turn in (
                        Image.Transpose.ROTATE_90,
                        Image.Transpose.FLIP_TOP_BOTTOM,
                    ):
                        self.assertGreater(rms(small, expected.transpose(turn)), 40)

    def test_never_enlarged(self):
        # 100x68: its thumbnail is itself, the square 68 px. A 16:9 photo's
        # thumbnail is 512x288: the square is 288, its short side.
        rendered = self.rendered("real_photos/canon_40d.jpg")
        assert_plain_webp(rendered.small, (68, 68))
        wide = images.process(io.BytesIO(make_image_bytes(1600, 900)), "wide.jpg")
        assert_plain_webp(wide.small, (288, 288))

    def test_grey_and_transparent_become_rgb_on_white(self):
        grey = self.rendered("formats/hopper_gray.jpg")
        assert_plain_webp(grey.small, (128, 128))
        # 200x150, transparent at the top left of its middle square.
        clear = self.rendered("formats/transparent_rgba.png")
        assert_plain_webp(clear.small, (150, 150))
        with open_image(corpus_bytes("formats/transparent_rgba.png")) as original:
            self.assertEqual(original.convert("RGBA").getpixel((25, 0))[3], 0)
        with open_image(clear.small) as small:
            self.assertGreater(min(small.getpixel((0, 0))), 240)  # white, not black

    def test_grid_widths_are_the_pixels_across_a_square_tile(self):
        # (small, thumbnail): 4:3 either way up, 16:9, square, and tiny.
        self.assertEqual(images.grid_widths(4032, 3024), (352, 384))
        self.assertEqual(images.grid_widths(3024, 4032), (352, 384))
        self.assertEqual(images.grid_widths(1920, 1080), (288, 288))
        self.assertEqual(images.grid_widths(2000, 2000), (352, 512))
        self.assertEqual(images.grid_widths(100, 68), (68, 68))

    def test_video_posters_get_one_too(self):
        frame = Image.new("RGB", (1280, 720), (20, 120, 200))
        thumbnail, display, small = images.poster_renditions(frame)
        assert_plain_webp(small, (288, 288))
        with open_image(thumbnail) as im:
            self.assertEqual(im.size, (512, 288))
        with open_image(display) as im:
            self.assertEqual(im.size, (1280, 720))


class StoredSmallRenditionTests(BaseTestCase):
    def assert_stored_webp(self, photo, size):
        self.assertTrue(photo.small_link.endswith("_s.webp"))
        self.assertEqual(
            photo.small_link.removesuffix("_s.webp"), photo.tlink.removesuffix("_t.jpg")
        )
        self.assertIn(photo.small_link, photo.storage_keys)
        assert_plain_webp(read_object(photo.small_link), size)
        head = s3_client().head_object(
            Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=photo.small_link
        )
        self.assertEqual(head["ContentType"], "image/webp")

    def test_a_photo_stores_its_small_rendition(self):
        photo = add_photo(
            self.album, corpus_bytes("real_photos/DSCN0010.jpg"), user=self.alice
        )
        self.assert_stored_webp(photo, (352, 352))

    def test_a_clip_stores_its_posters_small_rendition(self):
        clips.ffmpeg_or_skip()
        photo = add_photo(
            self.album, clips.read(clips.h264_faststart()), "clip.mp4", self.alice
        )
        self.assertTrue(photo.is_video)
        # The 320x240 test pattern's poster: its thumbnail is itself.
        self.assert_stored_webp(photo, (240, 240))
