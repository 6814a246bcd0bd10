from io import StringIO

from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase, override_settings

from albums.models import Album
from albums.tests.base import stored_keys
from photos.models import Photo

on_sqlite = connection.vendor == "sqlite"


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("demo_album", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


class DemoAlbumTests(TestCase):
    @override_settings(DEBUG=True)
    def test_creates_a_demo_album_through_the_real_pipeline(self):
        if not on_sqlite:
            self.skipTest("the demo album is only made on the embedded SQLite")
        out, _err = run("--if-empty")
        album = Album.objects.get()
        self.assertIn(album.display_code, out)
        self.assertIn(f"http://127.0.0.1:8000/a/{album.code}/", out)
        self.assertIn("log in as demo with the password", out)
        photos = Photo.objects.filter(album=album)
        self.assertEqual(photos.count(), 6)
        self.assertEqual(album.thumbnail, photos.order_by("id").first())
        # Originals and renditions stored, the date taken read from EXIF.
        self.assertEqual(len(stored_keys(f"albums/{album.pk}/")), 18)
        self.assertEqual({p.taken_at.year for p in photos}, {2026})
        self.assertEqual(photos.filter(guest_name="Sam").count(), 2)
        self.assertEqual(photos.filter(tags__key="description").count(), 4)

    @override_settings(DEBUG=True)
    def test_if_empty_leaves_a_database_with_albums_alone(self):
        if not on_sqlite:
            self.skipTest("the demo album is only made on the embedded SQLite")
        run("--if-empty")
        out, _err = run("--if-empty")
        self.assertEqual(out, "")
        self.assertEqual(Album.objects.count(), 1)

    def test_refuses_with_debug_off(self):
        with self.assertRaisesMessage(CommandError, "DEBUG is off"):
            run()
        self.assertFalse(Album.objects.exists())

    def test_if_empty_only_notes_the_refusal(self):
        _out, err = run("--if-empty")
        self.assertIn("No demo album: DEBUG is off", err)
        self.assertFalse(Album.objects.exists())

    @override_settings(DEBUG=True)
    def test_refuses_on_a_real_database(self):
        if on_sqlite:
            self.skipTest("runs with DATABASE_URL pointing at PostgreSQL")
        with self.assertRaisesMessage(CommandError, "not the embedded SQLite"):
            run()
        self.assertFalse(Album.objects.exists())
