from datetime import timedelta

from django.urls import reverse

from albums.tests.base import BaseTestCase, make_image_bytes, stored_keys
from photos.models import Photo
from photos.tests.helpers import add_photo, remember_upload, upload


class PhotoDeleteTests(BaseTestCase):
    def setUp(self):
        self.photo = add_photo(
            self.album, make_image_bytes(), "party.jpg", user=self.bob
        )
        self.url = reverse("photo_delete", args=[self.album.code, self.photo.pk])

    def test_uploader_confirms_then_it_goes_to_the_trash_with_its_files(self):
        self.client.force_login(self.bob)
        page = self.client.get(self.url)
        self.assertContains(page, "Delete this photo?")
        self.assertContains(page, "goes to the trash for 14 days")
        keys = stored_keys()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(self.url, follow=True)
        self.assertContains(response, "Moved party.jpg to the trash: restore it from")
        self.assertContains(
            response, f'href="{reverse("album_trash", args=[self.album.code])}"'
        )
        self.assertFalse(Photo.objects.exists())
        self.assertIsNotNone(Photo.all_objects.get(pk=self.photo.pk).deleted_at)
        # Its files wait in storage until the purge (photos/tests/test_trash_purge.py).
        self.assertEqual(stored_keys(), keys)

    def test_owner_and_staff_may_delete(self):
        for user in (self.alice, self.staff):
            photo = add_photo(
                self.album, make_image_bytes(color=(user.pk, 0, 0)), user=self.bob
            )
            self.client.force_login(user)
            response = self.client.post(
                reverse("photo_delete", args=[self.album.code, photo.pk])
            )
            self.assertEqual(response.status_code, 302)
            self.assertFalse(Photo.objects.filter(pk=photo.pk).exists())

    def test_others_are_refused_and_nothing_changes(self):
        keys = stored_keys()
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.assertEqual(self.client.post(self.url).status_code, 403)
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.post(self.url).status_code, 403)
        self.assertTrue(Photo.objects.filter(pk=self.photo.pk).exists())
        self.assertEqual(stored_keys(), keys)

    def test_guest_deletes_own_upload(self):
        response = upload(
            self.client, self.album, "mine.jpg", make_image_bytes(color=(5, 5, 5))
        )
        photo_id = response.json()["results"][0]["photo"]["id"]
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("photo_delete", args=[self.album.code, photo_id])
            )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Photo.objects.filter(pk=photo_id).exists())
        self.assertTrue(Photo.all_objects.filter(pk=photo_id).exists())
        guest_keys = Photo.all_objects.get(pk=photo_id).storage_keys
        self.assertEqual(stored_keys(), sorted(self.photo.storage_keys + guest_keys))

    def test_guest_cannot_delete_someone_elses_photo(self):
        other_guest_photo = add_photo(
            self.album, make_image_bytes(color=(6, 6, 6)), guest_name="Eve"
        )
        upload(self.client, self.album, "mine.jpg", make_image_bytes(color=(5, 5, 5)))
        for photo in (self.photo, other_guest_photo):
            response = self.client.post(
                reverse("photo_delete", args=[self.album.code, photo.pk])
            )
            self.assertEqual(response.status_code, 403)
            self.assertTrue(Photo.objects.filter(pk=photo.pk).exists())

    def test_session_ids_do_not_reach_photos_with_an_account(self):
        remember_upload(
            self.client, self.photo
        )  # a forged session claim on bob's photo
        self.assertEqual(self.client.post(self.url).status_code, 403)

    def test_deleting_the_cover_picks_another(self):
        second = add_photo(self.album, make_image_bytes(color=(7, 7, 7)))
        self.album.refresh_from_db()
        self.assertEqual(self.album.thumbnail, self.photo)
        self.client.force_login(self.alice)
        self.client.post(self.url)
        self.album.refresh_from_db()
        self.assertEqual(self.album.thumbnail, second)

    def test_json_answer(self):
        self.client.force_login(self.bob)
        response = self.client.post(self.url, HTTP_ACCEPT="application/json")
        trashed = Photo.all_objects.get(pk=self.photo.pk)
        self.assertEqual(
            response.json(),
            {
                "deleted": self.photo.pk,
                "trash_url": f"/a/{self.album.code}/trash/",
                "restorable_until": (
                    trashed.deleted_at + timedelta(days=14)
                ).isoformat(),
            },
        )
