"""Video clips in the photo admin: the poster as the preview, the length and
codec as columns and fields, the clip playable on its change page."""

import html
import re

from django.urls import reverse

from albums.tests.admin_base import AdminTestCase
from albums.tests.base import store_photo
from photos.tests.clips import ffmpeg_or_skip, store_clip

CHANGELIST = reverse("admin:photos_photo_changelist")


class VideoAdminTests(AdminTestCase):
    def setUp(self):
        super().setUp()
        ffmpeg_or_skip()
        self.photo = store_photo(self.album, user=self.bob, filename="cake.jpg")
        self.clip = store_clip(
            self.album, user=self.bob, filename="speech.mp4", duration=67.2
        )

    def test_the_list_shows_the_poster_duration_and_codec(self):
        response = self.client.get(CHANGELIST)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Thumbnail of the video speech.mp4")
        self.assertContains(response, self.clip.tlink)
        row = re.search(
            r"<tr[^>]*>(?:(?!</tr>).)*speech\.mp4(?:(?!</tr>).)*</tr>",
            response.content.decode(),
            re.S,
        ).group(0)
        self.assertIn('<td class="field-duration_display">1:07</td>', row)
        self.assertIn('<td class="field-codec">h264</td>', row)
        photo_row = re.search(
            r"<tr[^>]*>(?:(?!</tr>).)*cake\.jpg(?:(?!</tr>).)*</tr>",
            response.content.decode(),
            re.S,
        ).group(0)
        self.assertIn("Thumbnail of cake.jpg", photo_row)
        self.assertRegex(photo_row, r'<td class="field-duration_display">[^<]*-')

    def test_the_change_page_plays_the_clip_over_its_poster(self):
        response = self.client.get(
            reverse("admin:photos_photo_change", args=[self.clip.pk])
        )
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        video = re.search(r"<video [^>]*>.*?</video>", page, re.S).group(0)
        self.assertIn(self.clip.display_link, html.unescape(video))
        self.assertIn(self.clip.link, html.unescape(video))
        self.assertIn('type="video/mp4"', video)
        self.assertContains(response, "1:07")
        self.assertContains(response, "h264")
        self.assertContains(response, "Playback link")

    def test_a_photo_change_page_is_unchanged(self):
        response = self.client.get(
            reverse("admin:photos_photo_change", args=[self.photo.pk])
        )
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "<video")
