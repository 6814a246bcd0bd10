import io
import os
import time
from unittest import mock

from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from albums.tests.base import BaseTestCase, make_image_bytes, store_photo, stored_keys
from core import storage
from core.storage.local import LocalSignedStorage
from core.tests.support import local_storage
from photos.management.commands import reconcile_storage
from photos.models import Photo, Upload
from photos.tests.direct_helpers import post_json, put_part, start


def reconcile(*args):
    out = io.StringIO()
    call_command("reconcile_storage", *args, stdout=out)
    return out.getvalue()


def summary(output):
    return output.strip().splitlines()[-1]


class SeededMessMixin:
    """Two complete photos, one photo missing its thumbnail, and orphans:
    leftovers of a deleted photo, and a stray object outside the album folders."""

    def seed(self):
        self.complete = [
            store_photo(self.album, color=(1, 1, 1)),
            store_photo(self.album, color=(2, 2, 2)),
        ]
        self.broken = store_photo(self.album, color=(3, 3, 3))
        storage.delete([self.broken.tlink])
        self.orphans = [
            f"albums/{self.album.pk}/deadbeef.jpg",
            f"albums/{self.album.pk}/deadbeef_t.jpg",
        ]
        for key in self.orphans:
            storage.save(key, make_image_bytes(), "image/jpeg")
        self.outside = "elsewhere/notes.txt"
        storage.save(self.outside, b"not ours", "text/plain")

    def referenced(self):
        return sorted(
            key for photo in Photo.objects.all() for key in photo.storage_keys
        )


class ReconcileS3Tests(SeededMessMixin, BaseTestCase):
    """On moto's S3. S3 can't backdate LastModified, so "old" is --grace-seconds 0."""

    def setUp(self):
        self.seed()

    def test_dry_run_reports_and_changes_nothing(self):
        before = stored_keys()

        output = reconcile("--grace-seconds", "0")

        self.assertEqual(stored_keys(), before)
        for key in self.orphans:
            self.assertIn(f"orphan: {key}", output)
        self.assertIn(
            f"missing: photo {self.broken.pk} has no object {self.broken.tlink}", output
        )
        self.assertNotIn(self.outside, output)
        self.assertEqual(
            summary(output),
            "Summary: 10 objects listed under 'albums/', "
            "2 orphans (dry run, nothing changed; --delete removes them), "
            "0 orphans younger than 0 s left alone, 3 photos checked, "
            "1 photos with missing objects (1 objects).",
        )

    def test_delete_removes_exactly_the_old_orphans(self):
        output = reconcile("--delete", "--grace-seconds", "0")

        self.assertIn("2 orphans (deleted 2)", summary(output))
        self.assertEqual(stored_keys("albums/"), self.referenced_and_present())
        self.assertIn(self.outside, stored_keys())
        self.assertEqual(
            Photo.objects.count(), 3
        )  # missing objects are reported, rows are never touched
        self.assertIn(
            "0 orphans", summary(reconcile("--delete", "--grace-seconds", "0"))
        )

    def test_recent_orphans_are_left_alone_by_default(self):
        before = stored_keys()

        output = reconcile("--delete")

        self.assertEqual(stored_keys(), before)
        self.assertIn(f"recent orphan (left alone): {self.orphans[0]}", output)
        self.assertIn(
            "0 orphans (deleted 0), 2 orphans younger than 3600 s left alone",
            summary(output),
        )

    def test_prefix_limits_both_checks(self):
        output = reconcile("--prefix", "elsewhere/", "--grace-seconds", "0", "--delete")
        self.assertIn(
            "1 objects listed under 'elsewhere/', 1 orphans (deleted 1)",
            summary(output),
        )
        self.assertIn("0 photos checked", summary(output))
        self.assertNotIn(self.outside, stored_keys())
        self.assertEqual(len(stored_keys()), 10)

    def test_a_clean_store_reports_nothing(self):
        for key in self.orphans:
            storage.delete([key])
        with self.captureOnCommitCallbacks(execute=True):
            self.broken.delete()
        output = reconcile("--grace-seconds", "0")
        self.assertEqual(output.strip().splitlines(), [summary(output)])
        self.assertIn("0 orphans", summary(output))
        self.assertIn("0 photos with missing objects", summary(output))

    def test_negative_grace_is_refused(self):
        with self.assertRaisesMessage(
            CommandError, "--grace-seconds must be 0 or more"
        ):
            reconcile("--grace-seconds", "-1")

    def referenced_and_present(self):
        return sorted(set(self.referenced()) - {self.broken.tlink})


class ReconcileManyObjectsTests(BaseTestCase):
    def test_pages_and_batches(self):
        # S3 pages of 2 keys (instead of 1,000) and database batches of 3, so
        # a few objects take many pages and batches.
        client = default_storage.connection.meta.client
        list_requests = []

        def small_pages(params, **kwargs):
            params["MaxKeys"] = 2
            list_requests.append(params)

        client.meta.events.register(
            "before-parameter-build.s3.ListObjectsV2", small_pages
        )
        self.addCleanup(
            client.meta.events.unregister,
            "before-parameter-build.s3.ListObjectsV2",
            small_pages,
        )
        photos = [store_photo(self.album, color=(60 * i, 10, 10)) for i in range(3)]
        orphans = [f"albums/{self.album.pk}/orphan{i:02}.jpg" for i in range(11)]
        for key in orphans:
            storage.save(key, b"x", "image/jpeg")
        referenced = sorted(key for photo in photos for key in photo.storage_keys)

        with mock.patch.object(reconcile_storage, "BATCH_SIZE", 3):
            output = reconcile("--grace-seconds", "0", "--delete")

        self.assertIn(
            "20 objects listed under 'albums/', 11 orphans (deleted 11)",
            summary(output),
        )
        deleted = sorted(
            line.split()[-1]
            for line in output.splitlines()
            if line.startswith("deleting:")
        )
        self.assertEqual(deleted, orphans)
        self.assertIn(
            "3 photos checked, 0 photos with missing objects", summary(output)
        )
        self.assertGreaterEqual(len(list_requests), 10)
        self.assertEqual(stored_keys(), referenced)


class ReconcileLocalTests(SeededMessMixin, BaseTestCase):
    """On the local folder, where old orphans are made by setting their mtime."""

    def setUp(self):
        self.media_root = self.enterContext(local_storage())
        self.seed()
        self.new_orphan = f"albums/{self.album.pk}/uploading.jpg"
        storage.save(self.new_orphan, b"in flight", "image/jpeg")
        two_hours_ago = time.time() - 7200
        for key in stored_keys():
            if key != self.new_orphan:
                os.utime(
                    os.path.join(self.media_root, key), (two_hours_ago, two_hours_ago)
                )

    def test_uses_the_local_folder(self):
        self.assertIsInstance(default_storage, LocalSignedStorage)
        self.assertTrue(os.path.exists(os.path.join(self.media_root, self.orphans[0])))

    def test_dry_run_reports_and_changes_nothing(self):
        before = stored_keys()

        output = reconcile()

        self.assertEqual(stored_keys(), before)
        self.assertIn(f"orphan: {self.orphans[0]}", output)
        self.assertIn(f"recent orphan (left alone): {self.new_orphan}", output)
        self.assertIn(
            f"missing: photo {self.broken.pk} has no object {self.broken.tlink}", output
        )
        self.assertIn(
            "11 objects listed under 'albums/', "
            "2 orphans (dry run, nothing changed; --delete removes them), "
            "1 orphans younger than 3600 s left alone, 3 photos checked, "
            "1 photos with missing objects (1 objects).",
            summary(output),
        )

    def test_delete_removes_old_orphans_only(self):
        output = reconcile("--delete")

        self.assertIn(
            "2 orphans (deleted 2), 1 orphans younger than 3600 s left alone",
            summary(output),
        )
        expected = sorted(
            {*self.referenced(), self.new_orphan, self.outside} - {self.broken.tlink}
        )
        self.assertEqual(stored_keys(), expected)


class FolderListingsTests(BaseTestCase):
    def test_lists_each_folder_once_while_cached(self):
        photo = store_photo(self.album)
        listings = reconcile_storage.FolderListings(size=1)

        with mock.patch.object(
            storage, "list_objects", wraps=storage.list_objects
        ) as list_objects:
            self.assertIn(photo.tlink, listings.keys_near(photo.link))
            self.assertIn(
                photo.display_link, listings.keys_near(photo.display_link)
            )  # cached
            self.assertEqual(
                listings.keys_near("elsewhere/x"), set()
            )  # pushes the album folder out
            self.assertIn(photo.link, listings.keys_near(photo.link))

        folder = f"albums/{self.album.pk}/"
        self.assertEqual(
            [c.args for c in list_objects.call_args_list],
            [(folder,), ("elsewhere/",), (folder,)],
        )


class AbandonedUploadTests(BaseTestCase):
    """Direct uploads that never finished, or never got processed, are ended
    with their parts and objects; uploads still on their way are left alone."""

    def setUp(self):
        self.enterContext(local_storage())

    def test_abandoned_uploads_end_and_their_bytes_go(self):
        data = make_image_bytes()
        # Never finished: one part of a two-part upload sent.
        big = start(self.client, self.album, "big.jpg", 9 * 1024 * 1024).json()
        signed = post_json(self.client, big["sign_url"], {"part": 1}).json()
        put_part(self.client, signed, b"\0" * big["part_size"])
        # Sent in one PUT, never finished.
        small = start(self.client, self.album, "small.jpg", len(data)).json()
        signed = post_json(self.client, small["sign_url"], {"part": 1}).json()
        put_part(self.client, signed, data)
        # A stray object under incoming/ that no upload refers to.
        storage.save(f"incoming/{self.album.pk}/stray", data, "image/jpeg")
        self.assertEqual(len(list(storage.unfinished_uploads("incoming/"))), 1)

        dry = reconcile("--grace-seconds", "0")
        self.assertIn("Uploads: 2 abandoned, 0 unfinished multipart uploads", dry)
        self.assertEqual(Upload.objects.in_flight().count(), 2)

        output = reconcile("--grace-seconds", "0", "--delete")
        self.assertIn(
            "Uploads: 2 abandoned, 1 unfinished multipart uploads, 2 stray objects",
            output,
        )
        self.assertIn("(removed).", output)
        self.assertFalse(Upload.objects.in_flight().exists())
        self.assertEqual(
            set(Upload.objects.values_list("status", flat=True)), {"rejected"}
        )
        self.assertEqual(list(storage.unfinished_uploads("incoming/")), [])
        self.assertEqual(stored_keys("incoming/"), [])

    def test_uploads_on_their_way_are_left_alone(self):
        start(self.client, self.album, "a.jpg", 1000)
        output = reconcile("--grace-seconds", "3600", "--delete")
        self.assertNotIn("Uploads:", output)
