"""The upload window: uploads open from / until a date and time in the
album's time zone; before it and after it the album refuses uploads (the
form post, the start of a direct upload), and says when. A file whose
upload started inside the window may finish after it closes: the window is
checked when an upload starts, as the lock is."""

import datetime

from django.test import Client
from django.utils import timezone

from albums.models import Album
from albums.tests.base import AlbumTestCase, make_image_bytes
from core.tests.support import local_storage
from photos.models import Photo, Upload
from photos.tests.direct_helpers import post_json, put_part, start
from photos.tests.helpers import upload

HOUR = datetime.timedelta(hours=1)


class UploadWindowTests(AlbumTestCase):
    def setUp(self):
        super().setUp()
        self.now = timezone.now()
        Album.objects.filter(pk=self.album.pk).update(time_zone="Europe/Berlin")
        self.album.refresh_from_db()

    def window(self, start=None, end=None):
        Album.objects.filter(pk=self.album.pk).update(
            uploads_from=start, uploads_until=end
        )
        self.album.refresh_from_db()

    def local(self, moment):
        return timezone.localtime(moment, self.album.tzinfo)

    def time_tag(self, moment, words):
        iso = self.local(moment).isoformat(timespec="minutes")
        return f'<time datetime="{iso}">{words}</time>'

    def assert_refused(self, words):
        photo = make_image_bytes(color=(1, 2, 3))
        response = upload(self.client, self.album, "a.jpg", photo)
        self.assertEqual(response.status_code, 403)
        self.assertIn(words, response.json()["error"])
        response = start(self.client, self.album, "a.jpg", 1000)
        self.assertEqual(response.status_code, 403)
        self.assertIn(words, response.json()["error"])
        # Without JavaScript: the results page says it.
        response = self.client.post(
            f"/a/{self.album.code}/upload/",
            {"photos": [], "guest_name": ""},
        )
        self.assertContains(response, words, status_code=403)
        self.assertFalse(Photo.objects.exists())
        self.assertFalse(Upload.objects.exists())

    def test_before_the_window_opens(self):
        opens = self.now + 2 * 24 * HOUR
        self.window(start=opens)
        words = f"{self.local(opens):%A} at {self.local(opens):%H:%M}"
        self.assert_refused(f"Uploads open on {words}.")
        page = self.client.get(self.album.get_absolute_url())
        self.assertContains(
            page, f"Uploads open {self.time_tag(opens, f'on {words}')}."
        )
        self.assertNotContains(page, "data-upload-form")
        self.assertNotContains(page, "/accounts/login/?next=")  # not why

    def test_after_the_window_closed(self):
        closed = self.now - 24 * HOUR
        self.window(start=self.now - 48 * HOUR, end=closed)
        self.assert_refused(f"Uploads closed yesterday at {self.local(closed):%H:%M}.")
        page = self.client.get(self.album.get_absolute_url())
        self.assertContains(
            page,
            f"Uploads closed {self.time_tag(closed, f'yesterday at {self.local(closed):%H:%M}')}.",
        )
        self.assertNotContains(page, "data-upload-form")

    def test_inside_the_window(self):
        closes = self.now + 24 * HOUR
        self.window(start=self.now - HOUR, end=closes)
        response = upload(
            self.client, self.album, "a.jpg", make_image_bytes(color=(5, 6, 7))
        )
        self.assertEqual(response.status_code, 201)
        response = start(self.client, self.album, "b.jpg", 1000)
        self.assertEqual(response.status_code, 201)
        page = self.client.get(self.album.get_absolute_url())
        self.assertContains(page, "data-upload-form")
        at = f"{self.local(closes):%H:%M}"
        self.assertContains(
            page, f"Uploads close {self.time_tag(closes, f'tomorrow at {at}')}."
        )

    def test_only_an_end(self):
        self.window(end=self.now + 3 * HOUR)
        self.assertEqual(start(self.client, self.album, "b.jpg", 1000).status_code, 201)

    def test_the_hosts_lock_still_wins(self):
        self.window(end=self.now - HOUR)
        Album.objects.filter(pk=self.album.pk).update(uploads_open=False)
        self.album.refresh_from_db()
        self.assert_refused("This album is locked")

    def test_a_file_started_before_the_close_may_finish_after_it(self):
        self.enterContext(local_storage())
        self.window(end=self.now + HOUR)
        data = make_image_bytes(640, 480, color=(9, 9, 9))
        started = start(self.client, self.album, "late.jpg", len(data)).json()
        # The window closes while the file is on its way.
        self.window(end=timezone.now() - datetime.timedelta(seconds=1))
        self.assertIn("Uploads closed", self.album.upload_refusal(self.album.user))
        signed = post_json(self.client, started["sign_url"], {"part": 1}).json()
        self.assertEqual(put_part(self.client, signed, data).status_code, 200)
        with self.captureOnCommitCallbacks(execute=True):
            finished = self.client.post(started["finish_url"])
        self.assertEqual(finished.status_code, 202)
        status = self.client.get(started["status_url"]).json()
        self.assertEqual(status["status"], "added")
        self.assertEqual(Photo.objects.get().filename, "late.jpg")
        # A new one is refused.
        other = Client()
        self.assertEqual(start(other, self.album, "new.jpg", 1000).status_code, 403)
