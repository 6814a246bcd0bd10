from io import StringIO
from unittest import mock

from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase, override_settings

from albums.models import Album
from albums.tests.base import stored_keys
from photos.management.commands.demo_album import Command
from photos.models import Photo

on_sqlite = connection.vendor == "sqlite"


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("demo_album", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def allowed_here():
    """Lets the command run on whatever database the suite uses (PostgreSQL in
    CI): what it makes is tested here, the guard itself by the refusal tests."""
    return mock.patch.object(Command, "refusal", return_value=None)


class DemoAlbumTests(TestCase):
    def test_creates_a_demo_album_through_the_real_pipeline(self):
        with allowed_here():
            out, _err = run("--if-empty")
        album = Album.objects.get()
        self.assertIn(album.display_code, out)
        self.assertIn(f"http://127.0.0.1:8000{album.get_link_url()}", out)
        self.assertIn("log in as demo with the password", out)
        password = out.split("with the password ")[1].split()[0]
        self.assertTrue(album.user.check_password(password))
        photos = Photo.objects.filter(album=album)
        self.assertEqual(photos.count(), 6)
        self.assertEqual(album.thumbnail, photos.order_by("id").first())
        # Originals and renditions stored, the date taken read from EXIF.
        self.assertEqual(len(stored_keys(f"albums/{album.pk}/")), 18)
        self.assertEqual({p.taken_at.year for p in photos}, {2026})
        self.assertEqual(photos.filter(guest_name="Sam").count(), 2)
        self.assertEqual(photos.filter(tags__key="description").count(), 4)

    def test_if_empty_makes_nothing_more_and_says_where_the_demo_is(self):
        with allowed_here():
            run("--if-empty")
            out, _err = run("--if-empty")
        album = Album.objects.get()
        self.assertIn(album.display_code, out)
        self.assertIn(f"http://127.0.0.1:8000{album.get_link_url()}", out)
        self.assertIn("6 photos", out)
        self.assertIn("changepassword demo", out)
        self.assertEqual(Photo.objects.count(), 6)

    def test_if_empty_leaves_a_database_with_other_albums_alone(self):
        Album.objects.create(name="Real party", user=User.objects.create_user("host"))
        with allowed_here():
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
