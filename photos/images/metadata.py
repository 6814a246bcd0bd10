"""Metadata: what we read from EXIF (orientation, whether there is a
location, when the photo was taken) and the JPEG segment surgery that removes
metadata without touching the image data."""

import datetime
import re

from django.utils import timezone
from PIL import Image

EXIF_IFD, GPS_IFD = 0x8769, 0x8825
ORIENTATION, DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 0x0112, 0x9003, 0x9011
# The widest offset a time zone has (Kiribati, +14:00; -12:00 the other way).
MAX_UTC_OFFSET = datetime.timedelta(hours=14)


# Reading EXIF (and XMP, for a location). Call these after load(): see the
# corpus README (PNG, TIFF).


def exif_orientation(exif):
    """The EXIF Orientation, 1 (upright) to 8; 1 when absent or invalid."""
    try:
        value = int(exif.get(ORIENTATION, 1))
    except (TypeError, ValueError):
        return 1
    return value if 1 <= value <= 8 else 1


def has_location(im, exif):
    """Whether the image holds a GPS location, in EXIF or in XMP."""
    try:
        if exif.get_ifd(GPS_IFD):
            return True
    except Exception:
        pass
    xmp = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp") or b""
    if isinstance(xmp, str):
        xmp = xmp.encode("utf-8", "replace")
    return b"GPSLatitude" in xmp or b"GPSLongitude" in xmp


def taken_at(exif):
    """DateTimeOriginal, in UTC: with OffsetTimeOriginal when it is a real
    offset (within ±14:00, as time zones are); without one, or with one out of
    range (+99:99, -24:00), it is read in settings.TIME_ZONE."""
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
    zone = _utc_offset(offset)
    aware = timezone.make_aware(taken) if zone is None else taken.replace(tzinfo=zone)
    return aware.astimezone(datetime.UTC)


def _utc_offset(offset):
    """The zone of an EXIF offset ("+02:00", "-05:30"), or None if it is
    missing or no time zone's (minutes past 59, hours past 14)."""
    if not isinstance(offset, str):
        return None
    match = re.fullmatch(r"([+-])(\d\d):(\d\d)", offset.strip("\x00 "))
    if not match or int(match[3]) >= 60:
        return None
    delta = datetime.timedelta(hours=int(match[2]), minutes=int(match[3]))
    if delta > MAX_UTC_OFFSET:
        return None
    return datetime.timezone(-delta if match[1] == "-" else delta)


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
