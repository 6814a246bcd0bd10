from django.test import override_settings

from albums.tests.base import AlbumTestCase, bulk_photos, stored_keys
from photos.models import Upload
from photos.tests.direct_helpers import start


class UploadStartTests(AlbumTestCase):
    """Everything that can be checked before a byte moves is checked at start."""

    def test_a_photo_gets_its_upload_and_where_to_send_it(self):
        response = start(self.client, self.album, "IMG_1.jpg", 3_000_000)
        self.assertEqual(response.status_code, 201)
        body = response.json()
        self.assertEqual((body["status"], body["parts"]), ("pending", 1))
        self.assertTrue(body["sign_url"].endswith("/sign/"))
        upload = Upload.objects.get(token=body["token"])
        self.assertEqual(len(upload.token), 32)
        self.assertTrue(upload.key.startswith(f"incoming/{self.album.pk}/"))
        self.assertEqual(stored_keys(), [])  # nothing is stored before the bytes

    def test_a_clip_of_hundreds_of_megabytes_goes_in_parts(self):
        size = 480 * 1024 * 1024
        body = start(self.client, self.album, "IMG_1.MOV", size, "video/quicktime")
        self.assertEqual(body.status_code, 201)
        self.assertEqual(body.json()["parts"], 60)  # 8 MiB each

    def test_a_large_photo_goes_in_parts(self):
        body = start(self.client, self.album, "big.jpg", 20 * 1024 * 1024).json()
        self.assertEqual(body["parts"], 3)
        self.assertTrue(Upload.objects.get(token=body["token"]).multipart_id)

    def test_refusals_name_the_file_and_the_problem(self):
        cases = [
            (
                ("big.jpg", 41 * 1024 * 1024),
                413,
                "big.jpg: This photo is too large to add (41 MB; the most is 40 MB).",
            ),
            (
                ("speech.mov", 501 * 1024 * 1024, "video/quicktime"),
                413,
                "speech.mov: This video is too large to add (501 MB; the most is 500 MB).",
            ),
            (
                ("empty.jpg", 0),
                400,
                "empty.jpg: This file is empty (0 bytes), so there is nothing to add.",
            ),
            (
                ("notes.pdf", 1000, "application/pdf"),
                400,
                "notes.pdf: This file isn't a photo or video we can add (it's a PDF). "
                "We take photos in JPEG",
            ),
        ]
        for args, status, message in cases:
            with self.subTest(args=args):
                response = start(self.client, self.album, *args)
                self.assertEqual(response.status_code, status)
                self.assertIn(message, response.json()["error"])
        self.assertFalse(Upload.objects.exists())

    def test_a_locked_album_refuses_before_any_byte(self):
        self.album.uploads_open = False
        self.album.save()
        response = start(self.client, self.album, "a.jpg", 1000)
        self.assertEqual(response.status_code, 403)
        self.assertIn("locked", response.json()["error"])

    def test_an_unknown_album_is_a_404(self):
        response = self.client.post(
            "/a/ZZZZZZZZ/uploads/", "{}", content_type="application/json"
        )
        self.assertEqual(response.status_code, 404)

    def test_bad_json_is_a_400(self):
        response = self.client.post(
            f"/a/{self.album.code}/uploads/", "[1", content_type="application/json"
        )
        self.assertEqual(response.status_code, 400)

    @override_settings(ALBUM_MAX_PHOTOS=3)
    def test_uploads_on_their_way_count_against_the_album_quota(self):
        bulk_photos(self.album, 1)
        for name in ("a.jpg", "b.jpg"):
            self.assertEqual(
                start(self.client, self.album, name, 1000).status_code, 201
            )
        response = start(self.client, self.album, "c.jpg", 1000)
        self.assertEqual(response.status_code, 403)
        self.assertIn(
            "This album is full, so nothing more can be added (the most is 3 photos",
            response.json()["error"],
        )

    @override_settings(ALBUM_MAX_GB=1)
    def test_declared_sizes_count_against_the_album_bytes(self):
        with self.settings(ALBUM_MAX_BYTES=5000):
            self.assertEqual(
                start(self.client, self.album, "a.jpg", 4000).status_code, 201
            )
            response = start(self.client, self.album, "b.jpg", 2000)
        self.assertEqual(response.status_code, 413)


@override_settings(GUEST_SESSION_MAX_PHOTOS=2)
class GuestDirectUploadTests(AlbumTestCase):
    def test_a_guest_gets_the_guest_cookie_and_their_uploads_count(self):
        for name in ("a.jpg", "b.jpg"):
            response = start(self.client, self.album, name, 1000)
            self.assertEqual(response.status_code, 201)
            self.assertIn("guest", response.cookies)
        keys = set(Upload.objects.values_list("guest_key", flat=True))
        self.assertEqual(len(keys), 1)
        self.assertNotIn("", keys)
        response = start(self.client, self.album, "c.jpg", 1000)
        self.assertEqual(response.status_code, 403)
        self.assertIn(
            "You have added 2 photos and videos as a guest", response.json()["error"]
        )
        # Another guest is not held to the first one's quota.
        self.assertEqual(
            start(self.client_class(), self.album, "d.jpg", 1000).status_code, 201
        )

    def test_an_account_has_no_guest_key(self):
        self.client.force_login(self.bob)
        start(self.client, self.album, "a.jpg", 1000)
        self.assertEqual(Upload.objects.get().guest_key, "")
