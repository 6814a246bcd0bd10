"""Video clips in the album's JSON (album_photos_json), which the slideshow
and the grid poll: what kind each item is, its length, and for a clip the URL
this person may play, which really serves the clip."""

from django.urls import reverse

from albums.tests.base import BaseTestCase, store_photo
from core import storage
from core.tests.support import local_storage
from photos.tests.clips import clip_bytes, fetch, ffmpeg_or_skip, store_clip
from photos.views import _photo_json


class VideoPhotosJsonTests(BaseTestCase):
    def setUp(self):
        ffmpeg_or_skip()
        self.enterContext(local_storage())
        self.url = reverse("album_photos_json", args=[self.album.code])
        self.photo = store_photo(self.album, user=self.bob)
        self.clip = store_clip(self.album, user=self.bob)

    def items(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        return {item["id"]: item for item in response.json()["photos"]}

    def test_items_say_whether_they_are_clips_and_how_long(self):
        items = self.items()
        photo, clip = items[self.photo.pk], items[self.clip.pk]
        self.assertEqual((photo["is_video"], photo["duration"]), (False, None))
        self.assertNotIn("video_url", photo)
        self.assertEqual((clip["is_video"], clip["duration"]), (True, 2.0))
        self.assertEqual(clip["video_type"], "video/mp4")
        # The poster stands in for the image, at the same sizes.
        self.assertIn(self.clip.display_link, clip["display_url"])
        self.assertIn(self.clip.tlink, clip["thumbnail_url"])

    def test_the_video_url_serves_the_clip(self):
        response, body = fetch(self.client, self.items()[self.clip.pk]["video_url"])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "video/mp4")
        self.assertEqual(body, clip_bytes())

    def test_others_play_the_copy_without_location_the_owner_the_original(self):
        copy = clip_bytes(seconds=1)
        self.clip.location_free_link = storage.save(
            f"albums/{self.album.pk}/copy.mp4", copy, "video/mp4"
        )
        self.clip.location_free_size = len(copy)
        self.clip.save()
        _response, body = fetch(self.client, self.items()[self.clip.pk]["video_url"])
        self.assertEqual(body, copy)
        self.client.force_login(self.alice)
        _response, body = fetch(self.client, self.items()[self.clip.pk]["video_url"])
        self.assertEqual(body, clip_bytes())

    def test_a_playback_copy_is_what_everyone_plays(self):
        playback = clip_bytes(seconds=1)
        self.clip.playback_link = storage.save(
            f"albums/{self.album.pk}/play.mp4", playback, "video/mp4"
        )
        self.clip.content_type = "video/quicktime"
        self.clip.save()
        for user in (None, self.alice):
            if user:
                self.client.force_login(user)
            item = self.items()[self.clip.pk]
            self.assertEqual(item["video_type"], "video/mp4")
            self.assertEqual(fetch(self.client, item["video_url"])[1], playback)

    def test_a_quicktime_original_is_announced_as_mp4_to_the_player(self):
        self.clip.content_type = "video/quicktime"
        self.clip.save()
        item = self.items()[self.clip.pk]
        self.assertEqual(item["video_type"], "video/mp4")
        response, body = fetch(self.client, item["video_url"])
        self.assertEqual(response["Content-Type"], "video/quicktime")
        self.assertEqual(body, clip_bytes())

    def test_clips_cost_no_query_more(self):
        with self.assertNumQueries(4):  # album, photos, tags, count and id sum
            self.client.get(self.url)

    def test_an_uploads_answer_says_it_is_a_clip(self):
        self.assertEqual(
            {
                key: value
                for key, value in _photo_json(self.clip).items()
                if key in ("is_video", "duration", "duration_label")
            },
            {"is_video": True, "duration": 2.0, "duration_label": "0:02"},
        )
        self.assertFalse(_photo_json(self.photo)["is_video"])
