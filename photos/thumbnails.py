"""
Checking an uploaded image and making its renditions: plain functions on
bytes and Pillow images, no Django models, no storage.

The policy (see photos/tests/corpus/README.md): an explicit allowlist of
formats, a pixel limit where Pillow's warning counts as an error, every frame
decoded (up to a cap), and any exception from the decoders is a rejection.
"""

import datetime
import functools
import io
import re
import warnings
from dataclasses import dataclass

import pillow_heif
from django.conf import settings
from django.utils import timezone
from PIL import Image, ImageCms

pillow_heif.register_heif_opener()  # HEIF and AVIF (pillow-heif 1.x opens both)

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
ALLOWED_NAMES = "JPEG, PNG, GIF, WebP, HEIC/HEIF, AVIF or TIFF"
UNSTRIPPABLE_LOCATION = (
    "file is damaged: it holds a GPS location, but its structure is too broken to remove it safely "
    "(save it again from a photo app, or turn location off)"
)

# Every frame of an animation is decoded (a cut-off transfer shows only in the
# last one), up to this many times the pixel limit in all frames together.
# uber.gif's 40,000 tiny frames pass in about two seconds.
MAX_ANIMATION_PIXELS_FACTOR = 10

THUMBNAIL_SIZE = (512, 512)
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

EXIF_IFD, GPS_IFD = 0x8769, 0x8825
ORIENTATION, DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 0x0112, 0x9003, 0x9011
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
    # A full-size copy without metadata, for formats whose location can't be
    # removed losslessly; None when not needed.
    private: bytes | None

    @property
    def content_type(self):
        return CONTENT_TYPES[self.format]

    @property
    def extension(self):
        return EXTENSIONS[self.format]


def describe_non_image(head, filename=""):
    """Name what a rejected file is, from its first bytes or its name, if we can tell."""
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
    """What Pillow calls this file if it is one of NAMED_BY_PILLOW, or None."""
    try:
        with Image.open(fh, formats=NAMED_BY_PILLOW) as im:
            return im.format
    except Exception:
        return None
    finally:
        fh.seek(0)


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
    fh = _Unclosable(fh)
    fh.seek(0)
    head = fh.read(1024)
    fh.seek(0)
    if not head:
        raise RejectedImage("file is empty")
    Image.MAX_IMAGE_PIXELS = settings.PHOTO_MAX_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = Image.open(fh, formats=ALLOWED_FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise RejectedImage(_too_many_pixels(exc)) from None
        except Image.UnidentifiedImageError:
            raise RejectedImage(_not_allowed(fh, head, filename)) from None
        except Exception:
            raise RejectedImage("file is truncated or damaged") from None
        try:
            return _process_open_image(im, fh)
        except RejectedImage:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise RejectedImage(_too_many_pixels(exc)) from None
        except MemoryError:
            raise RejectedImage("image is too large to process") from None
        except Exception:
            raise RejectedImage("file is truncated or damaged") from None
        finally:
            im.close()


def _not_allowed(fh, head, filename):
    kind = describe_non_image(head, filename)
    if kind is None:
        kind = identify_format(fh)
    if kind:
        return f"not a supported image type: {kind} (allowed: {ALLOWED_NAMES})"
    return f"not an image (allowed: {ALLOWED_NAMES})"


def _too_many_pixels(exc=None, pixels=None):
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
        return f"image is {shown} megapixels; the limit is {limit}"
    return f"image has too many pixels; the limit is {limit} megapixels"


def _check_pixels(size):
    pixels = size[0] * size[1]
    if pixels > settings.PHOTO_MAX_PIXELS:
        raise RejectedImage(_too_many_pixels(pixels=pixels))


def _process_open_image(im, fh):
    image_format = im.format
    _check_pixels(im.size)
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
    orientation = _orientation(exif)
    taken_at = _taken_at(exif)
    has_location = _has_location(im, exif)
    icc_profile = im.info.get("icc_profile")
    first = im
    if n_frames > 1:
        first = im.copy()
        decoded = full_size[0] * full_size[1]
        for index in range(1, n_frames):
            im.seek(index)
            _check_pixels(im.size)
            decoded += im.size[0] * im.size[1]
            if decoded > MAX_ANIMATION_PIXELS_FACTOR * settings.PHOTO_MAX_PIXELS:
                raise RejectedImage(
                    f"animation is too large: {n_frames} frames of {im.size[0]}×{im.size[1]}; "
                    f"the limit is {MAX_ANIMATION_PIXELS_FACTOR * settings.PHOTO_MAX_PIXELS // 1_000_000} megapixels in all"
                )
            im.load()

    width, height = full_size
    if orientation in (5, 6, 7, 8):
        width, height = height, width

    image = _normalise_mode(first)
    private = None
    if has_location and image_format != "JPEG":
        private = _location_free_copy(image, icc_profile, orientation)
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
        # From the display image: a 4x reduction, where a gap of 2 is as good as 3 to
        # the eye (RMS difference under 1/255) and several times faster.
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
        private=private,
    )


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
    if _orientation(im.getexif()) != 1 or not _is_srgb(
        im.info.get("icc_profile"), im.mode
    ):
        return None
    fh.seek(0)
    data = fh.read()
    fh.seek(0)
    try:
        # Huffman-coded 8-bit, sequential or progressive: not arithmetic, 12-bit or lossless.
        if jpeg_frame(data) not in ((0xC0, 8), (0xC1, 8), (0xC2, 8)):
            return None
        stripped = jpeg_without_metadata(data, keep_icc_profile=False)
    except (ValueError, IndexError):
        return None
    if len(stripped) * 8 > im.size[0] * im.size[1] * DISPLAY_REUSE_MAX_BITS_PER_PIXEL:
        return None
    return stripped


def _is_srgb(icc_profile, mode):
    """No profile (read as sRGB), or an sRGB one, for an RGB image; no profile for grey."""
    if not icc_profile:
        return True
    if mode != "RGB":
        return False
    try:
        return _transform_to_srgb(icc_profile, mode) is None
    except Exception:
        return False


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


def _profile_space(icc_profile):
    """The colour space an ICC profile is for, from its header ("RGB ", "GRAY", "CMYK"...)."""
    return icc_profile[16:20].decode("latin-1") if len(icc_profile) >= 128 else None


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
    return image.transpose(method) if method else image


def _normalise_mode(image):
    """One of L, LA, RGB, RGBA or CMYK: modes that resize and colour management handle."""
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


def _orientation(exif):
    try:
        value = int(exif.get(ORIENTATION, 1))
    except (TypeError, ValueError):
        return 1
    return value if 1 <= value <= 8 else 1


def _has_location(im, exif):
    try:
        if exif.get_ifd(GPS_IFD):
            return True
    except Exception:
        pass
    xmp = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp") or b""
    if isinstance(xmp, str):
        xmp = xmp.encode("utf-8", "replace")
    return b"GPSLatitude" in xmp or b"GPSLongitude" in xmp


def _taken_at(exif):
    """DateTimeOriginal with OffsetTimeOriginal; naive times are in settings.TIME_ZONE."""
    try:
        ifd = exif.get_ifd(EXIF_IFD)
        value = ifd.get(DATETIME_ORIGINAL)
        offset = ifd.get(OFFSET_TIME_ORIGINAL)
    except Exception:
        return None
    if not isinstance(value, str):
        return None
    try:
        taken = datetime.datetime.strptime(
            value.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S"
        )
    except ValueError:
        return None
    if not 1900 <= taken.year <= 2200:
        return None
    if isinstance(offset, str):
        match = re.fullmatch(r"([+-])(\d\d):(\d\d)", offset.strip("\x00 "))
        if match:
            delta = datetime.timedelta(hours=int(match[2]), minutes=int(match[3]))
            if match[1] == "-":
                delta = -delta
            return taken.replace(tzinfo=datetime.timezone(delta))
    return timezone.make_aware(taken)


# Removing location from a JPEG without touching the image data.

APP0, APP1, APP2, APP14, COM, SOS, EOI = 0xE0, 0xE1, 0xE2, 0xEE, 0xFE, 0xDA, 0xD9
STANDALONE_MARKERS = {0x01, *range(0xD0, 0xD8)}


def _jpeg_segments(data):
    """(marker, bytes) of each segment of the JPEG `data`, from the one after
    SOI to the first scan, whose bytes run to the end of the image; fill bytes
    skipped. Raises ValueError (or IndexError, cut short) for what isn't one."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    position = 2
    while position < len(data):
        if data[position] != 0xFF:
            raise ValueError("bad JPEG marker")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
        elif marker in STANDALONE_MARKERS:
            yield marker, data[position : position + 2]
            position += 2
        elif marker == SOS:
            yield marker, data[position : _end_of_image(data, position)]
            return
        else:
            end = (
                position + 2 + int.from_bytes(data[position + 2 : position + 4], "big")
            )
            yield marker, data[position:end]
            position = end
    raise ValueError("JPEG has no image data")


def jpeg_without_metadata(data, orientation=1, keep_icc_profile=True):
    """The JPEG `data` with its metadata removed, image data byte for byte the same.

    Keeps what decoding needs (tables, frame and scan headers, JFIF without
    its thumbnail, ICC profile unless told not to, Adobe colour transform);
    drops EXIF, XMP, Photoshop/IPTC, other APPn segments (JFXX thumbnails
    too), comments and anything after the end of the image. Writes back a
    minimal EXIF holding only the Orientation, so the photo still shows the
    right way up."""
    kept = [b"\xff\xd8"]
    exif_written = False
    for marker, segment in _jpeg_segments(data):
        if marker == SOS:
            if not exif_written:
                kept.append(_minimal_exif_segment(orientation))
            kept.append(segment)
            return b"".join(kept)
        keep = marker not in range(APP0, APP0 + 16) and marker != COM
        keep = (
            keep
            or marker == APP14
            or (
                keep_icc_profile
                and marker == APP2
                and segment[4:16] == b"ICC_PROFILE\x00"
            )
        )
        if marker == APP0 and segment[4:9] == b"JFIF\x00" and len(segment) >= 18:
            # Version, units and density; the thumbnail (which may show what
            # was cropped out) goes.
            segment, keep = b"\xff\xe0\x00\x10" + segment[4:16] + b"\x00\x00", True
        if keep:
            kept.append(segment)
            if marker == APP0 and not exif_written:
                kept.append(_minimal_exif_segment(orientation))
                exif_written = True


def jpeg_frame(data):
    """The frame (SOFn) marker and sample precision of the JPEG `data`."""
    for marker, segment in _jpeg_segments(data):
        if marker == SOS:
            break
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return marker, segment[4]
    raise ValueError("JPEG has no frame header")


def _minimal_exif_segment(orientation):
    if orientation in (None, 1):
        return b""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    payload = exif.tobytes()
    if not payload.startswith(b"Exif\x00\x00"):
        payload = b"Exif\x00\x00" + payload
    return b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload


def _end_of_image(data, sos_position):
    """Just past the EOI marker: entropy-coded data never holds 0xFFD9 (0xFF is
    stuffed with 0x00), so the first one after the first scan ends the image."""
    end = data.find(b"\xff\xd9", sos_position)
    return len(data) if end < 0 else end + 2


def jpeg_scan_data(data):
    """From the first scan header to the end of the image: the bytes that must
    not change when metadata is removed."""
    for marker, segment in _jpeg_segments(data):
        if marker == SOS:
            return segment
