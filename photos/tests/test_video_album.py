"""Video clips on the album page: a tile with the poster, a play mark and the
length; the header counting photos and videos; the upload form taking both."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from albums.tests.base import BaseTestCase, store_photo
from albums.words import count_words
from photos.tests.clips import ffmpeg_or_skip, store_clip


def summary(response):
    """What the album's header says it holds ("3 photos and 1 video")."""
    header = response.content.decode().split('class="album-summary"', 1)[1]
    return re.search(r"<span data-album-count>([^<]*)<", header).group(1).strip()


def tiles(response):
    """The grid's <li> items, as HTML."""
    grid = response.content.decode().split("data-photo-grid>", 1)[1]
    return re.findall(r"<li[ >].*?</li>", grid.split("</ul>", 1)[0], re.S)


class CountLabelTests(BaseTestCase):
    def test_photos_and_videos_singular_and_plural(self):
        cases = {
            (0, 0): "0 photos",
            (1, 0): "1 photo",
            (12, 0): "12 photos",
            (1, 1): "1 video",
            (2, 2): "2 videos",
            (2, 1): "1 photo and 1 video",
            (14, 2): "12 photos and 2 videos",
            (3, 1): "2 photos and 1 video",
        }
        for (count, videos), label in cases.items():
            with self.subTest(count=count, videos=videos):
                self.assertEqual(count_words(count - videos, videos), label)


class VideoGridTests(BaseTestCase):
    def setUp(self):
        ffmpeg_or_skip()
        self.url = reverse("album", args=[self.album.code])

    def test_a_clip_is_a_poster_with_a_play_mark_and_its_length(self):
        photo = store_photo(self.album, user=self.bob)
        clip = store_clip(self.album, user=self.bob, duration=7.4)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        by_id = {
            pk: tile
            for tile in tiles(response)
            for pk in re.findall(r'href="/a/\w+/p/(\d+)/"', tile)
        }
        video_tile = by_id[str(clip.pk)]
        self.assertIn('class="video-tile" data-video', video_tile)
        self.assertIn(f'src="{clip.thumbnail_url()}"'.split("?")[0], video_tile)
        self.assertIn(clip.tlink, video_tile)
        self.assertRegex(video_tile, r'alt="Video, 0:07, by bob, taken ')
        self.assertIn('<span class="video-mark" aria-hidden="true"></span>', video_tile)
        self.assertIn(
            '<span class="video-duration" aria-hidden="true">0:07</span>', video_tile
        )
        photo_tile = by_id[str(photo.pk)]
        self.assertNotIn("video", photo_tile)
        self.assertRegex(photo_tile, r'alt="Photo by bob, taken ')

    def test_a_described_clip_says_video_then_its_description(self):
        clip = store_clip(self.album, user=self.bob, duration=125)
        clip.tags.create(key="description", value="The first dance")
        response = self.client.get(self.url)
        self.assertContains(response, 'alt="Video, 2:05: The first dance"')

    def test_the_header_counts_photos_and_videos(self):
        response = self.client.get(self.url)
        self.assertEqual(summary(response), "0 photos")
        store_clip(self.album, user=self.bob)
        self.assertEqual(summary(self.client.get(self.url)), "1 video")
        for i in range(3):
            store_photo(self.album, user=self.bob, color=(60 * i, 9, 9))
        self.assertEqual(summary(self.client.get(self.url)), "3 photos and 1 video")
        store_clip(
            self.album, user=self.bob, data=b"another clip's bytes", sha256="b" * 64
        )
        self.assertEqual(summary(self.client.get(self.url)), "3 photos and 2 videos")

    def test_a_hidden_clip_is_not_counted_for_others(self):
        store_photo(self.album, user=self.bob)
        store_clip(self.album, user=self.bob, hidden=True)
        self.assertEqual(summary(self.client.get(self.url)), "1 photo")
        self.client.force_login(self.alice)
        self.assertEqual(summary(self.client.get(self.url)), "1 photo and 1 video")

    def test_clips_cost_no_query_more(self):
        def page_queries():
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(self.url)
            self.assertEqual(response.status_code, 200)
            return len(queries)

        self.client.force_login(self.charlie)
        store_photo(self.album, user=self.bob)
        few = page_queries()
        for i in range(4):
            store_clip(
                self.album,
                user=self.charlie,
                data=f"clip {i}".encode(),
                sha256=f"{i:064x}",
            )
        self.assertEqual(page_queries(), few)


class UploadFormTakesVideosTests(BaseTestCase):
    def test_the_button_and_the_picker_take_photos_and_videos(self):
        response = self.client.get(reverse("album", args=[self.album.code]))
        self.assertContains(
            response, '<label for="upload-photos">Add photos and videos</label>'
        )
        self.assertContains(response, 'accept="image/*,video/*,.heic,.heif,.mov"')
        self.assertContains(
            response, "MP4, MOV or WebM videos up to 3 minutes and 500 MB"
        )

    def test_the_limits_follow_the_settings(self):
        with self.settings(VIDEO_MAX_SECONDS=90, VIDEO_MAX_BYTES=200 * 1024 * 1024):
            response = self.client.get(reverse("album", args=[self.album.code]))
        self.assertContains(response, "videos up to 90 seconds and 200 MB")
