"""The album page while the party goes on (photos.views.album): newest first
in both orders, pages as the no-JS way down the album, and what the page's
script (static/js/album.js) starts from: where the next photos come from
(keyset, after the page's last tile), the totals it checks new answers
against, each tile's key in the order, and hooks for the header's count and
Download all. The query count stays the same for any page, order and size."""

import datetime
import re
from html import unescape

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from albums.tests.base import AlbumTestCase, bulk_photos, store_photo
from photos.models import Photo


def grid_ids(response):
    """The photo ids of the grid's tiles, in the page's order."""
    return [int(pk) for pk in re.findall(r'<li data-photo-id="(\d+)"', response.text)]


def section_data(response, name):
    """A data-<name> attribute of the live album section, or None."""
    section = re.search(r"<section [^>]*data-live-album[^>]*>", response.text).group(0)
    match = re.search(rf'data-{name}="([^"]*)"', section)
    return unescape(match.group(1)) if match else None


class NewestFirstTests(AlbumTestCase):
    def setUp(self):
        super().setUp()
        self.url = f"/a/{self.album.code}/"
        now = timezone.now()
        hour = timezone.timedelta(hours=1)
        # Taken: cake, then dance, then fireworks. Uploaded: dance first, then
        # fireworks, and cake last: a photo from earlier on someone's phone.
        self.dance = store_photo(
            self.album, color=(1, 1, 1), taken_at=now - 2 * hour, created_at=now - hour
        )
        self.fireworks = store_photo(
            self.album, color=(2, 2, 2), taken_at=now - hour, created_at=now - hour / 2
        )
        self.cake = store_photo(
            self.album, color=(3, 3, 3), taken_at=now - 3 * hour, created_at=now
        )

    def test_by_date_taken_newest_first_is_the_default(self):
        response = self.client.get(self.url)
        expected = [self.fireworks.pk, self.dance.pk, self.cake.pk]
        self.assertEqual(grid_ids(response), expected)
        self.assertContains(
            response, '<strong aria-current="true">by date taken</strong>', html=True
        )

    def test_by_upload_newest_first(self):
        response = self.client.get(self.url, {"sort": "uploaded"})
        expected = [self.cake.pk, self.fireworks.pk, self.dance.pk]
        self.assertEqual(grid_ids(response), expected)
        # The viewer's pages keep the order: their Previous and Next follow it.
        self.assertContains(
            response, f'href="/a/{self.album.code}/p/{self.cake.pk}/?sort=uploaded"'
        )

    def test_each_tile_carries_its_key_in_the_order(self):
        for sort, field in (("taken", "taken_at"), ("uploaded", "created_at")):
            with self.subTest(sort=sort):
                response = self.client.get(self.url, {"sort": sort})
                keys = dict(
                    re.findall(
                        r'<li data-photo-id="(\d+)" data-key="([^"]+)"', response.text
                    )
                )
                for photo in (self.dance, self.fireworks, self.cake):
                    micros, pk = keys[str(photo.pk)].split(".")
                    self.assertEqual(int(pk), photo.pk)
                    since = getattr(photo, field) - datetime.datetime(
                        1970, 1, 1, tzinfo=datetime.UTC
                    )
                    self.assertEqual(
                        int(micros), since // datetime.timedelta(microseconds=1)
                    )

    def test_the_photo_page_walks_the_same_order(self):
        response = self.client.get(f"/a/{self.album.code}/p/{self.dance.pk}/")
        self.assertEqual(response.context["previous"], self.fireworks)
        self.assertEqual(response.context["next"], self.cake)
        self.assertContains(response, f'href="/a/{self.album.code}/p/{self.cake.pk}/"')
        response = self.client.get(
            f"/a/{self.album.code}/p/{self.fireworks.pk}/", {"sort": "uploaded"}
        )
        self.assertEqual(response.context["previous"], self.cake)
        self.assertEqual(response.context["next"], self.dance)
        self.assertContains(
            response, f'href="/a/{self.album.code}/p/{self.dance.pk}/?sort=uploaded"'
        )

    def test_what_the_script_starts_from(self):
        response = self.client.get(self.url)
        ids = [self.dance.pk, self.fireworks.pk, self.cake.pk]
        self.assertEqual(section_data(response, "count"), "3")
        self.assertEqual(section_data(response, "id-sum"), str(sum(ids)))
        self.assertEqual(section_data(response, "newest-id"), str(max(ids)))
        self.assertEqual(section_data(response, "sort"), "taken")
        self.assertEqual(section_data(response, "offset"), "0")
        self.assertEqual(section_data(response, "poll-ms"), "10000")
        self.assertEqual(
            section_data(response, "photos-url"), f"/a/{self.album.code}/photos.json"
        )
        self.assertIsNone(section_data(response, "more-url"))  # one page: all there
        # The header's hooks: the count and Download all, with its size.
        self.assertContains(response, "<span data-album-count>3 photos</span>")
        self.assertRegex(response.text, r"data-download-all>Download all \(\d+")

    def test_an_empty_album_starts_from_nothing(self):
        Photo.objects.filter(album=self.album).delete()
        response = self.client.get(self.url)
        self.assertEqual(section_data(response, "count"), "0")
        self.assertEqual(section_data(response, "id-sum"), "0")
        self.assertEqual(section_data(response, "newest-id"), "0")
        self.assertContains(response, "No photos yet")


class PagesTests(AlbumTestCase):
    def setUp(self):
        super().setUp()
        self.url = f"/a/{self.album.code}/"
        # bulk_photos: each a minute older than the one before.
        self.photos = bulk_photos(self.album, 130, user=self.bob)

    def test_the_first_page_has_the_newest_and_the_last_the_oldest(self):
        first = self.client.get(self.url)
        self.assertEqual(grid_ids(first), [p.pk for p in self.photos[:60]])
        self.assertContains(first, "Page 1 of 3")
        last = self.client.get(self.url, {"page": 3})
        self.assertEqual(grid_ids(last), [p.pk for p in self.photos[120:]])

    def test_pages_work_without_javascript_in_both_orders(self):
        for sort in ("taken", "uploaded"):
            with self.subTest(sort=sort):
                page = self.client.get(self.url, {"sort": sort, "page": 2})
                self.assertContains(page, f"?sort={sort}&amp;page=1")
                self.assertContains(page, f"?sort={sort}&amp;page=3")
                self.assertContains(page, "data-load-more")
                self.assertEqual(len(grid_ids(page)), 60)
                self.assertEqual(section_data(page, "offset"), "60")

    def test_the_next_photos_come_after_the_last_tile(self):
        """Following data-more-url and then each `next` gives the rest of the
        album, each photo once, in the pages' order."""
        for sort in ("taken", "uploaded"):
            with self.subTest(sort=sort):
                pages = [
                    grid_ids(self.client.get(self.url, {"sort": sort, "page": n}))
                    for n in (1, 2, 3)
                ]
                url = section_data(
                    self.client.get(self.url, {"sort": sort}), "more-url"
                )
                self.assertIn(f"sort={sort}", url)
                walked = list(pages[0])
                while url:
                    body = self.client.get(url).json()
                    walked += [item["id"] for item in body["photos"]]
                    url = body["next"]
                self.assertEqual(walked, pages[0] + pages[1] + pages[2])
                self.assertEqual(len(set(walked)), 130)

    def test_photos_added_meanwhile_shift_nothing_further_down(self):
        url = section_data(self.client.get(self.url), "more-url")
        bulk_photos(self.album, 5, user=self.charlie)  # newest: on top of page 1
        body = self.client.get(url).json()
        self.assertEqual(
            [item["id"] for item in body["photos"]], [p.pk for p in self.photos[60:120]]
        )

    def test_query_count_is_the_same_for_any_page_order_and_size(self):
        def queries(**params):
            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(self.client.get(self.url, params).status_code, 200)
            return len(captured)

        self.client.force_login(self.charlie)
        counts = {
            queries(),
            queries(page=2),
            queries(page=3),
            queries(sort="uploaded"),
            queries(sort="uploaded", page=3),
        }
        bulk_photos(self.album, 200, user=self.charlie)
        counts |= {queries(), queries(sort="uploaded", page=5)}
        self.assertEqual(len(counts), 1, counts)
