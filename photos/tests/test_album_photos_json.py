from django.urls import reverse

from albums.tests.base import BaseTestCase, make_image_bytes
from photos.models import Tag
from photos.tests.helpers import add_photo


class AlbumPhotosJsonTests(BaseTestCase):
    def setUp(self):
        self.url = reverse("album_photos_json", args=[self.album.code])
        self.photos = [
            add_photo(
                self.album, make_image_bytes(color=(40 * i, 100, 0)), user=self.bob
            )
            for i in range(5)
        ]
        Tag.objects.create(photo=self.photos[0], key=Tag.DESCRIPTION, value="Hello")

    def test_lists_photos_with_urls(self):
        data = self.client.get(self.url).json()
        self.assertEqual([p["id"] for p in data["photos"]], [p.pk for p in self.photos])
        first = data["photos"][0]
        self.assertEqual(first["description"], "Hello")
        self.assertEqual(first["uploader"], "bob")
        self.assertEqual(first["viewer_url"], self.photos[0].viewer_url())
        self.assertIn(self.photos[0].tlink, first["thumbnail_url"])
        self.assertIn(self.photos[0].display_link, first["display_url"])
        self.assertIsNone(data["next"])

    def test_after_gives_newer_ones_and_pages_are_capped(self):
        data = self.client.get(self.url, {"after": self.photos[2].pk}).json()
        self.assertEqual(
            [p["id"] for p in data["photos"]], [p.pk for p in self.photos[3:]]
        )
        data = self.client.get(self.url, {"limit": 2}).json()
        self.assertEqual(len(data["photos"]), 2)
        self.assertIn(f"after={self.photos[1].pk}", data["next"])
        data = self.client.get(self.url, {"limit": 10_000}).json()
        self.assertEqual(len(data["photos"]), 5)

    def test_queries_do_not_grow_with_photos(self):
        with self.assertNumQueries(
            4
        ):  # album, photos with their uploaders, tags, count and id sum
            self.client.get(self.url)
        for i in range(5):
            add_photo(
                self.album, make_image_bytes(color=(0, 40 * i, 200)), guest_name="Dana"
            )
        with self.assertNumQueries(4):
            self.assertEqual(len(self.client.get(self.url).json()["photos"]), 10)

    def test_hidden_left_out_for_others(self):
        self.photos[0].hidden = True
        self.photos[0].save()
        self.assertEqual(len(self.client.get(self.url).json()["photos"]), 4)
        self.client.force_login(self.bob)
        self.assertEqual(len(self.client.get(self.url).json()["photos"]), 5)

    def test_bad_cursor_is_400(self):
        self.assertEqual(self.client.get(self.url, {"after": "x"}).status_code, 400)

    def test_count_and_id_sum_are_of_every_visible_photo_on_every_page(self):
        ids = [p.pk for p in self.photos]
        data = self.client.get(self.url).json()
        self.assertEqual((data["count"], data["id_sum"]), (5, sum(ids)))
        data = self.client.get(self.url, {"after": ids[3], "limit": 1}).json()
        self.assertEqual([p["id"] for p in data["photos"]], ids[4:])
        self.assertEqual((data["count"], data["id_sum"]), (5, sum(ids)))
        self.photos[1].hidden = True
        self.photos[1].save()
        self.photos[2].delete()
        data = self.client.get(self.url, {"after": ids[4]}).json()
        self.assertEqual(data["photos"], [])
        self.assertEqual((data["count"], data["id_sum"]), (3, ids[0] + ids[3] + ids[4]))
        self.client.force_login(self.bob)  # the owner sees hidden photos too
        data = self.client.get(self.url, {"after": ids[4]}).json()
        self.assertEqual(
            (data["count"], data["id_sum"]), (4, ids[0] + ids[1] + ids[3] + ids[4])
        )

    def test_an_empty_album_sums_to_zero(self):
        for photo in self.photos:
            photo.delete()
        data = self.client.get(self.url).json()
        self.assertEqual((data["photos"], data["count"], data["id_sum"]), ([], 0, 0))
        self.assertEqual(self.client.get(self.url, {"ids": "1"}).json(), {"ids": []})

    def test_ids_lists_the_visible_ids_in_upload_order_in_two_queries(self):
        ids = [p.pk for p in self.photos]
        self.photos[3].hidden = True
        self.photos[3].save()
        with self.assertNumQueries(2):  # album, ids
            data = self.client.get(self.url, {"ids": "1"}).json()
        self.assertEqual(data, {"ids": ids[:3] + ids[4:]})
        self.client.force_login(self.bob)
        self.assertEqual(
            self.client.get(self.url, {"ids": "1", "after": "ignored"}).json(),
            {"ids": ids},
        )

    def test_ids_of_an_unknown_album_is_404(self):
        url = reverse("album_photos_json", args=["ZZZZZZZZ"])
        self.assertEqual(self.client.get(url, {"ids": "1"}).status_code, 404)
