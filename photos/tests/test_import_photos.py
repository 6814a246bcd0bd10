import io
import shutil
import tempfile
from pathlib import Path

from django.core.management import CommandError, call_command

from albums.tests.base import BaseTestCase, stored_keys
from photos.models import Photo
from photos.tests import clips
from photos.tests.helpers import CORPUS


class ImportPhotosTests(BaseTestCase):
    def setUp(self):
        self.folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.folder)
        (self.folder / "sd" / "DCIM").mkdir(parents=True)
        shutil.copy(CORPUS / "real_photos/DSCN0010.jpg", self.folder / "sd" / "DCIM")
        shutil.copy(CORPUS / "formats/hopper.png", self.folder / "sd")

    def run_command(self, *paths):
        out = io.StringIO()
        call_command(
            "import_photos",
            self.album.display_code.lower(),
            *map(str, paths),
            stdout=out,
        )
        return out.getvalue()

    def test_imports_folders_recursively_as_the_owner(self):
        output = self.run_command(self.folder)
        self.assertIn("DSCN0010.jpg: added", output)
        self.assertIn("hopper.png: added", output)
        self.assertIn("2 added, 0 duplicate, 0 rejected", output)
        self.assertEqual(
            set(Photo.objects.values_list("user", flat=True)), {self.alice.pk}
        )
        self.assertEqual(
            len(stored_keys()), 4 + 5
        )  # the JPEG has GPS: a location-free copy too

    def test_second_run_reports_duplicates(self):
        self.run_command(self.folder)
        output = self.run_command(self.folder / "sd" / "hopper.png")
        self.assertIn("hopper.png: duplicate", output)
        self.assertEqual(Photo.objects.count(), 2)

    def test_rejected_file_reported_and_exit_non_zero(self):
        shutil.copy(CORPUS / "hostile/script.svg", self.folder)
        out = io.StringIO()
        with self.assertRaises(CommandError) as raised:
            call_command("import_photos", self.album.code, str(self.folder), stdout=out)
        self.assertEqual(raised.exception.returncode, 1)
        self.assertIn(
            "script.svg: rejected: This file isn't a photo or video we can add "
            "(it's an SVG).",
            out.getvalue(),
        )
        self.assertIn("2 added, 0 duplicate, 1 rejected", out.getvalue())
        self.assertEqual(Photo.objects.count(), 2)

    def test_unknown_album_or_path(self):
        with self.assertRaisesMessage(CommandError, "No album with the code"):
            call_command(
                "import_photos", "ZZZZZZZZ", str(self.folder), stdout=io.StringIO()
            )
        with self.assertRaisesMessage(CommandError, "no such file or folder"):
            call_command(
                "import_photos", self.album.code, "/nonexistent", stdout=io.StringIO()
            )

    def test_imports_the_cameras_clips_with_the_photos(self):
        clips.ffmpeg_or_skip()
        shutil.copy(clips.iphone_hevc(), self.folder / "sd" / "DCIM" / "IMG_0003.MOV")
        output = self.run_command(self.folder)
        self.assertIn("IMG_0003.MOV: added", output)
        self.assertIn("3 added, 0 duplicate, 0 rejected", output)
        clip = Photo.objects.get(filename="IMG_0003.MOV")
        self.assertEqual(
            (clip.content_type, clip.video_codec), ("video/quicktime", "hevc")
        )
        self.assertTrue(clip.playback_link and clip.location_free_link)
