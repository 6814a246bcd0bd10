"""The slideshow page with video clips: how long a clip may play comes from
SLIDESHOW_VIDEO_SECONDS as a data attribute for static/js/slideshow.js, and
a clip that is the newest item shows its poster until the script plays it."""

from django.urls import reverse

from albums.tests.base import BaseTestCase
from photos.tests.clips import ffmpeg_or_skip, store_clip


class VideoSlideshowTests(BaseTestCase):
    def setUp(self):
        self.url = reverse("slideshow", args=[self.album.code])

    def test_the_clip_length_comes_from_the_setting(self):
        self.assertContains(self.client.get(self.url), 'data-video-ms="20000"')
        with self.settings(SLIDESHOW_VIDEO_SECONDS=7):
            self.assertContains(self.client.get(self.url), 'data-video-ms="7000"')

    def test_a_newest_clip_shows_its_poster_marked_as_a_clip(self):
        ffmpeg_or_skip()
        clip = store_clip(self.album, guest_name="Eve")
        response = self.client.get(self.url)
        self.assertContains(response, f'data-photo-id="{clip.pk}" data-video src="')
        self.assertContains(response, clip.display_link)
        self.assertContains(response, 'alt="Video by Eve"')
