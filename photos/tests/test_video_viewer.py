"""A video clip's own page (the viewer, which the grid's overlay also loads):
a <video> that plays inline with controls and its poster, no autoplay, from a
signed URL that serves the clip (and seeks in it); Download gives the
original, or the copy without location, under the right name and type."""

import re
from html import unescape

from django.urls import reverse

from albums.tests.base import BaseTestCase, store_photo
from core import storage
from core.tests.support import local_storage
from photos.tests.clips import clip_bytes, fetch, ffmpeg_or_skip, store_clip


def video_tag(response):
    match = re.search(r"<video [^>]*>(.*?)</video>", response.content.decode(), re.S)
    assert match, "no <video> on the page"
    return match.group(0)


def source_of(response):
    tag = video_tag(response)
    src, kind = re.search(r'<source src="([^"]+)" type="([^"]+)">', tag).groups()
    return unescape(src), kind


class VideoViewerTests(BaseTestCase):
    def setUp(self):
        ffmpeg_or_skip()
        self.enterContext(local_storage())
        self.clip = store_clip(self.album, user=self.bob, filename="first dance.mp4")
        self.url = reverse("photo", args=[self.album.code, self.clip.pk])

    def test_the_clip_plays_inline_with_controls_and_poster_and_no_autoplay(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        tag = video_tag(response)
        opening = tag.split(">", 1)[0]
        for attribute in ("playsinline", "controls", 'preload="metadata"'):
            self.assertIn(f" {attribute}", opening)
        self.assertNotIn("autoplay", opening)
        self.assertNotIn("muted", opening)
        poster = unescape(re.search(r'poster="([^"]+)"', opening).group(1))
        self.assertIn(self.clip.display_link, poster)
        self.assertIn('aria-label="Video, 0:02: first dance.mp4"', opening)
        # The image stands aside: no <img> of the display rendition.
        self.assertNotContains(response, 'class="photo-display">')

    def test_its_source_serves_the_clip_and_seeks_in_it(self):
        src, kind = source_of(self.client.get(self.url))
        self.assertEqual(kind, "video/mp4")
        response, body = fetch(self.client, src)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "video/mp4")
        self.assertEqual(body, clip_bytes())
        data = clip_bytes()
        middle = len(data) // 2
        response, body = fetch(self.client, src, Range=f"bytes={middle}-{middle + 999}")
        self.assertEqual(response.status_code, 206)
        self.assertEqual(body, data[middle : middle + 1000])

    def test_a_stranger_plays_the_copy_without_location(self):
        copy = clip_bytes(seconds=1)
        self.clip.location_free_link = storage.save(
            f"albums/{self.album.pk}/copy.mp4", copy, "video/mp4"
        )
        self.clip.save()
        self.assertEqual(
            fetch(self.client, source_of(self.client.get(self.url))[0])[1], copy
        )
        self.client.force_login(self.bob)  # the uploader
        self.assertEqual(
            fetch(self.client, source_of(self.client.get(self.url))[0])[1], clip_bytes()
        )

    def test_previous_and_next_go_between_photos_and_clips(self):
        photo = store_photo(self.album, user=self.bob)
        photo.taken_at = self.clip.taken_at.replace(year=self.clip.taken_at.year + 1)
        photo.save()
        # Newest first, as the album page shows them: the photo, then the clip.
        response = self.client.get(self.url)
        self.assertContains(response, f'rel="prev" href="{photo.viewer_url()}"')
        response = self.client.get(photo.viewer_url())
        self.assertContains(response, f'rel="next" href="{self.clip.viewer_url()}"')
        self.assertContains(response, 'class="photo-display">')
        self.assertNotContains(response, "<video")


class VideoDownloadTests(BaseTestCase):
    def setUp(self):
        ffmpeg_or_skip()
        self.enterContext(local_storage())

    def download(self, clip):
        response = self.client.get(
            reverse("photo_download", args=[self.album.code, clip.pk])
        )
        self.assertEqual(response.status_code, 302)
        return fetch(self.client, response["Location"])

    def test_download_gives_the_original_clip(self):
        clip = store_clip(self.album, user=self.bob, filename="first dance.mp4")
        response, body = self.download(clip)
        self.assertEqual(body, clip_bytes())
        self.assertEqual(response["Content-Type"], "video/mp4")
        self.assertEqual(
            response["Content-Disposition"],
            "attachment; filename=\"first dance.mp4\"; filename*=UTF-8''first%20dance.mp4",
        )

    def test_a_quicktime_clip_keeps_its_type_and_name_for_its_uploader(self):
        copy = clip_bytes(seconds=1)
        clip = store_clip(
            self.album,
            user=self.bob,
            filename="IMG_0001.MOV",
            content_type="video/quicktime",
            location_free_link=storage.save(
                f"albums/{self.album.pk}/copy.mp4", copy, "video/mp4"
            ),
            location_free_size=len(copy),
        )
        self.client.force_login(self.bob)
        response, body = self.download(clip)
        self.assertEqual(body, clip_bytes())
        self.assertEqual(response["Content-Type"], "video/quicktime")
        self.assertIn('filename="IMG_0001.MOV"', response["Content-Disposition"])
        # Anyone else gets the MP4 copy without location, named for what it is.
        self.client.logout()
        response, body = self.download(clip)
        self.assertEqual(body, copy)
        self.assertEqual(response["Content-Type"], "video/mp4")
        self.assertIn('filename="IMG_0001.mp4"', response["Content-Disposition"])
