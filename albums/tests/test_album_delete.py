"""Deleting an album from its settings moves it to the trash (photos.trash):
out of every page and list at once, its rows and files kept until its owner
restores it or the purge deletes it (photos/tests/test_trash*.py)."""

import threading

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import TransactionTestCase

from albums.models import Album
from albums.tests.base import (
    AlbumTestCase,
    make_image_bytes,
    store_photo,
    stored_keys,
)
from albums.tests.races import (
    in_thread,
    needs_row_locks,
    wait_until,
    waiting_for_a_lock,
)
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

    def test_confirmation_states_the_photo_count_and_the_trash(self):
        self.client.force_login(self.alice)
        response = self.client.get(self.url)
        self.assertContains(response, "3 photos")
        self.assertContains(response, "to the trash for 14 days")
        self.assertContains(response, 'href="/trash/"')
        self.assertContains(response, "Move the album and 3 photos to the trash")
        self.assertTrue(Album.objects.filter(pk=self.album.pk).exists())
        self.assertIsNone(Album.all_objects.get(pk=self.album.pk).deleted_at)

    def test_owner_moves_it_to_the_trash_and_its_files_stay(self):
        for user in (self.alice, self.staff):
            with self.subTest(user=user):
                album = Album.objects.create(name="Doomed", user=self.alice)
                photos = [store_photo(album, color=(80 * i, 0, 0)) for i in range(2)]
                keys = stored_keys(f"albums/{album.pk}/")
                self.client.force_login(user)
                with self.captureOnCommitCallbacks(execute=True):
                    response = self.client.post(f"/a/{album.code}/delete/")
                self.assertRedirects(response, "/", fetch_redirect_response=False)
                self.assertFalse(Album.objects.filter(pk=album.pk).exists())
                self.assertIsNotNone(Album.all_objects.get(pk=album.pk).deleted_at)
                # Its photos are untouched (the album's trash holds them).
                self.assertEqual(
                    Photo.all_objects.filter(
                        pk__in=[p.pk for p in photos], deleted_at__isnull=True
                    ).count(),
                    2,
                )
                self.assertEqual(stored_keys(f"albums/{album.pk}/"), keys)
                self.assertEqual(len(keys), 6)
                home = self.client.get("/")
                self.assertContains(home, "Moved Doomed to the trash: restore it from")
                self.assertContains(home, '<a href="/trash/">Trash</a>')
                self.assertNotContains(home, f"/a/{album.code}/")
                for url in (
                    f"/a/{album.code}/",
                    f"/a/{album.code}/photos.json",
                    f"/a/{album.code}/download/",
                    f"/a/{album.code}/slideshow/",
                    f"/a/{album.code}/p/{photos[0].pk}/",
                ):
                    self.assertEqual(self.client.get(url).status_code, 404, url)
                self.assertEqual(self.client.get(album.get_link_url()).status_code, 404)

    def test_a_trashed_album_takes_no_uploads(self):
        self.client.force_login(self.alice)
        self.client.post(self.url)
        guest = self.client_class()
        response = guest.post(
            f"/a/{self.album.code}/upload/",
            {"photos": SimpleUploadedFile("late.jpg", make_image_bytes())},
            HTTP_ACCEPT="application/json",
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(Photo.all_objects.filter(album=self.album).count(), 3)
        self.assertEqual(len(stored_keys(f"albums/{self.album.pk}/")), 9)

    def test_its_code_stays_reserved(self):
        self.client.force_login(self.alice)
        self.client.post(self.url)
        taken = Album.all_objects.filter(code=self.album.code)
        self.assertTrue(taken.exists())
        self.assertNotEqual(Album.unused_code(), self.album.code)

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

    def test_delete_now_from_the_trash_takes_all_its_objects_and_nobody_elses(self):
        self.client.force_login(self.alice)
        self.client.post(self.url)
        self.assertEqual(len(stored_keys(f"albums/{self.album.pk}/")), 9)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(f"/trash/albums/{self.album.pk}/delete/")
        self.assertFalse(Album.all_objects.filter(pk=self.album.pk).exists())
        self.assertEqual(stored_keys(f"albums/{self.album.pk}/"), [])
        self.assertEqual(stored_keys(), sorted(self.elsewhere.storage_keys))
        self.assertTrue(Photo.objects.filter(pk=self.elsewhere.pk).exists())


@needs_row_locks
class AlbumTrashRaceTestCase(TransactionTestCase):
    """Moving an album to the trash while a guest's upload adds a photo to
    it, with real threads: the trash waits for the upload's row lock and
    the photo lands in the trashed album (restored with it), and an upload
    after it finds no album."""

    def test_the_trash_waits_for_an_upload_adding_its_photo(self):
        host = User.objects.create_user("host", password="password")
        album = Album.objects.create(name="Party", user=host)
        store_photo(album, color=(1, 2, 3))
        host_client = self.client_class()
        host_client.force_login(host)
        locked, go = threading.Event(), threading.Event()

        def upload_holding_the_album():
            # What photos.ingest does around its insert.
            with transaction.atomic():
                list(
                    Album.objects.select_for_update(no_key=True)
                    .filter(pk=album.pk)
                    .values_list("pk", flat=True)
                )
                locked.set()
                go.wait(timeout=30)
                store_photo(album, color=(4, 5, 6), filename="late.jpg")

        uploading, upload = in_thread(upload_holding_the_album)
        self.assertTrue(locked.wait(timeout=30))
        trashing, trashed = in_thread(host_client.post, f"/a/{album.code}/delete/")
        wait_until(lambda: waiting_for_a_lock() > 0)
        self.assertIsNone(Album.all_objects.get(pk=album.pk).deleted_at)
        go.set()
        uploading.join(timeout=30)
        trashing.join(timeout=30)
        for result in (upload, trashed):
            if "error" in result:
                raise result["error"]
        self.assertEqual(trashed["value"].status_code, 302)
        self.assertIsNotNone(Album.all_objects.get(pk=album.pk).deleted_at)
        self.assertEqual(
            sorted(
                album.photos(manager="all_objects").values_list("filename", flat=True)
            ),
            ["late.jpg", "photo.jpg"],
        )
        late = self.client_class().post(
            f"/a/{album.code}/upload/",
            {"photos": SimpleUploadedFile("later.jpg", make_image_bytes())},
            HTTP_ACCEPT="application/json",
        )
        self.assertEqual(late.status_code, 404)
        self.assertEqual(len(stored_keys()), 6)
