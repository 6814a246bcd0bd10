from django.contrib.auth.models import User
from django.test import TransactionTestCase

from albums.models import Album
from albums.tests.base import AlbumTestCase, store_photo, stored_keys
from albums.tests.races import needs_row_locks, upload_while_deleting
from photos.models import Photo


class AlbumDeleteTestCase(AlbumTestCase):
    def setUp(self):
        super().setUp()
        self.url = f"/a/{self.album.code}/delete/"
        self.photos = [
            store_photo(self.album, color=(60 * i, 60 * i, 60 * i)) for i in range(3)
        ]
        self.album.thumbnail = self.photos[0]
        self.album.save()
        self.elsewhere = store_photo(
            Album.objects.create(name="Bob's", user=self.bob), color=(9, 9, 9)
        )

    def test_confirmation_states_the_photo_count(self):
        self.client.force_login(self.alice)
        response = self.client.get(self.url)
        self.assertContains(response, "3 photos")
        self.assertContains(response, "Delete the album and 3 photos")
        self.assertTrue(Album.objects.filter(pk=self.album.pk).exists())

    def test_owner_deletes_rows_then_storage_objects(self):
        for user in (self.alice, self.staff):
            with self.subTest(user=user):
                album = Album.objects.create(name="Doomed", user=self.alice)
                photos = [store_photo(album, color=(80 * i, 0, 0)) for i in range(2)]
                self.client.force_login(user)
                with self.captureOnCommitCallbacks(execute=True):
                    response = self.client.post(f"/a/{album.code}/delete/")
                self.assertRedirects(response, "/", fetch_redirect_response=False)
                self.assertFalse(Album.objects.filter(pk=album.pk).exists())
                self.assertFalse(
                    Photo.objects.filter(pk__in=[p.pk for p in photos]).exists()
                )
                keys = stored_keys(f"albums/{album.pk}/")
                self.assertEqual(keys, [])
                self.assertContains(
                    self.client.get(f"/a/{album.code}/"),
                    "No album with that code.",
                    status_code=404,
                )

    def test_all_objects_of_the_album_go_and_nobody_elses(self):
        self.client.force_login(self.alice)
        self.assertEqual(len(stored_keys(f"albums/{self.album.pk}/")), 9)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(self.url)
        self.assertEqual(stored_keys(f"albums/{self.album.pk}/"), [])
        self.assertEqual(stored_keys(), sorted(self.elsewhere.storage_keys))
        self.assertTrue(Photo.objects.filter(pk=self.elsewhere.pk).exists())

    def test_others_get_404_and_nothing_goes(self):
        for user in (None, self.bob, self.charlie):
            with self.subTest(user=user):
                self.login_as(user)
                self.assertContains(
                    self.client.get(self.url),
                    "No album with that code.",
                    status_code=404,
                )
                with self.captureOnCommitCallbacks(execute=True):
                    self.assertEqual(self.client.post(self.url).status_code, 404)
        self.assertTrue(Album.objects.filter(pk=self.album.pk).exists())
        self.assertEqual(len(stored_keys(f"albums/{self.album.pk}/")), 9)


@needs_row_locks
class AlbumDeleteRaceTestCase(TransactionTestCase):
    """Deleting an album while a guest uploads to it, with real threads."""

    def test_an_upload_into_an_album_being_deleted_gets_no_album(self):
        host = User.objects.create_user("host", password="password")
        album = Album.objects.create(name="Party", user=host)
        kept = store_photo(album, color=(1, 2, 3))
        host_client = self.client_class()
        host_client.force_login(host)

        deleted, upload = upload_while_deleting(
            self, album, lambda: host_client.post(f"/a/{album.code}/delete/")
        )
        self.assertRedirects(deleted, "/", fetch_redirect_response=False)
        self.assertFalse(Album.objects.filter(pk=album.pk).exists())
        self.assertFalse(Photo.objects.exists())
        self.assertEqual(upload.status_code, 404)
        (result,) = upload.json()["results"]
        self.assertEqual(
            (result["status"], result["message"], result["photo"]),
            ("rejected", "late.jpg: No album with that code.", None),
        )
        # The kept photo's files went with the album, the upload's at once.
        self.assertEqual(stored_keys(), [])
        self.assertTrue(kept.storage_keys)
