"""Storage failing at each point (Hardening issue, Faults): writing the
original, each rendition, presigning, deleting. A clear error or a delayed
cleanup, never a 500, a row without its files, or an object without a row.

test_upload.py already covers the thumbnail write failing (the third write)."""

from unittest import mock

from botocore.exceptions import NoCredentialsError
from django.core.files.storage import default_storage
from django.urls import reverse

from albums.tests.base import BaseTestCase, make_image_bytes, stored_keys
from core.middleware import STORAGE_UNAVAILABLE
from core.storage.presign import S3Presigner
from photos import trash
from photos.models import Photo
from photos.tests.helpers import add_photo, corpus_bytes, upload


def failing_on_call(real, n):
    """A stand-in for a storage method that raises on its nth call only."""
    calls = []

    def method(self, *args, **kwargs):
        calls.append(args)
        if len(calls) == n:
            raise OSError("storage is down")
        return real(self, *args, **kwargs)

    return method


def storage_class():
    return (
        default_storage.__class__
    )  # the wrapped backend's class (LazyObject proxies __class__)


class UploadWriteFailureTests(BaseTestCase):
    def assertUnavailableAndNothingLeft(self, name, data, failing_write):
        cls = storage_class()
        with mock.patch.object(cls, "_save", failing_on_call(cls._save, failing_write)):
            response = upload(self.client, self.album, name, data)
        self.assertEqual(response.status_code, 503)
        (result,) = response.json()["results"]
        self.assertEqual(result["status"], "unavailable")
        self.assertIn("try again", result["message"])
        self.assertFalse(Photo.objects.exists())
        self.assertEqual(stored_keys(), [])

    def test_original_write_fails(self):
        self.assertUnavailableAndNothingLeft("a.jpg", make_image_bytes(), 1)

    def test_display_write_fails(self):
        self.assertUnavailableAndNothingLeft("a.jpg", make_image_bytes(), 2)

    def test_privacy_copy_write_fails(self):
        # A JPEG with GPS: its fourth object is the location-free copy.
        self.assertUnavailableAndNothingLeft(
            "gps.jpg", corpus_bytes("real_photos/DSCN0010.jpg"), 4
        )

    def test_upload_works_again_once_storage_is_back(self):
        self.assertUnavailableAndNothingLeft("a.jpg", make_image_bytes(), 1)
        self.assertEqual(
            upload(self.client, self.album, "a.jpg", make_image_bytes()).status_code,
            201,
        )
        self.assertEqual(stored_keys(), sorted(Photo.objects.get().storage_keys))


class PresignFailureTests(BaseTestCase):
    """Signing a URL fails (say the instance role's credentials can't be
    refreshed): pages that link to photos answer 503, and work again after."""

    def setUp(self):
        self.photo = add_photo(self.album, make_image_bytes())

    def get_with_failing_presign(self, url, **headers):
        failure = NoCredentialsError()
        with (
            mock.patch.object(S3Presigner, "url", side_effect=failure),
            mock.patch.object(storage_class(), "url", side_effect=failure),
            self.assertLogs("core.storage", "ERROR") as logs,
        ):
            response = self.client.get(url, headers=headers)
        self.assertIn("could not sign a URL", logs.output[0])
        return response

    def assertUnavailableThenBack(self, url, **headers):
        response = self.get_with_failing_presign(url, **headers)
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "30")
        if headers.get("accept") == "application/json":
            self.assertEqual(response.json(), {"error": STORAGE_UNAVAILABLE})
        else:
            self.assertContains(
                response, "can&#x27;t reach its photo storage", status_code=503
            )
        self.assertTrue(Photo.objects.filter(pk=self.photo.pk).exists())
        self.assertEqual(self.client.get(url, headers=headers).status_code, 200)

    def test_album_page(self):
        self.assertUnavailableThenBack(reverse("album", args=[self.album.code]))

    def test_viewer_page(self):
        self.assertUnavailableThenBack(
            reverse("photo", args=[self.album.code, self.photo.pk])
        )

    def test_json_endpoint(self):
        self.assertUnavailableThenBack(
            reverse("album_photos_json", args=[self.album.code]),
            accept="application/json",
        )

    def test_download(self):
        response = self.get_with_failing_presign(
            reverse("photo_download", args=[self.album.code, self.photo.pk])
        )
        self.assertEqual(response.status_code, 503)


class DeleteFailureTests(BaseTestCase):
    # Deleting for good: a trashed photo's "Delete now" (photos.trash).
    def delete_now(self, photo, **extra):
        trash.trash_photos(Photo.objects.filter(pk=photo.pk))
        return self.client.post(
            reverse("album_trash_delete", args=[self.album.code, photo.pk]), **extra
        )

    def test_delete_failing_after_commit_is_logged_and_left_for_reconcile(self):
        photo = add_photo(self.album, make_image_bytes())
        keys = sorted(photo.storage_keys)
        self.client.force_login(self.alice)
        cls = storage_class()
        with (
            mock.patch.object(cls, "delete", side_effect=OSError("storage is down")),
            self.assertLogs("core.storage", "ERROR") as logs,
            self.captureOnCommitCallbacks(execute=True),
        ):
            response = self.delete_now(photo)
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Photo.all_objects.exists())
        self.assertIn("reconcile_storage", logs.output[0])
        self.assertEqual(stored_keys(), keys)  # left for reconcile_storage

    def test_delete_failing_on_one_object_still_deletes_the_others(self):
        photo = add_photo(self.album, make_image_bytes())
        keys = photo.storage_keys
        self.client.force_login(self.alice)
        cls = storage_class()
        with (
            mock.patch.object(cls, "delete", failing_on_call(cls.delete, 1)),
            self.assertLogs("core.storage", "ERROR"),
            self.captureOnCommitCallbacks(execute=True),
        ):
            response = self.delete_now(photo)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(stored_keys(), [keys[0]])
