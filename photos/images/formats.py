"""The format policy: which images we take, what we call them, and the checks
that refuse the rest (not an allowed format, too many pixels) with a message
for the person who sent the file."""

import re
import time

import pillow_heif
from django.conf import settings
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from PIL import Image

# HEIF and AVIF (pillow-heif 1.x opens both); importing photos.images runs this.
pillow_heif.register_heif_opener()

ALLOWED_FORMATS = [
    "JPEG",
    "PNG",
    "GIF",
    "WEBP",
    "HEIF",
    "AVIF",
    "TIFF",
]  # never "MPO": see the corpus README
CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "HEIF": "image/heic",
    "AVIF": "image/avif",
    "TIFF": "image/tiff",
}
EXTENSIONS = {
    "JPEG": "jpg",
    "MPO": "jpg",
    "PNG": "png",
    "GIF": "gif",
    "WEBP": "webp",
    "HEIF": "heic",
    "AVIF": "avif",
    "TIFF": "tif",
}
# Translators: the photo formats PartyShots takes; translate only "or".
ALLOWED_NAMES = gettext_lazy("JPEG, PNG, GIF, WebP, HEIC/HEIF, AVIF or TIFF")
# The refusals are written for any guest (say, a 60-year-old at a wedding): a
# plain sentence first, the detail in brackets after it. Callers put the file
# name in front ("IMG_1234.HEIC: This photo is too large to add (...)").
# The messages are translated into the language active when they are made
# (or, for the lazy constants here, when they are read), so the worker makes
# them in the sender's language (photos.direct_uploads.process).
# The video formats are named here too (photos.videos checks their codecs),
# so a file that is neither says everything we take in one place.
# Translators: the video formats PartyShots takes; translate only "or".
VIDEO_NAMES = gettext_lazy("MP4, MOV or WebM")


def _we_take():
    return _("We take photos in %(photos)s and videos in %(videos)s.") % {
        "photos": ALLOWED_NAMES,
        "videos": VIDEO_NAMES,
    }


WE_TAKE = lazy(_we_take, str)()
EMPTY = gettext_lazy("This file is empty (0 bytes), so there is nothing to add.")
DAMAGED = gettext_lazy(
    "This photo seems damaged or only partly sent. Please try again."
)
UNSTRIPPABLE_LOCATION = gettext_lazy(
    "This photo can't be added: it records where it was taken, and it is too "
    "damaged to remove that safely (save it again from a photo app, or turn "
    "location off, and try again)."
)
# Kinds said with "an" ("it's an SVG"): those whose first letter is read out
# as a letter starting with a vowel sound.
_AN = {"SVG", "HTML", "ICO", "EPS", "SGI", "ICNS", "XBM", "MPO"}

# Every frame of an animation is decoded (a cut-off transfer shows only in the
# last one), within a budget per file checked before each frame:
# settings.PHOTO_MAX_DECODE_PIXELS in all frames together (a 377 kB GIF of ten
# 49-megapixel frames took five seconds of CPU) and PHOTO_MAX_DECODE_SECONDS
# of the thread's CPU time since the file was opened (uber.gif's 40,000 tiny
# frames took over one).

# Recognisable things that are not images we take, by their first bytes.
SIGNATURES = [
    (b"%PDF", "PDF"),
    (b"%!PS", "PostScript"),
    (b"\xc5\xd0\xd3\xc6", "EPS"),
    (b"PK\x03\x04", "ZIP"),
    (b"BM", "BMP"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"8BPS", "PSD"),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000"),
    (b"\xff\x4f\xff\x51", "JPEG 2000"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!", "RAR"),
    (b"7z\xbc\xaf", "7z"),
]
# Formats we name in a refusal when Pillow recognises them (opening reads the
# header only; EPS is left out so Ghostscript is never near an upload).
NAMED_BY_PILLOW = [
    "BMP",
    "ICO",
    "PSD",
    "SGI",
    "JPEG2000",
    "PCX",
    "TGA",
    "PPM",
    "DDS",
    "ICNS",
    "XBM",
]


class RejectedImage(ValueError):
    """The file is not an image we accept; the message says why."""


def describe_non_image(head, filename=""):
    """Name what a rejected file is, from its first bytes or its name, if we
    can tell."""
    text = head.lstrip()[:512].lower()
    for signature, name in SIGNATURES:
        if head.startswith(signature):
            return name
    if text.startswith(b"<?xml") and b"<svg" in text or text.startswith(b"<svg"):
        return "SVG"
    if text.startswith((b"<!doctype html", b"<html")):
        return "HTML"
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension in ("svg", "pdf", "bmp", "zip", "eps", "ico", "psd", "html", "txt"):
        return extension.upper()
    return None


def identify_format(fh):
    """What Pillow calls this file if it is one of NAMED_BY_PILLOW, or None.

    None too for a header past the pixel limit: such a file is not named (as
    when Pillow's DecompressionBombWarning was made an error around this)."""
    try:
        with Image.open(fh, formats=NAMED_BY_PILLOW) as im:
            if _pixels(im.size) > settings.PHOTO_MAX_PIXELS:
                return None
            return im.format
    except Exception:
        return None
    finally:
        fh.seek(0)


def takes_an(kind):
    """Whether English says "an" before this kind of file ("an SVG"): the
    messages pick a whole sentence by it, never glue an article on."""
    return kind in _AN


def not_taken_message(kind=None, filename="", unopened=False):
    """The refusal for a file that is neither a photo nor a video we take:
    what it is (`kind`, or told from the extension of `filename`), else
    (`unopened`) that it doesn't open as a photo, then what we take."""
    kind = kind or (describe_non_image(b"", filename) if filename else None)
    if kind and takes_an(kind):
        sentence = _(
            # Translators: %(kind)s is a kind of file, e.g. "SVG" or "HTML":
            # one English says "an" before (translate as the "a" message if
            # that makes no difference in your language).
            "This file isn't a photo or video we can add (it's an %(kind)s)."
        ) % {"kind": kind}
    elif kind:
        sentence = _(
            # Translators: %(kind)s is a kind of file, e.g. "PDF" or "ZIP".
            "This file isn't a photo or video we can add (it's a %(kind)s)."
        ) % {"kind": kind}
    elif unopened:
        sentence = _(
            "This file isn't a photo or video we can add (it doesn't open as a photo)."
        )
    else:
        sentence = _("This file isn't a photo or video we can add.")
    return f"{sentence} {WE_TAKE}"


def not_allowed_message(fh, head, filename):
    """The refusal for a file no allowed format opens, naming what it is if we
    can tell."""
    kind = describe_non_image(head, filename)
    if kind is None:
        kind = identify_format(fh)
    return not_taken_message(kind, unopened=True)


def localized_number(text):
    """A number already rounded for a message ("1.5", "930"), with the active
    language's decimal separator ("1,5" in German)."""
    return str(number_format(text))


def too_many_pixels_message(exc=None, pixels=None):
    """The refusal for an image past settings.PHOTO_MAX_PIXELS: its size from
    `pixels`, or from the message of Pillow's DecompressionBomb* `exc`."""
    if pixels is None:
        match = re.search(r"\((\d+) pixels\)", str(exc))
        pixels = int(match[1]) if match else 0
    limit = settings.PHOTO_MAX_PIXELS // 1_000_000
    if pixels:
        megapixels = pixels / 1_000_000
        shown = (
            f"{megapixels:.0f}"
            if megapixels >= 100
            else f"{megapixels:.1f}".removesuffix(".0")
        )
        return _(
            "This photo is too large to add (%(megapixels)s megapixels; the most "
            "is %(limit)s)."
        ) % {"megapixels": localized_number(shown), "limit": limit}
    return _(
        "This photo is too large to add (too many pixels; the most is %(limit)s "
        "megapixels)."
    ) % {"limit": limit}


def check_pixels(size):
    """Refuse an image (or one frame of it) of `size` past
    settings.PHOTO_MAX_PIXELS. The size comes from the header, so this runs
    before anything is decoded."""
    pixels = _pixels(size)
    if pixels > settings.PHOTO_MAX_PIXELS:
        raise RejectedImage(too_many_pixels_message(pixels=pixels))


def check_animation_pixels(decoded, n_frames, frame_size):
    """Refuse an animation once `decoded`, the pixels of its frames so far
    (the next one included, before it is decoded), is past
    settings.PHOTO_MAX_DECODE_PIXELS."""
    budget = settings.PHOTO_MAX_DECODE_PIXELS
    if decoded > budget:
        raise RejectedImage(
            ngettext(
                "This animation is too large to add (%(count)s frame of "
                "%(width)s×%(height)s; the most is %(limit)s megapixels in all).",
                "This animation is too large to add (%(count)s frames of "
                "%(width)s×%(height)s; the most is %(limit)s megapixels in all).",
                n_frames,
            )
            % {
                "count": n_frames,
                "width": frame_size[0],
                "height": frame_size[1],
                "limit": budget // 1_000_000,
            }
        )


def check_decode_time(started, n_frames, frame_size):
    """Refuse an animation once checking it has taken more than
    settings.PHOTO_MAX_DECODE_SECONDS of this thread's CPU time since
    `started` (a time.thread_time())."""
    budget = settings.PHOTO_MAX_DECODE_SECONDS
    if time.thread_time() - started > budget:
        raise RejectedImage(
            ngettext(
                "This animation takes too long to check, so it can't be added "
                "(%(count)s frame of %(width)s×%(height)s; the most is %(limit)s s "
                "of decoding).",
                "This animation takes too long to check, so it can't be added "
                "(%(count)s frames of %(width)s×%(height)s; the most is %(limit)s s "
                "of decoding).",
                n_frames,
            )
            % {
                "count": n_frames,
                "width": frame_size[0],
                "height": frame_size[1],
                "limit": localized_number(f"{budget:g}"),
            }
        )


def _pixels(size):
    # As Pillow counts them for its own check: an empty side counts as 1.
    return max(1, size[0]) * max(1, size[1])
