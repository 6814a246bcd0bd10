"""Every way a photo row can go takes its storage objects with it, after the
transaction commits, and not at all if it rolls back. (The admin's action and
delete pages are covered in the admin tests, the views in theirs.)"""

from unittest import mock

from django.core.files.storage import default_storage
from django.db import transaction

from albums.models import Album
from albums.tests.base import BaseTestCase, store_photo, stored_keys
from photos.models import Photo


class Rollback(Exception):
    pass


class DeletePathTests(BaseTestCase):
    def setUp(self):
        self.photo = store_photo(self.album, user=self.bob, color=(1, 1, 1))
        self.other_album = Album.objects.create(name="Bob's", user=self.bob)
        self.kept = store_photo(self.other_album, user=self.bob, color=(2, 2, 2))

    def assertOnlyKeptRemains(self):
        self.assertEqual(list(Photo.objects.all()), [self.kept])
        self.assertEqual(stored_keys(), sorted(self.kept.storage_keys))

    def test_files_stay_until_the_transaction_commits(self):
        with self.captureOnCommitCallbacks() as callbacks:
            self.photo.delete()
            self.assertEqual(len(stored_keys()), 6)
        self.assertEqual(len(callbacks), 1)
        callbacks[0]()
        self.assertOnlyKeptRemains()

    def test_instance_delete(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.photo.delete()
        self.assertOnlyKeptRemains()

    def test_queryset_delete(self):
        store_photo(self.album, color=(3, 3, 3))
        with self.captureOnCommitCallbacks(execute=True):
            deleted, _ = Photo.objects.filter(album=self.album).delete()
        self.assertEqual(deleted, 2)
        self.assertOnlyKeptRemains()

    def test_renditions_and_location_free_copy_go_too(self):
        location_free_link = self.photo.link.replace(".jpg", "_p.jpg")
        default_storage.save(location_free_link, default_storage.open(self.photo.link))
        Photo.objects.filter(pk=self.photo.pk).update(
            location_free_link=location_free_link
        )
        self.assertEqual(len(stored_keys()), 7)
        with self.captureOnCommitCallbacks(execute=True):
            Photo.objects.get(pk=self.photo.pk).delete()
        self.assertOnlyKeptRemains()

    def test_album_delete_cascades(self):
        Album.objects.filter(pk=self.album.pk).update(
            thumbnail=self.photo
        )  # the cover goes too
        with self.captureOnCommitCallbacks(execute=True):
            self.album.delete()
        self.assertOnlyKeptRemains()

    def test_album_queryset_delete_cascades(self):
        with self.captureOnCommitCallbacks(execute=True):
            Album.objects.filter(pk=self.album.pk).delete()
        self.assertOnlyKeptRemains()

    def test_user_delete_takes_their_albums_and_their_uploads_elsewhere(self):
        store_photo(
            self.other_album, user=self.alice, color=(4, 4, 4)
        )  # alice's upload in bob's album
        guest_photo = store_photo(
            self.album, color=(5, 5, 5), guest_name="Dora"
        )  # in alice's album
        with self.captureOnCommitCallbacks(execute=True):
            self.alice.delete()
        self.assertFalse(Photo.objects.filter(pk=guest_photo.pk).exists())
        self.assertOnlyKeptRemains()

    def test_rollback_deletes_nothing(self):
        for delete in (
            lambda: self.photo.delete(),
            lambda: Photo.objects.all().delete(),
            lambda: self.album.delete(),
            lambda: self.alice.delete(),
        ):
            with (
                self.subTest(delete=delete),
                self.captureOnCommitCallbacks(execute=True) as callbacks,
            ):
                try:
                    with transaction.atomic():
                        delete()
                        raise Rollback
                except Rollback:
                    pass
            self.assertEqual(callbacks, [])
            self.assertEqual(Photo.objects.count(), 2)
            self.assertEqual(len(stored_keys()), 6)

    def test_storage_failure_is_logged_not_raised(self):
        # The row is gone for good; the objects are left for reconcile_storage.
        with (
            mock.patch.object(
                default_storage, "delete", side_effect=OSError("storage down")
            ),
            self.assertLogs("core.storage", "ERROR") as logs,
            self.captureOnCommitCallbacks(execute=True),
        ):
            self.photo.delete()
        self.assertFalse(Photo.objects.filter(pk=self.photo.pk).exists())
        self.assertEqual(len(logs.records), 3)
        self.assertIn("reconcile_storage", logs.output[0])
        self.assertEqual(len(stored_keys()), 6)
