from django.urls import reverse

from albums.tests.base import BaseTestCase, make_image_bytes
from photos.tests.helpers import add_photo


class SlideshowTests(BaseTestCase):
    def setUp(self):
        self.url = reverse("slideshow", args=[self.album.code])

    def test_empty_album_waits_for_photos(self):
        response = self.client.get(self.url)
        self.assertContains(response, "Waiting for the first photo")
        self.assertContains(
            response,
            f'data-photos-url="{reverse("album_photos_json", args=[self.album.code])}"',
        )
        self.assertContains(response, 'data-slide-ms="6000" data-poll-ms="8000"')
        self.assertContains(response, self.album.display_code)
        self.assertNotContains(response, "data-slide ")

    def test_shows_the_newest_visible_photo(self):
        older = add_photo(
            self.album, make_image_bytes(color=(10, 10, 10)), guest_name="Dana"
        )
        newer = add_photo(
            self.album, make_image_bytes(color=(20, 20, 20)), guest_name="Eve"
        )
        hidden = add_photo(
            self.album, make_image_bytes(color=(30, 30, 30)), guest_name="Eve"
        )
        hidden.hidden = True
        hidden.save()
        response = self.client.get(self.url)
        self.assertContains(response, f'data-photo-id="{newer.pk}"')
        self.assertContains(response, newer.display_link)
        self.assertNotContains(response, hidden.display_link)
        self.assertNotContains(response, older.display_link)
        self.assertContains(response, "Photo by Eve")

    def test_timings_from_the_query_within_bounds(self):
        response = self.client.get(self.url, {"every": "1.5", "poll": "0.2"})
        self.assertContains(response, 'data-slide-ms="2000" data-poll-ms="1000"')
        response = self.client.get(self.url, {"every": "10", "poll": "nan"})
        self.assertContains(response, 'data-slide-ms="10000" data-poll-ms="8000"')
        response = self.client.get(self.url, {"every": "soon", "poll": "1e9"})
        self.assertContains(response, 'data-slide-ms="6000" data-poll-ms="300000"')

    def test_unknown_code_is_404(self):
        self.assertEqual(
            self.client.get(reverse("slideshow", args=["ZZZZZZZZ"])).status_code, 404
        )
