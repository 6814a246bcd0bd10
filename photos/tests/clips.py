"""Small real video clips for the tests, made with ffmpeg's test sources the
first time a test asks (a few tens of KB each, a fraction of a second to
make), cached for the process. Generated, so no licence question: ffmpeg's
lavfi sources (testsrc, color, sine) draw them."""

import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
import uuid

import pytest
from django.utils import timezone

from albums.tests.base import make_image_bytes
from core import storage
from core.tests.support import in_ci
from photos.models import Photo

# Where iPhone and Android put the place a clip was filmed; the copies others
# get must not hold it (checked byte for byte).
LOCATION = "+48.8584+002.2945/"
FOLDER = tempfile.mkdtemp(prefix="partyshots-clips-")


def ffmpeg_or_skip():
    """Skip without ffmpeg (fail with CI=true, where it belongs to the setup)."""
    if shutil.which("ffmpeg") is None:
        if in_ci():
            pytest.fail("ffmpeg is missing (apt-get install ffmpeg), and CI is set")
        pytest.skip("ffmpeg is missing (apt-get install ffmpeg)")


def _ffmpeg(*args):
    ffmpeg_or_skip()
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True, timeout=120
    )


def _make(name, *args):
    path = os.path.join(FOLDER, name)
    if not os.path.exists(path):
        _ffmpeg(*args, path + ".part." + name.rpartition(".")[2])
        os.replace(path + ".part." + name.rpartition(".")[2], path)
    return path


# A picture whose top half is red and bottom half blue, so a test can tell
# which way up a poster is.
TWO_COLOURS = (
    "color=c=red:s=320x120:r=30[top];color=c=blue:s=320x120:r=30[bottom];"
    "[top][bottom]vstack"
)


@functools.cache
def h264_faststart(seconds=3):
    """H.264/AAC MP4, index first: browsers play it as it is."""
    return _make(
        f"h264_{seconds}.mp4",
        *("-f", "lavfi", "-i", f"testsrc=size=320x240:rate=30:duration={seconds}"),
        *("-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"),
        *("-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"),
        *("-movflags", "+faststart"),
    )


@functools.cache
def h264_index_last():
    """H.264 MP4 with its index after the media: needs a remux to stream."""
    return _make(
        "h264_index_last.mp4",
        *("-f", "lavfi", "-i", "testsrc=size=320x240:rate=30:duration=2"),
        *("-c:v", "libx264", "-pix_fmt", "yuv420p"),
    )


@functools.cache
def iphone_hevc():
    """As an iPhone films upright: HEVC in QuickTime, landscape pixels with
    a 90° rotation, AAC sound, and the place in ©xyz and Apple's ISO 6709 key."""
    plain = _make(
        "hevc_plain.mov",
        *("-f", "lavfi", "-i", TWO_COLOURS),
        *("-f", "lavfi", "-i", "sine=frequency=440"),
        *("-t", "2", "-c:v", "libx265", "-x265-params", "log-level=error"),
        *("-pix_fmt", "yuv420p", "-tag:v", "hvc1", "-c:a", "aac"),
    )
    # Rotation and the location written by a remux (ffmpeg 5.1 sets the
    # display matrix from the rotate tag only when copying).
    return _make(
        "iphone_hevc.mov",
        *("-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90"),
        *("-metadata", f"location={LOCATION}"),
        *("-metadata", f"com.apple.quicktime.location.ISO6709={LOCATION}"),
        *("-metadata", "creation_time=2026-06-20T18:30:00Z"),
        *("-movflags", "use_metadata_tags"),
    )


@functools.cache
def android_h264_with_location():
    """H.264 MP4 ready to stream, with the place in ©xyz (as Android writes it)."""
    return _make(
        "android_location.mp4",
        *("-i", h264_faststart(), "-c", "copy", "-metadata", f"location={LOCATION}"),
        *("-movflags", "+faststart"),
    )


@functools.cache
def webm_vp9():
    return _make(
        "vp9.webm",
        *("-f", "lavfi", "-i", "testsrc=size=320x240:rate=30:duration=2"),
        *("-f", "lavfi", "-i", "sine=duration=2"),
        *("-c:v", "libvpx-vp9", "-b:v", "200k", "-c:a", "libopus"),
    )


@functools.cache
def sound_only():
    return _make("sound.mp4", "-f", "lavfi", "-i", "sine=duration=2", "-c:a", "aac")


@functools.cache
def ten_hours():
    """A duration bomb: ten hours in a few KB (a frame a minute)."""
    return _make(
        "ten_hours.mp4",
        *("-f", "lavfi", "-i", "color=c=black:s=64x64:r=1/60:duration=36000"),
        *("-c:v", "libx264", "-pix_fmt", "yuv420p"),
    )


@functools.cache
def eight_k():
    return _make(
        "8k.mp4",
        *("-f", "lavfi", "-i", "color=c=gray:s=7680x4320:r=1:duration=1"),
        *("-c:v", "libx264", "-pix_fmt", "yuv420p"),
    )


def read(path):
    with open(path, "rb") as fh:
        return fh.read()


def truncated(path, keep=0.5):
    """The first part of a clip, as a phone that lost Wi-Fi mid-upload
    leaves it."""
    data = read(path)
    return data[: int(len(data) * keep)]


def first_frame(data):
    """The first frame of a clip as ffmpeg decodes it, a Pillow image."""
    import io

    from PIL import Image

    result = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", "pipe:0", "-frames:v", "1"]
        + ["-f", "image2pipe", "-c:v", "ppm", "-"],
        input=data,
        capture_output=True,
        check=True,
    )
    return Image.open(io.BytesIO(result.stdout)).convert("RGB")


def probe_streams(path_or_bytes):
    """ffprobe's view of a file: {codec_type: codec_name} and format tags."""
    import json

    path = path_or_bytes
    if isinstance(path_or_bytes, bytes):
        fd, path = tempfile.mkstemp(dir=FOLDER)
        with os.fdopen(fd, "wb") as fh:
            fh.write(path_or_bytes)
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json"]
        + ["-show_format", "-show_streams", path],
        capture_output=True,
        check=True,
    )
    return json.loads(result.stdout)


CLIP_SECONDS = 2
CLIP_WIDTH, CLIP_HEIGHT = 320, 240


def clip_bytes(seconds=CLIP_SECONDS):
    """An H.264/AAC MP4 of ffmpeg's test pattern, 320×240, ready to stream."""
    return read(h264_faststart(seconds))


def store_clip(album, user=None, filename="clip.mp4", data=None, **fields):
    """A Photo row for a clip with its bytes really stored, as photos.videos
    would leave one that needs no copies: the clip as the original
    (video/mp4 unless `content_type` says otherwise), a poster's thumbnail
    and display renditions as JPEGs. Quick, for tests of what people see of
    a clip; the pipeline's own tests go through ingest (test_videos.py)."""
    data = clip_bytes() if data is None else data
    poster = make_image_bytes(CLIP_WIDTH, CLIP_HEIGHT, color=(20, 120, 200))
    stem = f"albums/{album.pk}/{uuid.uuid4().hex}"
    content_type = fields.pop("content_type", "video/mp4")
    extension = {"video/webm": "webm", "video/quicktime": "mov"}.get(
        content_type, "mp4"
    )
    keys = {
        "link": storage.save(f"{stem}.{extension}", data, content_type),
        "tlink": storage.save(f"{stem}_t.jpg", poster, "image/jpeg"),
        "display_link": storage.save(f"{stem}_d.jpg", poster, "image/jpeg"),
    }
    now = timezone.now()
    values = {
        "album": album,
        "user": user,
        "filename": filename,
        "content_type": content_type,
        "size": len(data),
        "width": CLIP_WIDTH,
        "height": CLIP_HEIGHT,
        "duration": float(CLIP_SECONDS),
        "video_codec": "h264",
        "taken_at": now,
        "created_at": now,
        "sha256": hashlib.sha256(data).hexdigest(),
        **keys,
    }
    values.update(fields)
    return Photo.objects.create(**values)


def fetch(client, url, **headers):
    """The response to a local storage's signed URL (core.views.media) through
    the test client, and its body."""
    response = client.get(url, headers=headers)
    return response, b"".join(response.streaming_content)
