"""The video work: checking a clip and making what the site serves of it,
with ffprobe and ffmpeg (Debian's ffmpeg package; settings.FFMPEG and
FFPROBE name the binaries). Plain functions on files, no models, no storage;
photos.ingest stores what process() makes.

The policy, mirroring photos.images: the first bytes must be an MP4,
QuickTime or WebM file; ffprobe must find a video stream with a codec on the
allowlist (H.264 or HEVC in MP4/MOV, VP8/VP9/AV1 in WebM); the size, frame
rate and length within the limits; and the whole file must demux without an
error and last as long as its header says, so a clip cut off on the way is
caught. Every ffmpeg run has a time limit, a memory limit, and dies with the
worker that started it.

What process() makes:
- a poster: a frame a second in (the first for shorter clips), upright, as
  the thumbnail and display JPEGs a photo gets (photos.images);
- a playback copy, an H.264/AAC MP4 at most VIDEO_PLAYBACK_MAX_HEIGHT on its
  short side, ready to stream, when browsers can't play the original (HEVC,
  larger than that, or sound they don't decode); a clip they can play but not
  stream from the start (a QuickTime file, or an MP4 with its index at the
  end) gets a remux instead, no re-encode;
- a copy without location for everyone but the uploader and the owner,
  when the clip carries one: the same streams, remuxed, every metadata tag
  dropped. Every copy we make has no metadata.
"""

import ctypes
import datetime
import io
import json
import logging
import math
import os
import resource
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image

from photos import images

logger = logging.getLogger(__name__)

CONTENT_TYPES = {"mp4": "video/mp4", "mov": "video/quicktime", "webm": "video/webm"}
EXTENSIONS = {"video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm"}
# Translators: the video formats PartyShots takes (with the codecs in
# brackets); translate only "or".
ALLOWED_NAMES = gettext_lazy("MP4 or MOV (H.264 or HEVC) or WebM (VP8, VP9 or AV1)")
VIDEO_CODECS = {"mp4": {"h264", "hevc"}, "mov": {"h264", "hevc"}}
VIDEO_CODECS["webm"] = {"vp8", "vp9", "av1"}
AUDIO_CODECS = {
    "mp4": {"aac", "mp3", "alac", "ac3", "eac3", "opus", "pcm_s16le", "pcm_s16be"},
    "webm": {"opus", "vorbis"},
}
AUDIO_CODECS["mov"] = AUDIO_CODECS["mp4"]
# What browsers play from an MP4 without a copy (with H.264 video).
BROWSER_AUDIO_CODECS = {"aac", "mp3"}
# 4K: DCI 4096 wide, or a phone's 3840x2160, either way up.
MAX_LONG_SIDE, MAX_SHORT_SIDE = 4096, 2304
MAX_FRAME_RATE = 300  # phones film slow motion at 240 frames a second
POSTER_SECONDS = 1.0
# A clip may stop this much short of its header's length (rounding, a last
# frame's duration) before it counts as cut off.
DURATION_SLACK = 0.5

# Quick looks at the first bytes, before ffprobe is asked anything.
QUICKTIME_ATOMS = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"}
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
# Major brands of HEIF images (HEIC, AVIF and their sequences): photos.
HEIF_BRANDS = {
    b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs",
    b"mif1", b"msf1", b"avif", b"avis", b"avio",
}  # fmt: skip
PR_SET_PDEATHSIG = 1
# Loaded once here: dlopen() in a forked child can deadlock on the loader's lock.
_LIBC = ctypes.CDLL(None, use_errno=True)
# Threads for ffmpeg's decoder and x264: left to choose, they take ~1.5 a
# core, and past ~16 cores their reserved address space overruns the
# RLIMIT_AS below (real memory stays ~350 MB).
FFMPEG_THREADS = str(min((os.cpu_count() or 1) * 3 // 2, 8))


class RejectedVideo(Exception):
    """A clip we don't take; the message is for the person who sent it."""


@dataclass
class Probe:
    container: str  # mp4, mov or webm
    video_codec: str
    audio_codec: str  # empty without sound
    width: int  # as shown, after rotation
    height: int
    rotation: int
    duration: float
    frame_rate: float
    faststart: bool
    has_location: bool
    taken_at: datetime.datetime | None

    @property
    def content_type(self):
        return CONTENT_TYPES[self.container]

    @property
    def extension(self):
        return self.container

    @property
    def needs_transcode(self):
        """Browsers can't play it: HEVC, larger than the playback size, or
        sound they don't decode."""
        if self.video_codec == "hevc":
            return True
        if min(self.width, self.height) > settings.VIDEO_PLAYBACK_MAX_HEIGHT:
            return True
        return self.container != "webm" and self.audio_codec not in {
            "",
            *BROWSER_AUDIO_CODECS,
        }

    @property
    def needs_remux(self):
        """Browsers play it, but not streamed from the start: a QuickTime
        file, or an MP4 whose index comes after the media."""
        return self.container == "mov" or (
            self.container == "mp4" and not self.faststart
        )


@dataclass
class VideoRenditions:
    """What process() made; the files live in `directory` until it's closed."""

    probe: Probe
    thumbnail: bytes
    display: bytes
    small: bytes = b""  # the grid's small WebP square (images.small_rendition)
    playback_path: str | None = None  # an MP4 browsers play, if one was needed
    location_free_path: str | None = None  # the clip without metadata
    directory: tempfile.TemporaryDirectory = field(repr=False, default=None)

    def close(self):
        if self.directory is not None:
            self.directory.cleanup()


def sniff(head):
    """'quicktime' or 'webm' when the first bytes look like one, else None.
    HEIC and AVIF photos are ISO boxes too: their brands tell them apart."""
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return None
    if head[4:8] in QUICKTIME_ATOMS:
        return "quicktime"
    if head.startswith(EBML_MAGIC):
        return "webm"
    return None


def is_video(head, filename="", content_type=""):
    """Whether a file is one to judge as a video: by its first bytes, or,
    when they are not an image's either, by its name or type."""
    return bool(sniff(head)) or named_as_video(filename, content_type)


def named_as_video(filename, content_type=""):
    """Whether the name or the type a browser gave says video."""
    extension = filename.rpartition(".")[2].lower()
    return content_type.startswith("video/") or extension in VIDEO_EXTENSIONS


VIDEO_EXTENSIONS = {"mp4", "m4v", "mov", "qt", "webm", "mkv", "3gp", "avi"}


def _limit_child():
    # In the child, before ffmpeg starts: die with the worker (a killed or
    # timed-out worker leaves no ffmpeg behind), and a memory cap.
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    limit = settings.VIDEO_MAX_MEMORY_MB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.nice(5)


def run(args, timeout, stdout=subprocess.PIPE):
    """Run ffmpeg or ffprobe; returns the CompletedProcess. A run past its
    time is killed and refused as too slow to process."""
    try:
        return subprocess.run(
            args,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.PIPE,
            timeout=timeout,
            preexec_fn=_limit_child,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RejectedVideo(_too_slow()) from None
    except FileNotFoundError:
        logger.error("%s is not installed: video clips are refused", args[0])
        raise RejectedVideo(
            _(
                "Videos can't be added here just now (the server can't process "
                "them); photos still can."
            )
        ) from None


def _too_slow():
    return _(
        "This video took too long to check, so it wasn't added (a shorter clip "
        "may work)."
    )


def _deadline_left(deadline):
    left = deadline - _now()
    if left <= 0:
        raise RejectedVideo(_too_slow())
    return left


def _now():
    return os.times().elapsed


def _clock(seconds):
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return (
        f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
    )


def _rate(text):
    try:
        value = Fraction(text or "0/1")
    except (ValueError, ZeroDivisionError):
        return 0.0
    return float(value)


def _rotation(stream):
    rotation = 0
    for side_data in stream.get("side_data_list", []):
        if "rotation" in side_data:
            rotation = int(float(side_data["rotation"]))
    if not rotation and "rotate" in stream.get("tags", {}):
        rotation = int(float(stream["tags"]["rotate"]))
    return rotation % 360


def _has_location(probed):
    """Whether any tag, the file's or a stream's, holds a place: ©xyz
    ('location'), Apple's ISO 6709 key, or anything naming GPS."""
    tag_sets = [probed["format"].get("tags", {})]
    tag_sets += [stream.get("tags", {}) for stream in probed["streams"]]
    for tags in tag_sets:
        for key in tags:
            lowered = key.lower()
            if "location" in lowered or "gps" in lowered or "xyz" in lowered:
                return True
    return False


def _taken_at(tags):
    for key in ("com.apple.quicktime.creationdate", "creation_time", "date"):
        value = tags.get(key)
        if not value:
            continue
        try:
            taken = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            continue
        if taken.tzinfo is None:
            taken = taken.replace(tzinfo=datetime.UTC)
        now = datetime.datetime.now(datetime.UTC)
        # 1904 and 1970 are what cameras write when they don't know.
        if datetime.datetime(1990, 1, 1, tzinfo=datetime.UTC) < taken <= now:
            return taken
    return None


def _faststart(path):
    """Whether the index (moov) comes before the media (mdat) in an MP4."""
    with open(path, "rb") as fh:
        offset = 0
        size = os.fstat(fh.fileno()).st_size
        while offset + 8 <= size:
            fh.seek(offset)
            header = fh.read(16)
            box_size = int.from_bytes(header[:4], "big")
            kind = header[4:8]
            if kind == b"moov":
                return True
            if kind == b"mdat":
                return False
            if box_size == 1 and len(header) >= 16:
                box_size = int.from_bytes(header[8:16], "big")
            elif box_size == 0:
                return False
            if box_size < 8:
                return False
            offset += box_size
    return False


def probe(path, size, filename="", deadline=None):
    """Check the clip at `path` (`size` bytes) all the way through; returns
    its Probe or raises RejectedVideo."""
    deadline = deadline or _now() + settings.VIDEO_TASK_SECONDS
    with open(path, "rb") as fh:
        head = fh.read(64)
    kind = sniff(head)
    if kind is None:
        raise RejectedVideo(_not_a_video_message(head, filename))
    result = run(
        [
            settings.FFPROBE,
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            path,
        ],
        timeout=min(60, _deadline_left(deadline)),
    )
    try:
        probed = json.loads(result.stdout or b"{}")
    except ValueError:
        probed = {}
    if result.returncode != 0 or "format" not in probed:
        raise RejectedVideo(
            _(
                "This video seems damaged or only partly sent (it can't be read as "
                "a video). Please try again."
            )
        )
    format_name = probed["format"].get("format_name", "")
    if kind == "webm" and "webm" in format_name:
        container = "webm"
    elif kind == "quicktime" and format_name.startswith("mov,mp4"):
        major_brand = probed["format"].get("tags", {}).get("major_brand", "")
        container = "mov" if major_brand.strip() == "qt" or not major_brand else "mp4"
    else:
        raise RejectedVideo(
            _("This kind of video can't be added (we take %(formats)s).")
            % {"formats": ALLOWED_NAMES}
        )

    streams = probed.get("streams", [])
    videos = [
        stream
        for stream in streams
        if stream.get("codec_type") == "video"
        and not stream.get("disposition", {}).get("attached_pic")
    ]
    if not videos:
        raise RejectedVideo(
            _(
                "This video has no picture in it, so it can't be added (no video "
                "stream)."
            )
        )
    video = videos[0]
    video_codec = video.get("codec_name", "")
    if video_codec not in VIDEO_CODECS[container]:
        if video_codec:
            message = _(
                # Translators: %(codec)s and %(container)s are format names,
                # e.g. "MPEG4 in MP4".
                "This video is in a format we can't add (%(codec)s in "
                "%(container)s; we take %(formats)s)."
            )
        else:
            message = _(
                # Translators: %(container)s is a format name, e.g. "MP4".
                "This video is in a format we can't add (an unknown format in "
                "%(container)s; we take %(formats)s)."
            )
        raise RejectedVideo(
            message
            % {
                "codec": video_codec.upper(),
                "container": container.upper(),
                "formats": ALLOWED_NAMES,
            }
        )
    audios = [stream for stream in streams if stream.get("codec_type") == "audio"]
    audio_codec = audios[0].get("codec_name", "") if audios else ""
    if audio_codec and audio_codec not in AUDIO_CODECS[container]:
        raise RejectedVideo(
            # Translators: %(codec)s is a sound format's name, e.g. "flac".
            _("This video's sound is in a format we can't add (%(codec)s).")
            % {"codec": audio_codec}
        )

    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if not width or not height:
        raise RejectedVideo(
            _(
                "This video seems damaged or only partly sent (its picture has no "
                "size). Please try again."
            )
        )
    if max(width, height) > MAX_LONG_SIDE or min(width, height) > MAX_SHORT_SIDE:
        raise RejectedVideo(
            _(
                "This video is too large to add (%(width)s×%(height)s; the most is "
                "4K, %(most_width)s×%(most_height)s)."
            )
            % {
                "width": width,
                "height": height,
                "most_width": MAX_LONG_SIDE,
                "most_height": MAX_SHORT_SIDE,
            }
        )
    rotation = _rotation(video)
    if rotation in (90, 270):
        width, height = height, width
    frame_rate = _rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate"))
    if frame_rate > MAX_FRAME_RATE:
        raise RejectedVideo(
            _(
                "This video has too many frames a second to add (%(rate)s; the "
                "most is %(limit)s)."
            )
            % {"rate": f"{frame_rate:.0f}", "limit": MAX_FRAME_RATE}
        )
    # Some recorders (a browser's MediaRecorder) write no length: the demux
    # below measures it then.
    declared = _seconds(probed["format"].get("duration")) or _seconds(
        video.get("duration")
    )
    if declared is not None:
        _check_length(declared)
    demuxed = _check_whole_file(path, declared, deadline)
    duration = declared or demuxed
    if not duration:
        raise RejectedVideo(
            _(
                "This video seems damaged or only partly sent (it has no length). "
                "Please try again."
            )
        )
    _check_length(max(duration, demuxed))  # a header may say less than there is
    return Probe(
        container=container,
        video_codec=video_codec,
        audio_codec=audio_codec,
        width=width,
        height=height,
        rotation=rotation,
        duration=duration,
        frame_rate=frame_rate,
        faststart=container == "webm" or _faststart(path),
        has_location=_has_location(probed),
        taken_at=_taken_at(probed["format"].get("tags", {})),
    )


def _seconds(value):
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def _check_length(seconds):
    if seconds > settings.VIDEO_MAX_SECONDS:
        raise RejectedVideo(
            # Translators: the lengths are minutes:seconds (or
            # hours:minutes:seconds), e.g. "12:30; the most is 10:00".
            _("This video is too long to add (%(length)s; the most is %(limit)s).")
            % {
                "length": _clock(seconds),
                "limit": _clock(settings.VIDEO_MAX_SECONDS),
            }
        )


def _check_whole_file(path, duration, deadline):
    """Demux every packet (no decoding): any error, or media that stops well
    short of the header's length, means the upload is cut off or damaged.
    Returns the length demuxed, in seconds."""
    result = run(
        [
            settings.FFMPEG,
            "-nostdin",
            "-v",
            "error",
            "-i",
            path,
            "-map",
            "0",
            "-c",
            "copy",
            "-f",
            "null",
            "-progress",
            "pipe:1",
            "-nostats",
            "-",
        ],
        timeout=_deadline_left(deadline),
    )
    if result.returncode != 0 or result.stderr.strip():
        raise RejectedVideo(
            _("This video seems damaged or only partly sent. Please try again.")
        )
    demuxed = 0.0
    for line in result.stdout.decode(errors="replace").splitlines():
        name, _equals, value = line.partition("=")
        if name == "out_time_us" and value.strip().lstrip("-").isdigit():
            demuxed = max(demuxed, int(value) / 1_000_000)
    if duration and demuxed + DURATION_SLACK < duration * 0.98:
        raise RejectedVideo(
            _(
                # Translators: the times are minutes:seconds, e.g. "it stops
                # at 0:12 of 0:30".
                "This video was only partly sent (it stops at %(at)s of "
                "%(length)s). Please try again."
            )
            % {"at": _clock(demuxed), "length": _clock(duration)}
        )
    return demuxed


def _not_a_video_message(head, filename):
    named = images.describe_non_image(head)
    if named and images.takes_an(named):
        # Translators: %(kind)s is a kind of file, e.g. "SVG" or "HTML": one
        # English says "an" before (translate as the "a" message if that
        # makes no difference in your language).
        sentence = _("This file isn't a video we can add (it's an %(kind)s).") % {
            "kind": named
        }
    elif named:
        # Translators: %(kind)s is a kind of file, e.g. "PDF" or "ZIP".
        sentence = _("This file isn't a video we can add (it's a %(kind)s).") % {
            "kind": named
        }
    else:
        sentence = _("This file isn't a video we can add (it doesn't open as a video).")
    we_take = _("We take %(formats)s.") % {"formats": ALLOWED_NAMES}
    return f"{sentence} {we_take}"


def poster(path, probe, deadline):
    """A frame a second in (the first for a shorter clip), turned upright,
    as a Pillow image."""
    seconds = POSTER_SECONDS if probe.duration > POSTER_SECONDS + 0.1 else 0
    for at in dict.fromkeys([seconds, 0]):
        result = run(
            [
                settings.FFMPEG,
                "-nostdin",
                "-v",
                "error",
                "-ss",
                f"{at:.3f}",
                "-i",
                path,
                "-map",
                "0:v:0",
                "-frames:v",
                "1",
                "-f",
                "image2pipe",
                "-c:v",
                "ppm",
                "-",
            ],
            timeout=min(120, _deadline_left(deadline)),
        )
        if result.returncode == 0 and result.stdout:
            image = Image.open(io.BytesIO(result.stdout))
            image.load()
            return image
    raise RejectedVideo(
        _(
            "This video seems damaged or only partly sent (no frame could be "
            "read). Please try again."
        )
    )


# Same settings in the benchmark's plain ffmpeg run (bench/run.py).
def transcode_args(source, target):
    limit = settings.VIDEO_PLAYBACK_MAX_HEIGHT
    # After ffmpeg's automatic rotation: the short side to at most `limit`,
    # even sizes for 4:2:0.
    scale = (
        f"scale='if(gt(iw,ih),-2,trunc(min(iw,{limit})/2)*2)':"
        f"'if(gt(iw,ih),trunc(min(ih,{limit})/2)*2,-2)',format=yuv420p"
    )
    return [
        settings.FFMPEG,
        "-nostdin",
        "-v",
        "error",
        "-y",
        "-threads",
        FFMPEG_THREADS,
        "-i",
        source,
        "-map",
        "0:v:0",
        "-map",
        "0:a:0?",
        "-vf",
        scale,
        "-c:v",
        "libx264",
        "-threads",
        FFMPEG_THREADS,
        "-preset",
        "veryfast",
        "-crf",
        "23",
        "-profile:v",
        "high",
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        *_NO_METADATA,
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        target,
    ]


# Every tag, chapter and data track (phones' timed metadata) left behind,
# and no encoder tag written.
_NO_METADATA = [
    "-map_metadata",
    "-1",
    "-map_chapters",
    "-1",
    "-dn",
    "-sn",
    "-fflags",
    "+bitexact",
]


def remux_args(source, target, container):
    """The same streams without metadata, ready to stream: MP4 for MP4 and
    QuickTime, WebM for WebM."""
    return [
        settings.FFMPEG,
        "-nostdin",
        "-v",
        "error",
        "-y",
        "-i",
        source,
        "-map",
        "0:v:0",
        "-map",
        "0:a:0?",
        "-c",
        "copy",
        *_NO_METADATA,
        *(["-movflags", "+faststart", "-f", "mp4"] if container != "webm" else []),
        *(["-f", "webm"] if container == "webm" else []),
        target,
    ]


def _make(args, target, deadline, failed):
    """Run ffmpeg to make `target`; RejectedVideo(`failed`) if it made none."""
    result = run(args, timeout=_deadline_left(deadline))
    if result.returncode != 0 or not os.path.getsize(target):
        raise RejectedVideo(failed)
    return target


def process(path, size, filename=""):
    """Check the clip at `path` and make its poster renditions and copies
    (see the module's docstring). Raises RejectedVideo. The caller closes
    the result when done with its files."""
    deadline = _now() + settings.VIDEO_TASK_SECONDS
    checked = probe(path, size, filename, deadline)
    directory = tempfile.TemporaryDirectory(prefix="partyshots-video-")
    try:
        image = poster(path, checked, deadline)
        thumbnail, display, small = images.poster_renditions(image)
        made = VideoRenditions(
            checked, thumbnail, display, small=small, directory=directory
        )
        extension = "webm" if checked.container == "webm" else "mp4"
        clean_copy = None
        if checked.has_location or (
            checked.needs_remux and not checked.needs_transcode
        ):
            clean_copy = _make(
                remux_args(
                    path, f"{directory.name}/clean.{extension}", checked.container
                ),
                f"{directory.name}/clean.{extension}",
                deadline,
                _(
                    "This video seems damaged (its copy without location could "
                    "not be made)."
                ),
            )
        if checked.has_location:
            made.location_free_path = clean_copy
        if checked.needs_transcode:
            made.playback_path = _make(
                transcode_args(path, f"{directory.name}/playback.mp4"),
                f"{directory.name}/playback.mp4",
                deadline,
                _("This video seems damaged (its playback copy could not be made)."),
            )
        elif checked.needs_remux:
            made.playback_path = clean_copy
        return made
    except BaseException:
        directory.cleanup()
        raise
