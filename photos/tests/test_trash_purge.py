"""Deleting for good (photos.trash): the purge after TRASH_DAYS (rows, then
files once each batch commits), "Delete now", account deletion (the trash
goes with the account, never into it), and reconcile_storage, which counts
the trash's files as referenced."""

import io
import threading
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.test import TransactionTestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from albums.models import Album
from albums.tests.base import store_photo, stored_keys
from albums.tests.races import (
    in_thread,
    needs_row_locks,
    wait_until,
    waiting_for_a_lock,
)
from core import storage
from photos import trash
from photos.models import Photo, Tag, TakedownRequest
from photos.tests.trash_base import TrashTestCase

DAY = timedelta(days=1)


class PurgeTests(TrashTestCase):
    def setUp(self):
        super().setUp()
        self.now = timezone.now()
        self.picnic = Album.objects.create(name="Picnic", user=self.alice)
        self.picnic_photo = store_photo(self.picnic, color=(7, 7, 7))

    def trash_at(self, moment, *photos):
        trash.trash_photos(
            Photo.objects.filter(pk__in=[p.pk for p in photos]), now=moment
        )

    def test_after_the_period_rows_go_then_files_after_commit(self):
        old = self.now - 15 * DAY
        self.trash_at(old, self.daves)
        self.picnic.trash(old)
        self.trash_at(self.now - DAY, self.guests)  # recent: stays
        TakedownRequest.objects.create(photo=self.daves, reason="me")
        gone = set(self.daves.storage_keys) | set(self.picnic_photo.storage_keys)
        with self.captureOnCommitCallbacks() as callbacks:
            self.assertEqual(trash.purge(), (1, 1))
            # The rows are gone, the files still there until the commit.
            self.assertFalse(Photo.all_objects.filter(pk=self.daves.pk).exists())
            self.assertFalse(Album.all_objects.filter(pk=self.picnic.pk).exists())
            self.assertTrue(gone <= set(stored_keys()))
        for callback in callbacks:
            callback()
        self.assertFalse(gone & set(stored_keys()))
        self.assertEqual(
            stored_keys(),
            sorted(self.cover.storage_keys + self.guests.storage_keys),
        )
        self.assertFalse(Tag.objects.filter(photo_id=self.daves.pk).exists())
        self.assertFalse(TakedownRequest.objects.exists())
        self.assertIsNotNone(Photo.all_objects.get(pk=self.guests.pk).deleted_at)

    def test_nothing_goes_before_the_period(self):
        self.trash_at(self.now - 13 * DAY, self.daves)
        self.picnic.trash(self.now - 13 * DAY)
        keys = stored_keys()
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(trash.purge(), (0, 0))
        self.assertEqual(stored_keys(), keys)
        self.assertTrue(Photo.all_objects.filter(pk=self.daves.pk).exists())
        # The day it is due, it goes.
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(trash.purge(now=self.now + 2 * DAY), (1, 1))
        self.assertFalse(set(self.daves.storage_keys) & set(stored_keys()))

    @override_settings(TRASH_DAYS=1)
    def test_trash_days_is_the_period(self):
        self.trash_at(self.now - 2 * DAY, self.daves)
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(trash.purge(), (0, 1))

    def test_running_it_again_purges_nothing_more(self):
        self.trash_at(self.now - 20 * DAY, self.daves, self.guests)
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(trash.purge(batch_size=1), (0, 2))
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(trash.purge(), (0, 0))
        self.assertEqual(
            stored_keys(),
            sorted(self.cover.storage_keys + self.picnic_photo.storage_keys),
        )

    def test_a_restored_photo_or_album_is_not_purged(self):
        self.trash_at(self.now - 20 * DAY, self.daves)
        self.picnic.trash(self.now - 20 * DAY)
        trash.restore_photo(self.daves)
        trash.restore_album(self.picnic)
        self.assertEqual(trash.purge(), (0, 0))

    def test_a_trashed_albums_photos_go_with_it_trashed_or_not(self):
        self.trash_at(self.now - DAY, self.picnic_photo)  # its own time not up
        self.picnic.trash(self.now - 20 * DAY)
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(trash.purge(), (1, 0))
        self.assertFalse(Photo.all_objects.filter(pk=self.picnic_photo.pk).exists())
        self.assertEqual(stored_keys(f"albums/{self.picnic.pk}/"), [])

    def test_the_task_runs_the_purge_and_beat_schedules_it(self):
        from partyshots.celery import app
        from photos import tasks

        self.trash_at(self.now - 20 * DAY, self.daves)
        with self.captureOnCommitCallbacks(execute=True):
            result = tasks.purge_trash.apply().get()
        self.assertEqual(result, {"albums": 0, "photos": 1})
        self.assertIn("photos.tasks.purge_trash", app.tasks)
        self.assertEqual(
            settings.CELERY_BEAT_SCHEDULE["purge-trash"]["task"],
            "photos.tasks.purge_trash",
        )


class DeleteNowTests(TrashTestCase):
    def setUp(self):
        super().setUp()
        self.trash(self.daves, self.guests)

    def test_the_hosts_delete_a_photo_for_good_after_a_page_that_asks(self):
        for user, photo in ((self.alice, self.daves), (self.eve, self.guests)):
            with self.subTest(user=user):
                client = self.client_of(user)
                page = client.get(self.delete_now_url(photo))
                self.assertContains(page, f"Delete {photo.filename} for good?")
                self.assertContains(page, "This can't be undone.")
                self.assertTrue(Photo.all_objects.filter(pk=photo.pk).exists())
                with self.captureOnCommitCallbacks(execute=True):
                    response = client.post(self.delete_now_url(photo), follow=True)
                self.assertContains(response, f"Deleted {photo.filename} for good.")
                self.assertFalse(Photo.all_objects.filter(pk=photo.pk).exists())
                self.assertFalse(set(photo.storage_keys) & set(stored_keys()))
        self.assertEqual(stored_keys(), sorted(self.cover.storage_keys))

    def test_uploaders_and_others_may_not(self):
        for client, photo in (
            (self.client_of(self.dave), self.daves),
            (self.client, self.guests),
            (self.client_of(self.bob), self.daves),
        ):
            self.assertEqual(client.get(self.delete_now_url(photo)).status_code, 404)
            self.assertEqual(client.post(self.delete_now_url(photo)).status_code, 404)
        self.assertEqual(Photo.all_objects.filter(deleted_at__isnull=False).count(), 2)

    def test_a_live_photo_is_not_deleted_from_here(self):
        response = self.client_of(self.alice).post(self.delete_now_url(self.cover))
        self.assertEqual(response.status_code, 404)
        self.assertTrue(Photo.objects.filter(pk=self.cover.pk).exists())

    def test_the_owner_deletes_a_trashed_album_for_good(self):
        picnic = Album.objects.create(name="Picnic", user=self.alice)
        photo = store_photo(picnic, color=(7, 7, 7))
        picnic.trash()
        url = reverse("trash_album_delete", args=[picnic.pk])
        alice = self.client_of(self.alice)
        self.assertContains(alice.get(url), "Delete Picnic for good?")
        self.assertContains(alice.get(url), "<strong>1 photo</strong>", html=True)
        with self.captureOnCommitCallbacks(execute=True):
            response = alice.post(url, follow=True)
        self.assertRedirects(response, reverse("trash"))
        self.assertContains(response, "Deleted Picnic for good, with its photos.")
        self.assertFalse(Album.all_objects.filter(pk=picnic.pk).exists())
        self.assertFalse(set(photo.storage_keys) & set(stored_keys()))


class AccountDeletionSkipsTheTrashTests(TrashTestCase):
    def test_the_trash_goes_with_the_account_files_and_all(self):
        # dave's own album in the trash, with a trashed photo in it, and his
        # trashed photo in alice's album.
        mine = Album.objects.create(name="Dave's trip", user=self.dave)
        kept_there = store_photo(mine, user=self.dave, color=(1, 1, 1))
        trashed_there = store_photo(mine, user=self.dave, color=(2, 2, 2))
        trash.trash_photos(Photo.objects.filter(pk=trashed_there.pk))
        mine.trash()
        self.trash(self.daves)
        dave = self.client_of(self.dave)
        page = dave.get(reverse("account_delete"))
        self.assertContains(page, "1 album in your")
        self.assertContains(page, "1 photo you uploaded to other people")
        gone = {
            key
            for photo in (kept_there, trashed_there, self.daves)
            for key in photo.storage_keys
        }
        with self.captureOnCommitCallbacks(execute=True):
            dave.post(reverse("account_delete"), {"password": "password"})
        self.assertFalse(User.objects.filter(pk=self.dave.pk).exists())
        self.assertFalse(Album.all_objects.filter(pk=mine.pk).exists())
        self.assertFalse(
            Photo.all_objects.filter(
                pk__in=[kept_there.pk, trashed_there.pk, self.daves.pk]
            ).exists()
        )
        self.assertFalse(gone & set(stored_keys()))
        self.assertEqual(
            stored_keys(), sorted(self.cover.storage_keys + self.guests.storage_keys)
        )


class ReconcileKnowsTheTrashTests(TrashTestCase):
    def reconcile(self, *args):
        out = io.StringIO()
        call_command("reconcile_storage", "--grace-seconds", "0", *args, stdout=out)
        return out.getvalue()

    def test_the_trashs_files_are_not_orphans_and_are_checked(self):
        picnic = Album.objects.create(name="Picnic", user=self.alice)
        in_trashed_album = store_photo(picnic, color=(7, 7, 7))
        picnic.trash()
        self.trash(self.daves)
        keys = stored_keys()
        output = self.reconcile("--delete")
        self.assertNotIn("orphan", output.replace("0 orphans", ""))
        self.assertNotIn("deleting:", output)
        self.assertIn("4 photos checked", output)
        self.assertIn("0 photos with missing objects", output)
        self.assertEqual(stored_keys(), keys)
        self.assertTrue(set(in_trashed_album.storage_keys) <= set(keys))
        # A trashed photo missing a file is reported like any other.
        storage.delete([self.daves.tlink])
        self.assertIn(
            f"missing: photo {self.daves.pk} has no object {self.daves.tlink}",
            self.reconcile(),
        )
        # Once purged, nothing is left behind to report.
        with self.captureOnCommitCallbacks(execute=True):
            trash.purge(now=timezone.now() + 30 * DAY)
        output = self.reconcile()
        self.assertIn("0 orphans", output)
        self.assertIn("2 photos checked", output)


@needs_row_locks
class PurgeBesideARestoreTestCase(TransactionTestCase):
    """A purge and a restore of the same photo at once, with real threads:
    whichever takes the rows first wins, and the other finds it done."""

    def test_a_restore_holding_the_album_keeps_its_photo(self):
        host = User.objects.create_user("host", password="password")
        album = Album.objects.create(name="Party", user=host)
        photo = store_photo(album, color=(1, 2, 3))
        trash.trash_photos(
            Photo.objects.filter(pk=photo.pk), now=timezone.now() - 20 * DAY
        )

        locked, go = threading.Event(), threading.Event()

        def restore_slowly():
            with transaction.atomic():
                # What restore_photo locks first: the album's row.
                list(
                    Album.objects.select_for_update(no_key=True)
                    .filter(pk=album.pk)
                    .values_list("pk", flat=True)
                )
                locked.set()
                go.wait(timeout=30)
                trash.restore_photo(photo)

        restoring, restored = in_thread(restore_slowly)
        self.assertTrue(locked.wait(timeout=30))
        purging, purged = in_thread(trash.purge)
        wait_until(lambda: waiting_for_a_lock() > 0)
        go.set()
        restoring.join(timeout=30)
        purging.join(timeout=30)
        for result in (restored, purged):
            if "error" in result:
                raise result["error"]
        self.assertEqual(purged["value"], (0, 0))
        self.assertIsNone(Photo.all_objects.get(pk=photo.pk).deleted_at)
        self.assertEqual(len(stored_keys()), 3)
