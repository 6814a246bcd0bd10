"""The album grid's tiles offer the small rendition through srcset: the album
page, the tiles in its JSON, and the upload's answer (whose photo the page's
script adds to the grid). Photos added before there was a small rendition
keep their thumbnail alone."""

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from albums.tests.base import AlbumTestCase, make_image_bytes, store_photo
from photos.models import Photo
from photos.tests.helpers import JSON, add_photo, corpus_bytes, upload


class Images(HTMLParser):
    """Every <img>'s attributes, in order."""

    def __init__(self, html):
        super().__init__()
        self.found = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.found.append(dict(attrs))


def candidates(srcset):
    """[(url, descriptor)] of a srcset."""
    return [tuple(item.strip().rsplit(" ", 1)) for item in srcset.split(", ")]


def signed_for(url, key, content_type):
    """Whether `url` is a pre-signed URL of `key` pinning `content_type`."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    return (
        parts.path.endswith("/" + key)
        and "X-Amz-Signature" in query
        and query.get("response-content-type") == [content_type]
    )


class GridSrcsetTests(AlbumTestCase):
    def setUp(self):
        super().setUp()
        self.url = self.album.get_absolute_url()
        # Landscape 4:3 (thumbnail 512x384) and portrait 3:4 (EXIF orientation 6).
        self.landscape = add_photo(
            self.album, corpus_bytes("real_photos/DSCN0010.jpg"), user=self.alice
        )
        self.portrait = add_photo(
            self.album,
            corpus_bytes("real_photos/samsung_gt-i9000.jpg"),
            "portrait.jpg",
            user=self.alice,
        )
        # Added before the small rendition existed: no small_link.
        self.older = store_photo(self.album, user=self.alice, color=(9, 9, 9))

    def tile(self, html, photo):
        (img,) = [
            img for img in Images(html).found if photo.tlink in img.get("src", "")
        ]
        return img

    def test_tiles_offer_the_small_square_and_the_thumbnail(self):
        html = self.client.get(self.url).content.decode()
        for photo in (self.landscape, self.portrait):
            with self.subTest(photo=photo.filename):
                img = self.tile(html, photo)
                self.assertTrue(signed_for(img["src"], photo.tlink, "image/jpeg"))
                (small, small_w), (thumbnail, thumbnail_w) = candidates(img["srcset"])
                self.assertTrue(signed_for(small, photo.small_link, "image/webp"))
                self.assertTrue(signed_for(thumbnail, photo.tlink, "image/jpeg"))
                # The pixels across a square tile: the square's side, and the
                # thumbnail's short side (512x384 and 384x512 alike).
                self.assertEqual((small_w, thumbnail_w), ("352w", "384w"))
                self.assertEqual(img["sizes"], Photo.GRID_SIZES)
                # Layout before the image arrives, as before.
                self.assertEqual(
                    (img["width"], img["height"]), (str(photo.width), str(photo.height))
                )
                self.assertEqual(img["loading"], "lazy")

    def test_older_photos_keep_the_thumbnail_alone(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        img = self.tile(response.content.decode(), self.older)
        self.assertTrue(signed_for(img["src"], self.older.tlink, "image/jpeg"))
        self.assertNotIn("srcset", img)
        self.assertNotIn("sizes", img)
        self.assertEqual(self.older.grid_srcset(), "")

    def test_a_thumbnail_no_sharper_in_the_tile_is_left_out(self):
        # 16:9: the thumbnail is 512x288, its middle square the small one's
        # 288 px: the thumbnail adds nothing to a square tile.
        wide = add_photo(self.album, make_image_bytes(1600, 900), "wide.jpg")
        img = self.tile(self.client.get(self.url).content.decode(), wide)
        ((small, descriptor),) = candidates(img["srcset"])
        self.assertTrue(signed_for(small, wide.small_link, "image/webp"))
        self.assertEqual(descriptor, "288w")

    def test_one_more_url_a_tile_and_no_more_queries(self):
        def page_queries():
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(self.url)
            self.assertEqual(response.status_code, 200)
            return len(queries)

        self.client.force_login(self.bob)
        self.client.get(self.url)  # the session's first page does more
        with_small = page_queries()
        for index in range(3):
            store_photo(self.album, user=self.alice, color=(40 * index, 50, 200))
            add_photo(
                self.album,
                make_image_bytes(800, 600, color=(40 * index, 200, 90)),
                f"more{index}.jpg",
            )
        self.assertEqual(page_queries(), with_small)

    def test_the_album_json_tiles_and_items_carry_it(self):
        response = self.client.get(
            reverse("album_photos_json", args=[self.album.code]), {"sort": "taken"}
        )
        self.assertEqual(response.status_code, 200)
        items = {item["id"]: item for item in response.json()["photos"]}
        item = items[self.landscape.pk]
        self.assertEqual([url for url, _w in candidates(item["srcset"])][0][:4], "http")
        self.assertIn(self.landscape.small_link, item["srcset"])
        self.assertEqual(item["sizes"], Photo.GRID_SIZES)
        if "tile" in item:  # the grid's own HTML for the tile
            img = self.tile(item["tile"], self.landscape)
            self.assertIn(self.landscape.small_link, img["srcset"])
        self.assertEqual(items[self.older.pk]["srcset"], "")

    def test_the_uploads_answer_carries_it_for_the_new_tile(self):
        response = upload(
            self.client,
            self.album,
            "new.jpg",
            corpus_bytes("real_photos/nikon_e950.jpg"),
            **JSON,
        )
        self.assertEqual(response.status_code, 201)
        photo_json = response.json()["results"][0]["photo"]
        photo = Photo.objects.get(pk=photo_json["id"])
        (small, small_w), (thumbnail, thumbnail_w) = candidates(photo_json["srcset"])
        self.assertTrue(signed_for(small, photo.small_link, "image/webp"))
        self.assertTrue(signed_for(thumbnail, photo.tlink, "image/jpeg"))
        self.assertEqual((small_w, thumbnail_w), ("352w", "384w"))
        self.assertEqual(photo_json["sizes"], Photo.GRID_SIZES)
