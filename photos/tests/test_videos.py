"""Video clips through ingest (photos.videos with ffmpeg): what is accepted,
what copies are made, what each person gets, and the bad input, each
refused with a message and nothing left behind."""

import datetime
import io
import os
import subprocess
import sys
import time

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import SimpleTestCase, override_settings
from PIL import Image

from albums.tests.base import BaseTestCase, stored_keys
from photos import ingest
from photos.models import Photo
from photos.tests import clips
from photos.tests.clips import LOCATION
from photos.tests.helpers import upload


def add(album, data, name, user):
    return ingest.add(album, ContentFile(data, name=name), user=user)


def stored(key):
    with default_storage.open(key) as fh:
        return fh.read()


def moov_before_mdat(data):
    return 0 <= data.find(b"moov") < data.find(b"mdat")


class VideoIngestTests(BaseTestCase):
    def setUp(self):
        clips.ffmpeg_or_skip()

    def add(self, path, name):
        return add(self.album, clips.read(path), name, self.alice)

    def test_h264_ready_to_stream_is_served_as_it_is(self):
        outcome = self.add(clips.h264_faststart(), "first-dance.mp4")
        self.assertEqual(outcome.status, ingest.ADDED, outcome.message)
        photo = outcome.photo
        self.assertTrue(photo.is_video)
        self.assertEqual(
            (photo.content_type, photo.video_codec, photo.width, photo.height),
            ("video/mp4", "h264", 320, 240),
        )
        self.assertAlmostEqual(photo.duration, 3.0, delta=0.1)
        self.assertEqual(photo.duration_label, "0:03")
        self.assertEqual((photo.playback_link, photo.location_free_link), ("", ""))
        # The original, its poster's thumbnail, small square and display
        # image: nothing else.
        self.assertEqual(
            stored_keys(),
            sorted([photo.link, photo.tlink, photo.small_link, photo.display_link]),
        )
        self.assertEqual(stored(photo.link), clips.read(clips.h264_faststart()))
        self.assertEqual(photo.playback_for(self.bob), (photo.link, "video/mp4"))
        poster = Image.open(io.BytesIO(stored(photo.display_link)))
        self.assertEqual((poster.format, poster.size), ("JPEG", (320, 240)))
        self.assertNotIn("exif", poster.info)

    def test_iphone_hevc_gets_a_playback_copy_upright_without_location(self):
        original = clips.read(clips.iphone_hevc())
        self.assertIn(LOCATION.encode(), original)
        outcome = self.add(clips.iphone_hevc(), "IMG_0001.MOV")
        self.assertEqual(outcome.status, ingest.ADDED, outcome.message)
        photo = outcome.photo
        # Filmed upright: landscape pixels, turned 90° for showing.
        self.assertEqual(
            (photo.content_type, photo.video_codec, photo.width, photo.height),
            ("video/quicktime", "hevc", 240, 320),
        )
        self.assertEqual(
            photo.taken_at, datetime.datetime(2026, 6, 20, 18, 30, tzinfo=datetime.UTC)
        )
        # The poster is turned as the display matrix says (as browsers show
        # the clip): the stored picture's top (red) a quarter turn round to
        # the left, its bottom (blue) to the right.
        poster = Image.open(io.BytesIO(stored(photo.display_link))).convert("RGB")
        self.assertEqual(poster.size, (240, 320))
        left, right = poster.getpixel((30, 160)), poster.getpixel((210, 160))
        self.assertGreater(left[0], 200)  # red
        self.assertGreater(right[2], 200)  # blue
        # The playback copy: H.264/AAC MP4, streamable, upright, no metadata.
        playback = stored(photo.playback_link)
        streams = clips.probe_streams(playback)
        codecs = {s["codec_type"]: s["codec_name"] for s in streams["streams"]}
        self.assertEqual(codecs, {"video": "h264", "audio": "aac"})
        video = next(s for s in streams["streams"] if s["codec_type"] == "video")
        self.assertEqual((video["width"], video["height"]), (240, 320))
        self.assertTrue(moov_before_mdat(playback))
        self.assertNotIn(LOCATION.encode(), playback)
        # ...with the turn baked in: its first frame is the poster's way up.
        frame = clips.first_frame(playback)
        self.assertEqual(frame.size, (240, 320))
        self.assertGreater(frame.getpixel((30, 160))[0], 200)
        self.assertGreater(frame.getpixel((210, 160))[2], 200)
        # Others download a remux of the original without its location.
        copy = stored(photo.location_free_link)
        self.assertNotIn(LOCATION.encode(), copy)
        self.assertNotIn(b"ISO6709", copy)
        self.assertNotIn(b"\xa9xyz", copy)
        copied = clips.probe_streams(copy)
        self.assertEqual(copied["streams"][0]["codec_name"], "hevc")
        self.assertEqual(photo.location_free_size, len(copy))
        self.assertEqual(
            photo.download_for(self.bob),
            (photo.location_free_link, "video/mp4", "IMG_0001.mp4"),
        )
        self.assertEqual(
            photo.download_for(self.alice),
            (photo.link, "video/quicktime", "IMG_0001.MOV"),
        )
        # Everyone plays the playback copy.
        self.assertEqual(
            photo.playback_for(self.bob), (photo.playback_link, "video/mp4")
        )
        self.assertEqual(len(stored_keys()), 6)

    def test_mp4_with_its_index_last_is_remuxed_not_encoded(self):
        outcome = self.add(clips.h264_index_last(), "clip.mp4")
        self.assertEqual(outcome.status, ingest.ADDED, outcome.message)
        photo = outcome.photo
        playback = stored(photo.playback_link)
        self.assertTrue(moov_before_mdat(playback))
        self.assertFalse(moov_before_mdat(clips.read(clips.h264_index_last())))
        self.assertEqual(
            clips.probe_streams(playback)["streams"][0]["codec_name"], "h264"
        )
        self.assertEqual(photo.location_free_link, "")

    def test_a_location_is_left_out_of_what_others_get(self):
        outcome = self.add(clips.android_h264_with_location(), "VID_2026.mp4")
        photo = outcome.photo
        self.assertEqual(photo.playback_link, "")  # plays as it is
        copy = stored(photo.location_free_link)
        self.assertNotIn(LOCATION.encode(), copy)
        self.assertTrue(moov_before_mdat(copy))
        self.assertEqual(
            photo.playback_for(self.bob), (photo.location_free_link, "video/mp4")
        )
        self.assertEqual(photo.playback_for(self.alice), (photo.link, "video/mp4"))

    def test_webm_is_taken_as_it_is(self):
        outcome = self.add(clips.webm_vp9(), "clip.webm")
        self.assertEqual(outcome.status, ingest.ADDED, outcome.message)
        photo = outcome.photo
        self.assertEqual((photo.content_type, photo.video_codec), ("video/webm", "vp9"))
        self.assertEqual((photo.playback_link, photo.location_free_link), ("", ""))

    def test_the_same_clip_twice_is_a_duplicate(self):
        first = self.add(clips.h264_faststart(), "a.mp4")
        second = self.add(clips.h264_faststart(), "b.mp4")
        self.assertEqual(second.status, ingest.DUPLICATE)
        self.assertEqual(second.photo, first.photo)
        self.assertEqual(len(stored_keys()), 4)

    def test_bad_input_is_refused_with_a_message_and_leaves_nothing(self):
        zip_bytes = b"PK\x03\x04" + b"\0" * 200
        html = b"<!DOCTYPE html><html><body>not a video</body></html>"
        cases = [
            (
                "cut.mp4",
                clips.truncated(clips.h264_faststart()),
                "only partly sent",
            ),
            (
                "archive.mp4",
                zip_bytes,
                "This file isn't a video we can add (it's a ZIP). We take MP4",
            ),
            ("page.mov", html, "This file isn't a video we can add (it's an HTML)."),
            (
                "sound.mp4",
                clips.read(clips.sound_only()),
                "This video has no picture in it, so it can't be added (no video "
                "stream).",
            ),
            (
                "bomb.mp4",
                clips.read(clips.ten_hours()),
                "This video is too long to add (10:00:00; the most is 3:00).",
            ),
            (
                "8k.mp4",
                clips.read(clips.eight_k()),
                "This video is too large to add (7680×4320; the most is 4K, 4096×2304).",
            ),
        ]
        for name, data, message in cases:
            with self.subTest(name):
                outcome = add(self.album, data, name, self.alice)
                self.assertEqual(outcome.status, ingest.REJECTED)
                self.assertIn(message, outcome.message)
                self.assertFalse(Photo.objects.exists())
                self.assertEqual(stored_keys(), [])

    @override_settings(VIDEO_MAX_BYTES=10_000)
    def test_size_is_checked_before_anything_else(self):
        outcome = self.add(clips.h264_faststart(), "long.mp4")
        self.assertEqual(outcome.status, ingest.REJECTED)
        self.assertIn("This video is too large to add (", outcome.message)
        self.assertIn("the most is 0 MB).", outcome.message)

    @override_settings(VIDEO_MAX_SECONDS=2)
    def test_length_limit_is_a_setting(self):
        outcome = self.add(clips.h264_faststart(), "long.mp4")
        self.assertEqual(
            outcome.message, "This video is too long to add (0:03; the most is 0:02)."
        )


class FfmpegLifetimeTests(SimpleTestCase):
    def test_ffmpeg_dies_with_the_worker_that_started_it(self):
        # A worker killed mid-transcode (the time limit, a deploy, the OOM
        # killer) must not leave its ffmpeg running on.
        clips.ffmpeg_or_skip()
        script = (
            "import django; django.setup(); from photos import videos; "
            "videos.run(['ffmpeg', '-nostdin', '-re', '-f', 'lavfi', '-i', "
            "'testsrc=duration=60', '-f', 'null', '-'], timeout=60)"
        )
        worker = subprocess.Popen(
            [sys.executable, "-c", script], cwd=settings.BASE_DIR, env=os.environ
        )
        self.addCleanup(worker.kill)
        deadline = time.monotonic() + 20
        children = []
        while not children and time.monotonic() < deadline:
            children = os.popen(f"pgrep -P {worker.pid} ffmpeg").read().split()
            time.sleep(0.1)
        self.assertTrue(children, "ffmpeg did not start")
        ffmpeg = int(children[0])
        worker.kill()
        worker.wait()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and os.path.exists(f"/proc/{ffmpeg}"):
            time.sleep(0.05)
        self.assertFalse(os.path.exists(f"/proc/{ffmpeg}"), "ffmpeg outlived it")


class FormUploadOfClipsTests(BaseTestCase):
    """The form post without JavaScript takes clips too, checked in the request."""

    def setUp(self):
        clips.ffmpeg_or_skip()

    def test_a_clip_is_added_and_a_bad_one_refused_by_name(self):
        response = upload(
            self.client, self.album, "dance.webm", clips.read(clips.webm_vp9())
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(Photo.objects.get().content_type, "video/webm")
        response = upload(
            self.client, self.album, "cut.mp4", clips.truncated(clips.h264_faststart())
        )
        self.assertEqual(response.status_code, 400)
        (result,) = response.json()["results"]
        self.assertTrue(result["message"].startswith("cut.mp4: "), result)
        self.assertIn("only partly sent", result["message"])
        self.assertEqual(Photo.objects.count(), 1)
