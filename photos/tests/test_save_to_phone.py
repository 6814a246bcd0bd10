"""Issue 17: a HEIC photo as a JPEG (photo_download?as=jpeg) and the files a
phone saves through the share sheet (album_save_json, static/js/save.js)."""

from urllib.parse import parse_qs, urlsplit

from django.urls import reverse

from albums.tests.base import BaseTestCase
from photos.tests.helpers import add_photo, corpus_bytes, read_object


def signed(url):
    """The storage key and signed parameters of a pre-signed URL."""
    location = urlsplit(url)
    return location.path, parse_qs(location.query)


class DownloadAsJpegTests(BaseTestCase):
    def setUp(self):
        self.heic = add_photo(
            self.album,
            corpus_bytes("formats/iphone_xr_rotated.heic"),
            "IMG_0042.HEIC",
            user=self.bob,
        )
        self.url = reverse("photo_download", args=[self.album.code, self.heic.pk])

    def test_gives_the_display_jpeg_named_after_the_stem(self):
        for user in (None, self.charlie, self.bob, self.alice):
            with self.subTest(user=user):
                if user:
                    self.client.force_login(user)
                response = self.client.get(self.url + "?as=jpeg")
                self.assertEqual(response.status_code, 302)
                path, query = signed(response["Location"])
                self.assertTrue(path.endswith(self.heic.display_link.rsplit("/")[-1]))
                self.assertEqual(query["response-content-type"], ["image/jpeg"])
                self.assertIn(
                    'attachment; filename="IMG_0042.jpg"',
                    query["response-content-disposition"][0],
                )
                data = read_object(self.heic.display_link)
                self.assertEqual(data[:3], b"\xff\xd8\xff")

    def test_photo_page_offers_it_for_heic_only(self):
        page = self.client.get(reverse("photo", args=[self.album.code, self.heic.pk]))
        self.assertContains(page, f"{self.url}?as=jpeg")
        self.assertContains(page, "Download as JPEG")
        jpeg = add_photo(
            self.album, corpus_bytes("real_photos/DSCN0010.jpg"), "DSCN0010.jpg"
        )
        page = self.client.get(reverse("photo", args=[self.album.code, jpeg.pk]))
        self.assertNotContains(page, "Download as JPEG")

    def test_hidden_photo_is_not_found_as_for_download(self):
        self.heic.hidden = True
        self.heic.save()
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.client.get(self.url + "?as=jpeg").status_code, 404)
        self.client.force_login(self.alice)  # the host still sees it
        self.assertEqual(self.client.get(self.url + "?as=jpeg").status_code, 302)


class SaveJsonTests(BaseTestCase):
    def setUp(self):
        self.heic = add_photo(
            self.album,
            corpus_bytes("formats/iphone_xr_rotated.heic"),
            "IMG_0042.HEIC",
            user=self.bob,
        )
        self.jpeg = add_photo(
            self.album,
            corpus_bytes("real_photos/DSCN0010.jpg"),
            "DSCN0010.jpg",
            user=self.bob,
        )
        self.url = reverse("album_save_json", args=[self.album.code])

    def get(self, ids):
        return self.client.get(self.url, {"ids": ",".join(map(str, ids))})

    def test_each_photo_as_this_person_may_download_it_heic_as_jpeg(self):
        response = self.get([self.jpeg.pk, self.heic.pk])
        self.assertEqual(response.status_code, 200)
        files = response.json()["files"]
        self.assertEqual(
            [(f["id"], f["filename"], f["content_type"]) for f in files],
            [
                (self.jpeg.pk, "DSCN0010.jpg", "image/jpeg"),
                (self.heic.pk, "IMG_0042.jpg", "image/jpeg"),
            ],
        )
        # A guest gets the JPEG without location; the HEIC its display JPEG.
        self.assertIn(self.jpeg.location_free_link.rsplit("/")[-1], files[0]["url"])
        self.assertIn(self.heic.display_link.rsplit("/")[-1], files[1]["url"])

    def test_uploader_gets_their_original(self):
        self.client.force_login(self.bob)
        files = self.get([self.jpeg.pk]).json()["files"]
        self.assertIn(self.jpeg.link.rsplit("/")[-1], files[0]["url"])

    def test_hidden_and_unknown_photos_are_left_out(self):
        self.jpeg.hidden = True
        self.jpeg.save()
        files = self.get([self.jpeg.pk, self.heic.pk, 999999]).json()["files"]
        self.assertEqual([f["id"] for f in files], [self.heic.pk])

    def test_bad_or_too_many_ids(self):
        self.assertEqual(self.client.get(self.url).status_code, 400)
        self.assertEqual(self.client.get(self.url, {"ids": "1,x"}).status_code, 400)
        self.assertEqual(self.get(range(1, 22)).status_code, 400)
