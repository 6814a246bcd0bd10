"""Decoding an upload and making its renditions: process() checks the image
and makes a thumbnail, the grid's small square, a display image and (when
needed) a full-size copy without its location, from one decode. Orientation, resizing and colour
management (everything shown is sRGB) live here too."""

import datetime
import functools
import io
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageCms

from photos.images import metadata
from photos.images.formats import (
    ALLOWED_FORMATS,
    CONTENT_TYPES,
    DAMAGED,
    EMPTY,
    EXTENSIONS,
    RejectedImage,
    check_animation_pixels,
    check_decode_time,
    check_pixels,
    not_allowed_message,
    too_many_pixels_message,
)

THUMBNAIL_SIZE = (512, 512)
# The grid's small rendition: the middle square of the thumbnail, as the
# grid's square tiles (object-fit: cover) show it, at most this many pixels a
# side. 352 covers a tile of a 390 px wide phone at 3 device pixels per CSS
# pixel (3 columns of 116.7 px: 350 px), so Safari, which takes the first
# candidate that is sharp enough, takes it there too. WebP at quality 75
# (method 2: most of method 4's saving at half its CPU) is 0.45 of the
# thumbnails' bytes on the corpus, where a JPEG this size needs 0.58 (q78)
# to 0.65 (q82); see bench/run.py's gridweight section for the measurements.
SMALL_SIZE = 352
SMALL_CONTENT_TYPE = "image/webp"
SMALL_QUALITY = 75
SMALL_WEBP_METHOD = 2
DISPLAY_SIZE = (2048, 2048)
# A JPEG the decoder can scale by 1/2, 1/4 or 1/8 to a long side between this
# and DISPLAY_SIZE is shown at that size rather than decoded larger and resized
# (a 4032x3024 phone photo gives 2016x1512): less than 1/255 RMS from a Lanczos
# resize at several times less CPU, and still full-HD wide.
DISPLAY_MIN_LONG_SIDE = 1920
# A small JPEG is its own display image (metadata stripped) up to this many
# bits per pixel, about a quality-92 camera JPEG; past that re-encoding saves
# bytes on every view.
DISPLAY_REUSE_MAX_BITS_PER_PIXEL = 3
RENDITION_CONTENT_TYPE = "image/jpeg"

TRANSPOSE_METHODS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
SRGB_PROFILE = ImageCms.createProfile("sRGB")


@dataclass
class Renditions:
    format: str  # as Pillow reports it; MPO for a multi-picture JPEG
    width: int  # after orientation
    height: int
    orientation: int
    taken_at: datetime.datetime | None
    has_location: bool
    thumbnail: bytes
    display: bytes
    # The grid's small square (SMALL_SIZE), WebP.
    small: bytes
    # The copy without the location, which everyone but the uploader and the
    # album's owner gets: full size, no metadata but the colour profile. Made
    # here only for formats whose location can't be removed losslessly; None
    # without a location, and for a JPEG, whose copy is its own bytes through
    # jpeg_without_metadata().
    location_free: bytes | None

    @property
    def content_type(self):
        return CONTENT_TYPES[self.format]

    @property
    def extension(self):
        return EXTENSIONS[self.format]


class _Unclosable:
    """A file object Pillow may close without closing the caller's file."""

    def __init__(self, fh):
        self._fh = fh

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def close(self):
        pass


def process(fh, filename=""):
    """Check the image in file object `fh` and make its renditions from one decode.

    Raises RejectedImage with a message for the person who sent it."""
    started = time.thread_time()
    fh = _Unclosable(fh)
    fh.seek(0)
    head = fh.read(1024)
    fh.seek(0)
    if not head:
        raise RejectedImage(EMPTY)
    # The pixel limit is ours to enforce: check_pixels() below, on the size
    # from the header, before anything is decoded. Pillow's own limit stays
    # on, set to ours, as a guard inside the decoders (WebP checks its canvas
    # before allocating it; GIF, MPO and TIFF check frames as they go) and
    # never trips on an image we accept. Past twice the limit Pillow raises
    # DecompressionBombError (caught: same message); between one and two times
    # it only warns, and that warning decides nothing: printed, or raised if
    # the process's filters make it an error (caught: same message), the image
    # is refused all the same. The warning filters are never touched here:
    # they are process-wide, and catch_warnings() in several request threads
    # at once corrupts them. (This assignment is process-wide too, but writes
    # the same value from every thread.)
    Image.MAX_IMAGE_PIXELS = settings.PHOTO_MAX_PIXELS
    try:
        im = Image.open(fh, formats=ALLOWED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise RejectedImage(too_many_pixels_message(exc)) from None
    except Image.UnidentifiedImageError:
        raise RejectedImage(not_allowed_message(fh, head, filename)) from None
    except Exception:
        raise RejectedImage(DAMAGED) from None
    try:
        check_pixels(im.size)  # opening read the header only
        return _renditions(im, fh, started)
    except RejectedImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise RejectedImage(too_many_pixels_message(exc)) from None
    except MemoryError:
        raise RejectedImage(
            _("This photo is too large to add (checking it needs too much memory).")
        ) from None
    except Exception:
        raise RejectedImage(DAMAGED) from None
    finally:
        im.close()


def _renditions(im, fh, started):
    """The Renditions of the open image `im` (from `fh`), whose size is
    checked; decodes every frame, each checked before it is decoded against
    the pixel limit and the decoding budget (since `started`, a
    time.thread_time())."""
    image_format = im.format
    full_size = im.size
    n_frames = getattr(im, "n_frames", 1)
    display_data = None
    if image_format == "JPEG" and n_frames == 1:
        # Decoding a big JPEG at 1/2, 1/4 or 1/8 scale is much faster, and the
        # renditions are all we make from it (JPEG keeps its location-free copy
        # lossless, so it never needs a full-size decode). JPEG reads its
        # metadata when opened, so it can be looked at before load().
        display_data = _reusable_display(im, fh)
        if display_data is not None:
            im.draft(None, _fit(full_size, THUMBNAIL_SIZE))
        else:
            scale = _display_scale(max(full_size))
            im.draft(
                None,
                (
                    (full_size[0] + scale - 1) // scale,
                    (full_size[1] + scale - 1) // scale,
                ),
            )
    im.load()
    # Metadata only after load(): see the corpus README (PNG, TIFF).
    exif = im.getexif()
    orientation = metadata.exif_orientation(exif)
    taken_at = metadata.taken_at(exif)
    has_location = metadata.has_location(im, exif)
    icc_profile = im.info.get("icc_profile")
    first = im
    if n_frames > 1:
        first = im.copy()
        decoded = full_size[0] * full_size[1]
        for index in range(1, n_frames):
            im.seek(index)
            check_pixels(im.size)
            decoded += im.size[0] * im.size[1]
            check_animation_pixels(decoded, n_frames, im.size)
            check_decode_time(started, n_frames, im.size)
            im.load()

    width, height = full_size
    if orientation in (5, 6, 7, 8):
        width, height = height, width

    image = _normalise_mode(first)
    location_free = None
    if has_location and image_format != "JPEG":
        location_free = _location_free_copy(image, icc_profile, orientation)
    if display_data is not None:
        display = display_data
        thumbnail = _to_srgb(
            _shrink(image, THUMBNAIL_SIZE, reducing_gap=2.0), icc_profile
        )
    else:
        # Colour conversion after the resize: on fewer pixels.
        display_image = _orient(
            _to_srgb(_shrink(image, DISPLAY_SIZE), icc_profile), orientation
        )
        display = encode_jpeg(display_image, quality=86)
        # From the display image: a 4x reduction, where a gap of 2 is as good
        # as 3 to the eye (RMS difference under 1/255) and several times faster.
        thumbnail = _shrink(display_image, THUMBNAIL_SIZE, reducing_gap=2.0)
    return Renditions(
        format=image_format,
        width=width,
        height=height,
        orientation=orientation,
        taken_at=taken_at,
        has_location=has_location,
        thumbnail=encode_jpeg(thumbnail, quality=82),
        display=display,
        small=small_rendition(thumbnail),
        location_free=location_free,
    )


def poster_renditions(image):
    """(thumbnail, display, small) of a video's poster frame, an upright RGB
    Pillow image: the sizes and encoding a photo's renditions get (JPEG,
    JPEG, and the grid's small WebP square)."""
    display_image = _shrink(_normalise_mode(image), DISPLAY_SIZE)
    thumbnail = _shrink(display_image, THUMBNAIL_SIZE, reducing_gap=2.0)
    return (
        encode_jpeg(thumbnail, quality=82),
        encode_jpeg(display_image, quality=86),
        small_rendition(thumbnail),
    )


def small_rendition(thumbnail):
    """The grid's small rendition of an upright sRGB thumbnail image: its middle
    square (what a square tile with object-fit: cover shows), SMALL_SIZE a
    side at most (never enlarged), as WebP with no metadata at all."""
    width, height = thumbnail.size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    square = thumbnail.crop((left, top, left + side, top + side))
    square = _shrink(square, (SMALL_SIZE, SMALL_SIZE))
    return encode_webp(square, SMALL_QUALITY, SMALL_WEBP_METHOD)


def grid_widths(width, height):
    """(small, thumbnail): the pixels across a square grid tile (object-fit:
    cover) of the small square and of the thumbnail of a photo `width` x
    `height` (after orientation), as small_rendition() and the thumbnail make
    them: the short sides, which the tile's width shows. They are srcset's w
    descriptors, so the browser's choice counts what the tile really gets."""
    thumbnail = min(_fit((width, height), THUMBNAIL_SIZE))
    return min(thumbnail, SMALL_SIZE), thumbnail


def _display_scale(long_side):
    """The JPEG decoder's scale (1, 2, 4 or 8) for the display image: the smallest
    decode whose long side is still DISPLAY_MIN_LONG_SIDE (or the whole photo)."""
    for scale in (8, 4, 2):
        if -(-long_side // scale) >= DISPLAY_MIN_LONG_SIDE:
            return scale
    return 1


def _reusable_display(im, fh):
    """The JPEG's own bytes without any metadata, when they can serve as its
    display image unchanged: it fits DISPLAY_SIZE, is upright, sRGB (or
    untagged) RGB or grey, a coding every browser decodes, and not heavy.
    None otherwise. The whole scan is still decoded to make the thumbnail,
    so a damaged file is refused all the same."""
    if im.mode not in ("RGB", "L") or _fit(im.size, DISPLAY_SIZE) != im.size:
        return None
    if metadata.exif_orientation(im.getexif()) != 1 or not _is_srgb(
        im.info.get("icc_profile"), im.mode
    ):
        return None
    fh.seek(0)
    data = fh.read()
    fh.seek(0)
    try:
        # Huffman-coded 8-bit, sequential or progressive: not arithmetic,
        # 12-bit or lossless.
        if metadata.jpeg_frame(data) not in ((0xC0, 8), (0xC1, 8), (0xC2, 8)):
            return None
        stripped = metadata.jpeg_without_metadata(data, keep_icc_profile=False)
    except (ValueError, IndexError):
        return None
    if len(stripped) * 8 > im.size[0] * im.size[1] * DISPLAY_REUSE_MAX_BITS_PER_PIXEL:
        return None
    return stripped


def _location_free_copy(image, icc_profile, orientation):
    """A full-size JPEG with no metadata but the colour profile, for formats
    whose location can't be removed losslessly. Like the JPEG copy it stays in
    its own colour space (converting 12 MP costs more than encoding them); a
    profile that doesn't fit the pixels is converted to sRGB instead."""
    image = _flatten(image)
    if icc_profile and _profile_space(icc_profile) == {"RGB": "RGB ", "L": "GRAY"}.get(
        image.mode
    ):
        kept_profile = icc_profile
    else:
        image, kept_profile = _to_srgb(image, icc_profile), None
    # A download, never shown while loading: baseline encodes several times faster.
    return encode_jpeg(
        _orient(image, orientation),
        quality=92,
        progressive=False,
        icc_profile=kept_profile,
    )


def encode_jpeg(image, quality, progressive=True, icc_profile=None):
    """JPEG (progressive unless asked) with no metadata at all (no EXIF, XMP,
    comment), nor a colour profile unless one is given."""
    if image.mode not in ("RGB", "L") or (image.mode == "L" and not icc_profile):
        image = image.convert("RGB")
    out = io.BytesIO()
    # Named: Pillow takes an unnamed output for the file a decoded image came
    # from (both ""), and then copies a read-only image (HEIF's) before saving.
    out.name = "rendition.jpg"
    # Pillow's JPEG writer takes only the comment from image.info (no copy
    # needed to drop the rest); EXIF, XMP and ICC come from these arguments alone.
    image.save(
        out,
        format="JPEG",
        quality=quality,
        progressive=progressive,
        optimize=True,
        subsampling="4:2:0",
        comment=b"",
        icc_profile=icc_profile,
    )
    return out.getvalue()


def encode_webp(image, quality, method):
    """Lossy WebP with no metadata at all: Pillow's WebP writer takes EXIF,
    XMP and ICC only from its arguments, and none are given."""
    if image.mode != "RGB":
        image = image.convert("RGB")
    out = io.BytesIO()
    out.name = "rendition.webp"  # as in encode_jpeg()
    image.save(out, format="WEBP", quality=quality, method=method)
    return out.getvalue()


# Geometry: fitting, resizing, orientation.


def _fit(size, box):
    """`size` scaled down to fit in `box` keeping its aspect, never up."""
    width, height = size
    scale = min(box[0] / width, box[1] / height, 1)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _shrink(image, box, reducing_gap=3.0):
    size = _fit(image.size, box)
    if size == image.size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=reducing_gap)


def _orient(image, orientation):
    method = TRANSPOSE_METHODS.get(orientation)
    # Not `if method`: FLIP_LEFT_RIGHT (orientation 2, mirrored) is 0.
    return image.transpose(method) if method is not None else image


# Modes and colour management.


def _normalise_mode(image):
    """One of L, LA, RGB, RGBA or CMYK: modes that resize and colour management
    handle."""
    mode = image.mode
    if mode in ("L", "LA", "RGB", "RGBA", "CMYK"):
        return image
    if mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if mode == "PA":
        return image.convert("RGBA")
    if mode.startswith("I;16") or mode in ("I", "F"):
        # 16-bit (or wider) grey: scale to 8 bits rather than clip.
        scale = 1 / 256 if mode.startswith("I;16") or mode == "I" else 255
        return (
            image.convert("I" if mode != "F" else "F")
            .point(lambda value: value * scale)
            .convert("L")
        )
    if mode == "1":
        return image.convert("L")
    if mode in ("RGBa", "La"):
        return image.convert(mode.replace("a", "A"))
    return image.convert("RGB")


def _flatten(image):
    """Alpha flattened onto white."""
    if image.mode in ("RGBA", "LA"):
        base = Image.new(
            image.mode[:-1], image.size, 255 if image.mode == "LA" else (255, 255, 255)
        )
        base.paste(image, mask=image.getchannel("A"))
        image = base
    return image


def _is_srgb(icc_profile, mode):
    """No profile (read as sRGB), or an sRGB one, for an RGB image; no profile
    for grey."""
    if not icc_profile:
        return True
    if mode != "RGB":
        return False
    try:
        return _transform_to_srgb(icc_profile, mode) is None
    except Exception:
        return False


def _profile_space(icc_profile):
    """The colour space an ICC profile is for, from its header ("RGB ", "GRAY",
    "CMYK"...)."""
    return icc_profile[16:20].decode("latin-1") if len(icc_profile) >= 128 else None


def _to_srgb(image, icc_profile):
    """RGB in sRGB: alpha flattened onto white, an embedded profile converted."""
    image = _flatten(image)
    if icc_profile:
        try:
            transform = _transform_to_srgb(icc_profile, image.mode)
            if transform is not None:
                return ImageCms.applyTransform(image, transform)
        except Exception:
            pass  # a broken or mismatched profile: fall back to Pillow's conversion
    return image.convert("RGB")


@functools.lru_cache(maxsize=32)
def _transform_to_srgb(icc_profile, mode):
    """The colour transform from an embedded profile to sRGB, built once per
    profile (phones embed the same few); None for an sRGB profile, whose
    conversion would change nothing and costs as much as the resize."""
    source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
    if mode == "RGB" and ImageCms.getProfileDescription(source).strip().startswith(
        "sRGB"
    ):
        return None
    return ImageCms.buildTransform(source, SRGB_PROFILE, mode, "RGB")
