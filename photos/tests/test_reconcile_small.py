"""reconcile_storage and deletion know the grid's small rendition: a photo's
small object is referenced (never an orphan), reported when missing, and
removed with the photo; one no photo refers to is an orphan."""

import io

from django.core.management import call_command

from albums.tests.base import BaseTestCase, make_image_bytes, stored_keys
from core import storage
from photos.models import Photo
from photos.tests.helpers import add_photo, corpus_bytes


def reconcile(*args):
    out = io.StringIO()
    call_command("reconcile_storage", *args, stdout=out)
    return out.getvalue()


class ReconcileSmallRenditionTests(BaseTestCase):
    def setUp(self):
        self.photo = add_photo(
            self.album, corpus_bytes("real_photos/nikon_e950.jpg"), user=self.alice
        )

    def test_a_photos_small_rendition_is_no_orphan(self):
        self.assertEqual(
            stored_keys(),
            sorted(
                [
                    self.photo.link,
                    self.photo.tlink,
                    self.photo.small_link,
                    self.photo.display_link,
                ]
            ),
        )
        output = reconcile("--grace-seconds", "0", "--delete")
        self.assertNotIn(self.photo.small_link, output)
        self.assertIn(
            "Summary: 4 objects listed under 'albums/', 0 orphans (deleted 0)", output
        )
        self.assertIn(self.photo.small_link, stored_keys())

    def test_a_missing_small_rendition_is_reported(self):
        storage.delete([self.photo.small_link])
        output = reconcile("--grace-seconds", "0")
        self.assertIn(
            f"missing: photo {self.photo.pk} has no object {self.photo.small_link}",
            output,
        )
        self.assertIn("1 photos with missing objects (1 objects).", output)

    def test_a_small_rendition_no_photo_refers_to_is_an_orphan(self):
        leftover = f"albums/{self.album.pk}/deadbeef_s.webp"
        storage.save(leftover, make_image_bytes(format="WEBP"), "image/webp")
        output = reconcile("--grace-seconds", "0", "--delete")
        self.assertIn(f"deleting: {leftover}", output)
        self.assertNotIn(leftover, stored_keys())
        self.assertIn(self.photo.small_link, stored_keys())

    def test_deleting_the_photo_removes_it(self):
        with self.captureOnCommitCallbacks(execute=True):
            Photo.objects.get(pk=self.photo.pk).delete()
        self.assertEqual(stored_keys(), [])
