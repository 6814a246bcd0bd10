import io
import zipfile

from django.urls import reverse
from django.utils import timezone

from albums.tests.base import BaseTestCase, make_image_bytes
from photos.tests.helpers import add_photo, corpus_bytes, has_gps, read_object


class AlbumDownloadTests(BaseTestCase):
    def setUp(self):
        self.url = reverse("album_download", args=[self.album.code])
        self.gps_original = corpus_bytes("real_photos/DSCN0010.jpg")
        self.gps_photo = add_photo(self.album, self.gps_original, "DSCN0010.jpg", user=self.bob)
        self.plain = [add_photo(self.album, make_image_bytes(color=(40 * i, 100, 0)), "same.jpg") for i in range(3)]

    def download(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.streaming)
        self.assertEqual(response["Content-Type"], "application/zip")
        self.assertIn('attachment; filename="Alice\'s party.zip"', response["Content-Disposition"])
        body = b"".join(response.streaming_content)
        self.assertEqual(int(response["Content-Length"]), len(body))
        return zipfile.ZipFile(io.BytesIO(body))

    def test_owner_gets_every_original_stored_not_compressed(self):
        self.client.force_login(self.alice)
        archive = self.download()
        photos = [self.gps_photo, *self.plain]
        self.assertEqual(len(archive.infolist()), 4)
        contents = sorted(archive.read(info) for info in archive.infolist())
        self.assertEqual(contents, sorted(read_object(photo.link) for photo in photos))
        self.assertTrue(all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist()))

    def test_entries_named_by_date_taken_then_name_unique(self):
        self.client.force_login(self.alice)
        names = self.download().namelist()
        taken = timezone.localtime(self.gps_photo.taken_at)
        self.assertIn(f"{taken:%Y-%m-%d %H.%M.%S} DSCN0010.jpg", names)
        self.assertEqual(len(set(names)), len(names))
        self.assertEqual(sum("same" in name for name in names), 3)

    def test_others_get_originals_without_location(self):
        archive = self.download()
        (gps_entry,) = [name for name in archive.namelist() if "DSCN0010" in name]
        data = archive.read(gps_entry)
        self.assertFalse(has_gps(data))
        self.assertEqual(data, read_object(self.gps_photo.plink))

    def test_hidden_photos_left_out_for_others(self):
        self.plain[0].hidden = True
        self.plain[0].save()
        self.assertEqual(len(self.download().namelist()), 3)
        self.client.force_login(self.alice)
        self.assertEqual(len(self.download().namelist()), 4)

    def test_unknown_album_404(self):
        self.assertEqual(self.client.get(reverse("album_download", args=["ZZZZZZZZ"])).status_code, 404)


class LocalStorageDownloadTests(BaseTestCase):
    """The same ZIP and download from the local signed storage (no bucket)."""

    def setUp(self):
        import shutil
        import tempfile

        from django.test import override_settings

        media_root = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, media_root)
        local = override_settings(
            MEDIA_ROOT=media_root, STORAGES={"default": {"BACKEND": "photos.storage.LocalSignedStorage"},
                                            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
        )
        local.enable()
        self.addCleanup(local.disable)
        self.original = corpus_bytes("real_photos/DSCN0010.jpg")
        self.photo = add_photo(self.album, self.original, "DSCN0010.jpg")

    def test_zip_and_signed_download(self):
        self.client.force_login(self.alice)
        response = self.client.get(reverse("album_download", args=[self.album.code]))
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        self.assertEqual([archive.read(name) for name in archive.namelist()], [self.original])
        self.client.logout()
        location = self.client.get(reverse("photo_download", args=[self.album.code, self.photo.pk]))["Location"]
        served = self.client.get(location)
        self.assertEqual(served["Content-Type"], "image/jpeg")
        self.assertIn("attachment", served["Content-Disposition"])
        self.assertFalse(has_gps(b"".join(served.streaming_content)))
