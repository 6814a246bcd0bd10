"""Finishing a direct upload, and the worker's half, on the local storage
(the same protocol as S3; core/tests/test_strict_s3.py checks S3's side)."""

import time
from unittest import mock

from django.core.files.storage import default_storage

from albums.tests.base import AlbumTestCase, make_image_bytes, stored_keys
from core.tests.support import local_storage
from photos.direct_uploads import process_upload
from photos.models import Photo, Upload
from photos.tests import clips
from photos.tests.direct_helpers import post_json, put_part, send, start


class DirectUploadTests(AlbumTestCase):
    def setUp(self):
        super().setUp()
        self.media_root = self.enterContext(local_storage())
        self.data = make_image_bytes(640, 480)

    def test_a_photo_sent_straight_to_storage_is_added(self):
        with self.captureOnCommitCallbacks(execute=True):
            finished, started = send(self.client, self.album, "IMG_1.jpg", self.data)
        self.assertEqual(finished.status_code, 202)
        self.assertEqual(finished.json()["status"], "processing")
        status = self.client.get(started["status_url"]).json()
        self.assertEqual(status["status"], "added")
        photo = Photo.objects.get()
        self.assertEqual((photo.filename, photo.size), ("IMG_1.jpg", len(self.data)))
        self.assertEqual(status["photo"]["id"], photo.pk)
        # The sent copy is gone; the original and renditions are under the album.
        self.assertFalse(any(key.startswith("incoming/") for key in stored_keys()))
        self.assertEqual(default_storage.open(photo.link).read(), self.data)

    def test_a_large_photo_goes_in_parts_and_resumes_from_what_arrived(self):
        data = make_image_bytes(4000, 3000, format="PNG")
        data += b"\0" * max(
            0, 9 * 1024 * 1024 - len(data)
        )  # trailing bytes: still a PNG
        started = start(
            self.client, self.album, "big.png", len(data), "image/png"
        ).json()
        self.assertEqual(started["parts"], 2)
        signed = post_json(self.client, started["sign_url"], {"part": 1}).json()
        self.assertEqual(
            put_part(self.client, signed, data[: started["part_size"]]).status_code, 200
        )
        parts = self.client.get(started["parts_url"]).json()["parts"]
        self.assertEqual(
            [(p["number"], p["size"]) for p in parts], [(1, started["part_size"])]
        )
        # Finishing too early says what is missing.
        early = self.client.post(started["finish_url"])
        self.assertEqual(
            (early.status_code, early.json()["error"]),
            (409, "Parts [2] have not arrived yet."),
        )
        signed = post_json(self.client, started["sign_url"], {"part": 2}).json()
        put_part(self.client, signed, data[started["part_size"] :])
        with self.captureOnCommitCallbacks(execute=True):
            finished = self.client.post(started["finish_url"])
        self.assertEqual(finished.status_code, 202)
        self.assertEqual(
            self.client.get(started["status_url"]).json()["status"], "added"
        )
        self.assertEqual(default_storage.open(Photo.objects.get().link).read(), data)

    def test_a_file_that_is_no_photo_is_rejected_with_todays_message(self):
        with self.captureOnCommitCallbacks(execute=True):
            _finished, started = send(
                self.client, self.album, "cat.jpg", b"<html>no</html>"
            )
        status = self.client.get(started["status_url"]).json()
        self.assertEqual(status["status"], "rejected")
        self.assertIn("cat.jpg: ", status["message"])
        self.assertFalse(Photo.objects.exists())
        self.assertEqual(stored_keys(), [])

    def test_a_body_of_another_length_than_signed_is_refused(self):
        started = start(self.client, self.album, "a.jpg", len(self.data)).json()
        signed = post_json(self.client, started["sign_url"], {"part": 1}).json()
        response = put_part(self.client, signed, self.data + b"more")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.client.post(started["finish_url"]).status_code, 409)
        self.assertEqual(stored_keys(), [])

    def test_a_tampered_or_expired_part_url_is_refused(self):
        started = start(self.client, self.album, "a.jpg", len(self.data)).json()
        signed = post_json(self.client, started["sign_url"], {"part": 1}).json()
        tampered = {**signed, "url": signed["url"].replace("part=1", "part=2")}
        self.assertEqual(put_part(self.client, tampered, self.data).status_code, 403)
        with mock.patch("time.time", return_value=time.time() + 3600):
            self.assertEqual(put_part(self.client, signed, self.data).status_code, 403)
        self.assertEqual(stored_keys(), [])

    def test_parts_outside_the_upload_and_finished_uploads_are_refused(self):
        with self.captureOnCommitCallbacks(execute=True):
            _finished, started = send(self.client, self.album, "a.jpg", self.data)
        for number in (0, 2):
            response = post_json(self.client, started["sign_url"], {"part": number})
            self.assertIn(response.status_code, (400, 409))
        self.assertEqual(self.client.post(started["finish_url"]).status_code, 409)

    def test_another_albums_upload_is_not_found(self):
        started = start(self.client, self.album, "a.jpg", len(self.data)).json()
        other = self.album.__class__.objects.create(name="Other", user=self.bob)
        url = started["finish_url"].replace(self.album.code, other.code)
        self.assertEqual(self.client.post(url).status_code, 404)
        self.assertEqual(
            self.client.get(f"/a/{self.album.code}/uploads/nope/").status_code, 404
        )

    def test_the_task_run_twice_adds_one_photo(self):
        started = start(self.client, self.album, "a.jpg", len(self.data)).json()
        signed = post_json(self.client, started["sign_url"], {"part": 1}).json()
        put_part(self.client, signed, self.data)
        self.client.post(started["finish_url"])  # on_commit not run: no task yet
        upload = Upload.objects.get(token=started["token"])
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(process_upload(upload.pk), "added")
            self.assertIsNone(process_upload(upload.pk))
        self.assertEqual(Photo.objects.count(), 1)
        self.assertFalse(any(key.startswith("incoming/") for key in stored_keys()))


class DirectVideoUploadTests(AlbumTestCase):
    def setUp(self):
        super().setUp()
        clips.ffmpeg_or_skip()
        self.media_root = self.enterContext(local_storage())

    def test_a_clip_sent_straight_to_storage_is_added(self):
        data = clips.read(clips.h264_faststart())
        with self.captureOnCommitCallbacks(execute=True):
            finished, started = send(
                self.client, self.album, "first-dance.mp4", data, "video/mp4"
            )
        status = self.client.get(started["status_url"]).json()
        self.assertEqual(status["status"], "added", status)
        photo = Photo.objects.get()
        self.assertEqual((photo.content_type, photo.size), ("video/mp4", len(data)))
        self.assertFalse(any(key.startswith("incoming/") for key in stored_keys()))

    def test_a_cut_off_clip_is_refused_with_its_name_and_leaves_nothing(self):
        data = clips.truncated(clips.h264_faststart())
        with self.captureOnCommitCallbacks(execute=True):
            finished, started = send(
                self.client, self.album, "speech.mp4", data, "video/mp4"
            )
        status = self.client.get(started["status_url"]).json()
        self.assertEqual(status["status"], "rejected")
        self.assertIn("speech.mp4: This video", status["message"])
        self.assertIn("only partly sent", status["message"])
        self.assertFalse(Photo.objects.exists())
        self.assertEqual(stored_keys(), [])
