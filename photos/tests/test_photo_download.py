from urllib.parse import parse_qs, urlsplit

from django.urls import reverse

from albums.tests.base import BaseTestCase
from photos.tests.helpers import (
    add_photo,
    corpus_bytes,
    has_gps,
    read_object,
    remember_upload,
)


class PhotoDownloadTests(BaseTestCase):
    def setUp(self):
        self.original = corpus_bytes("real_photos/DSCN0010.jpg")
        self.photo = add_photo(self.album, self.original, "DSCN0010.jpg", user=self.bob)
        self.url = reverse("photo_download", args=[self.album.code, self.photo.pk])

    def follow(self):
        """The key and signed parameters of the pre-signed URL we are sent to, and its bytes."""
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        location = urlsplit(response["Location"])
        query = parse_qs(location.query)
        key = location.path.split(f"/{self.photo.album.pk}/", 1)[-1]
        self.assertIn("X-Amz-Signature", query)
        return f"albums/{self.album.pk}/{key}", query

    def test_others_get_the_original_without_location(self):
        for user in (None, self.charlie, self.staff):
            with self.subTest(user=user):
                if user:
                    self.client.force_login(user)
                key, query = self.follow()
                self.assertEqual(key, self.photo.location_free_link)
                self.assertFalse(has_gps(read_object(key)))
                self.assertEqual(query["response-content-type"], ["image/jpeg"])
                self.assertIn(
                    'attachment; filename="DSCN0010.jpg"',
                    query["response-content-disposition"][0],
                )

    def test_uploader_and_owner_get_the_original_byte_for_byte(self):
        for user in (self.bob, self.alice):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                key, _query = self.follow()
                self.assertEqual(key, self.photo.link)
                self.assertEqual(read_object(key), self.original)
                self.assertTrue(has_gps(read_object(key)))

    def test_guest_uploader_gets_the_original(self):
        guest_photo = add_photo(
            self.album, corpus_bytes("real_photos/DSCN0012.jpg"), "g.jpg"
        )
        remember_upload(self.client, guest_photo)
        response = self.client.get(
            reverse("photo_download", args=[self.album.code, guest_photo.pk])
        )
        self.assertIn(guest_photo.link, response["Location"])

    def test_album_keeping_location_gives_everyone_the_original(self):
        self.album.keep_location = True
        self.album.save()
        key, _query = self.follow()
        self.assertEqual(key, self.photo.link)

    def test_heic_for_others_is_a_jpeg_named_so(self):
        heic = add_photo(
            self.album, corpus_bytes("formats/iphone_x_orientation6.webp"), "IMG_1.webp"
        )
        response = self.client.get(
            reverse("photo_download", args=[self.album.code, heic.pk])
        )
        query = parse_qs(urlsplit(response["Location"]).query)
        self.assertIn(heic.location_free_link, response["Location"])
        self.assertEqual(query["response-content-type"], ["image/jpeg"])
        self.assertIn('filename="IMG_1.jpg"', query["response-content-disposition"][0])

    def test_hidden_photo_not_downloadable_by_others(self):
        self.photo.hidden = True
        self.photo.save()
        self.assertEqual(self.client.get(self.url).status_code, 404)
