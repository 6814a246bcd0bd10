"""The album's JSON for the album page's script (photos.views.album_photos_json
with `sort`): the grid's next photos in its order (keyset, `before`), the
photos added since (`after`) for the "N new photos" button, each with its
tile as the album page renders it and its key, and on every answer the
header's count and Download all as the page says them; the same few queries
whatever the album's size."""

import re

from django.urls import reverse
from django.utils import timezone

from albums.models import Album
from albums.tests.base import AlbumTestCase, bulk_photos, store_photo
from photos.models import Photo
from photos.tests.helpers import remember_upload

MB = 1024 * 1024


def ids(body):
    return [item["id"] for item in body["photos"]]


class GridJsonTests(AlbumTestCase):
    def setUp(self):
        super().setUp()
        self.url = reverse("album_photos_json", args=[self.album.code])
        self.page_url = reverse("album", args=[self.album.code])
        # Each a minute older than the one before; uploaded in the same order.
        self.photos = bulk_photos(self.album, 70, user=self.bob)

    def test_newest_first_a_page_at_a_time_with_tiles_and_keys(self):
        body = self.client.get(self.url, {"sort": "taken"}).json()
        self.assertEqual(ids(body), [p.pk for p in self.photos[:60]])
        first = body["photos"][0]
        self.assertTrue(first["tile"].startswith(f'<li data-photo-id="{first["id"]}"'))
        self.assertIn(f'data-key="{first["key"]}"', first["tile"])
        self.assertTrue(first["key"].endswith(f".{first['id']}"))
        self.assertIn(f"before={body['photos'][-1]['key']}", body["next"])
        rest = self.client.get(body["next"]).json()
        self.assertEqual(ids(rest), [p.pk for p in self.photos[60:]])
        self.assertIsNone(rest["next"])

    def test_by_upload_newest_first(self):
        now = timezone.now()
        old = store_photo(
            self.album,
            color=(9, 9, 9),
            taken_at=now - timezone.timedelta(days=400),
            created_at=now + timezone.timedelta(minutes=1),
        )
        by_upload = self.client.get(self.url, {"sort": "uploaded", "limit": 2}).json()
        self.assertEqual(ids(by_upload)[0], old.pk)
        self.assertIn(
            f'href="/a/{self.album.code}/p/{old.pk}/?sort=uploaded"',
            by_upload["photos"][0]["tile"],
        )
        by_taken = self.client.get(self.url, {"sort": "taken", "limit": 200}).json()
        self.assertEqual(ids(by_taken)[-1], old.pk)  # taken last year: at the end

    def test_the_tiles_are_the_album_pages_own(self):
        page = self.client.get(self.page_url).text
        body = self.client.get(self.url, {"sort": "taken", "limit": 3}).json()
        for item in body["photos"]:
            with self.subTest(photo=item["id"]):
                self.assertIn(item["tile"], page)

    def test_the_owner_gets_tiles_to_select_and_sees_hidden_ones(self):
        Photo.objects.filter(pk=self.photos[0].pk).update(hidden=True)
        guest = self.client.get(self.url, {"sort": "taken", "limit": 2}).json()
        self.assertNotEqual(guest["photos"][0]["id"], self.photos[0].pk)
        self.assertNotIn("photo-select", guest["photos"][0]["tile"])
        self.client.force_login(self.alice)
        owner = self.client.get(self.url, {"sort": "taken", "limit": 2}).json()
        tile = owner["photos"][0]["tile"]
        self.assertIn('class="photo-hidden"', tile)
        self.assertIn('<span class="badge">Hidden</span>', tile)
        self.assertIn(f'name="photos" value="{self.photos[0].pk}"', tile)
        self.client.force_login(self.alice)
        page = self.client.get(self.page_url).text
        self.assertIn(tile, page)

    def test_photos_with_the_same_time_come_each_once(self):
        Photo.objects.filter(album=self.album).update(taken_at=timezone.now())
        walked = []
        url = f"{self.url}?sort=taken&limit=7"
        while url:
            body = self.client.get(url).json()
            walked += ids(body)
            url = body["next"]
        self.assertEqual(walked, sorted((p.pk for p in self.photos), reverse=True))

    def test_new_photos_since_an_id_with_tiles_for_the_button(self):
        newest = max(p.pk for p in self.photos)
        body = self.client.get(self.url, {"sort": "taken", "after": newest}).json()
        self.assertEqual(body["photos"], [])
        self.assertIsNone(body["next"])
        now = timezone.now()
        new = [
            store_photo(self.album, color=(1, 2, 3), taken_at=now),
            store_photo(
                self.album,
                color=(4, 5, 6),
                taken_at=now - timezone.timedelta(days=365),
            ),
        ]
        body = self.client.get(self.url, {"sort": "taken", "after": newest}).json()
        self.assertEqual(ids(body), [p.pk for p in new])  # in upload order
        self.assertTrue(all(item["tile"] and item["key"] for item in body["photos"]))
        self.assertEqual(body["newest_id"], new[-1].pk)
        self.assertEqual(body["count"], 72)
        self.assertEqual(body["id_sum"], sum(p.pk for p in self.photos + new))
        body = self.client.get(
            self.url, {"sort": "taken", "after": newest, "limit": 1}
        ).json()
        self.assertEqual(ids(body), [new[0].pk])
        self.assertIn(f"after={new[0].pk}", body["next"])
        self.assertIn("sort=taken", body["next"])

    def test_own_photos_are_marked_so_the_grid_places_them_at_once(self):
        newest = max(p.pk for p in self.photos)
        theirs = store_photo(self.album, color=(1, 1, 1), guest_name="Dana")
        mine = store_photo(self.album, color=(2, 2, 2), guest_name="Eve")
        remember_upload(self.client, mine)
        body = self.client.get(self.url, {"sort": "taken", "after": newest}).json()
        marks = {item["id"]: item["mine"] for item in body["photos"]}
        self.assertEqual(marks, {theirs.pk: False, mine.pk: True})
        self.client.cookies.clear()
        self.client.force_login(self.bob)  # an account's own: bob's photos
        body = self.client.get(self.url, {"sort": "taken", "limit": 200}).json()
        marks = {item["id"]: item["mine"] for item in body["photos"]}
        self.assertEqual(
            {pk for pk, own in marks.items() if own}, {p.pk for p in self.photos}
        )

    def test_bad_sort_and_cursor_are_400(self):
        for params in (
            {"sort": "random"},
            {"sort": "taken", "before": "x"},
            {"sort": "taken", "before": "12"},
            {"sort": "taken", "before": "99999999999999999999999.1"},
            {"sort": "taken", "after": "x"},
        ):
            with self.subTest(params=params):
                self.assertEqual(self.client.get(self.url, params).status_code, 400)

    def test_the_same_queries_for_any_page_and_size(self):
        # album, photos with their uploaders, their tags, the totals
        key = self.client.get(self.url, {"sort": "taken"}).json()["photos"][-1]["key"]
        newest = max(p.pk for p in self.photos)
        for params in (
            {"sort": "taken"},
            {"sort": "uploaded"},
            {"sort": "taken", "before": key},
            {"sort": "taken", "after": newest - 5},
        ):
            with self.subTest(params=params), self.assertNumQueries(4):
                self.client.get(self.url, params)
        bulk_photos(self.album, 150, user=self.charlie)
        with self.assertNumQueries(4):
            self.assertEqual(
                len(self.client.get(self.url, {"sort": "taken"}).json()["photos"]), 60
            )
        with self.assertNumQueries(3):  # nothing new: no tags to fetch
            self.client.get(self.url, {"sort": "taken", "after": 10**9})


class GridTotalsTests(AlbumTestCase):
    """Every answer says what the album page's header would say now, for
    this person: so the script keeps the count and Download all up to date."""

    def setUp(self):
        super().setUp()
        self.url = reverse("album_photos_json", args=[self.album.code])
        self.page_url = reverse("album", args=[self.album.code])
        bulk_photos(
            self.album,
            2,
            user=self.bob,
            size=300 * MB,
            location_free_link="x/nogps.jpg",
            location_free_size=100 * MB,
        )
        bulk_photos(
            self.album, 1, user=self.charlie, size=20 * MB, content_type="video/mp4"
        )

    def header(self):
        text = self.client.get(self.page_url).text
        count = re.search(r"<span data-album-count>([^<]*)<", text).group(1)
        download = re.search(r"data-download-all>([^<]*)<", text).group(1)
        return count, download

    def test_the_count_and_download_all_say_what_the_page_says(self):
        for user in (None, self.bob, self.alice):
            with self.subTest(user=user):
                self.login_as(user)
                body = self.client.get(self.url, {"sort": "taken", "after": 0}).json()
                self.assertEqual(
                    (body["count_label"], body["download_label"]), self.header()
                )
                self.assertEqual(
                    body["download_url"], f"/a/{self.album.code}/download/"
                )
        self.login_as(None)
        body = self.client.get(self.url, {"sort": "taken"}).json()
        self.assertEqual(body["count_label"], "2 photos and 1 video")
        self.assertEqual(body["videos"], 1)
        self.assertEqual(body["download_size"], 220 * MB)
        self.assertEqual(body["download_label"], "Download all (220.0\xa0MB)")

    def test_an_empty_album(self):
        album = Album.objects.create(name="Empty", user=self.alice)
        url = reverse("album_photos_json", args=[album.code])
        body = self.client.get(url, {"sort": "taken", "after": 0}).json()
        self.assertEqual(
            (body["count"], body["id_sum"], body["newest_id"], body["count_label"]),
            (0, 0, 0, "0 photos"),
        )
        self.assertEqual(body["download_label"], "Download all")

    def test_the_slideshows_answer_is_unchanged(self):
        body = self.client.get(self.url).json()
        self.assertNotIn("tile", body["photos"][0])
        self.assertNotIn("key", body["photos"][0])
        self.assertEqual(ids(body), sorted(Photo.objects.values_list("pk", flat=True)))
