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
        self.assertEqual(len(stored_keys(f"albums/{album.pk}/")), 24)
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


def terminal_qr(url):
    """The QR code as segno draws it for a terminal, one line of text a pair
    of module rows: what --qr must print."""
    import io

    import segno

    buffer = io.StringIO()
    segno.make(url, error="m").terminal(out=buffer, compact=True, border=2)
    return buffer.getvalue()


class DemoAlbumAddressTests(TestCase):
    """./dev serve says where it serves (--site-url) and, with --lan, prints
    a QR code a phone's camera opens (--qr)."""

    def test_site_url_is_the_base_of_the_printed_link(self):
        with allowed_here():
            out, _err = run("--if-empty", "--site-url", "http://192.168.1.20:8100/")
            again, _err = run("--if-empty", "--site-url", "http://127.0.0.1:8100")
        album = Album.objects.get()
        self.assertIn(f"Open: http://192.168.1.20:8100{album.get_link_url()}\n", out)
        self.assertIn(f"Open: http://127.0.0.1:8100{album.get_link_url()}\n", again)

    @override_settings(SITE_URL="http://10.0.0.5:9000")
    def test_site_url_setting_is_the_default(self):
        with allowed_here():
            out, _err = run("--if-empty")
        album = Album.objects.get()
        self.assertIn(f"Open: http://10.0.0.5:9000{album.get_link_url()}\n", out)

    def test_qr_prints_the_demo_albums_link_as_a_qr_code(self):
        with allowed_here():
            out, _err = run(
                "--if-empty", "--site-url", "http://192.168.1.20:8100", "--qr"
            )
        link = f"http://192.168.1.20:8100{Album.objects.get().get_link_url()}"
        self.assertIn(f"Scan with your phone's camera to open {link}\n", out)
        self.assertIn(terminal_qr(link), out)
        self.assertNotIn("\x1b[", out)  # no colours when not on a terminal

    def test_qr_without_a_demo_album_is_the_sites(self):
        Album.objects.create(name="Real party", user=User.objects.create_user("host"))
        with allowed_here():
            out, _err = run(
                "--if-empty", "--site-url", "http://192.168.1.20:8100", "--qr"
            )
        self.assertIn(terminal_qr("http://192.168.1.20:8100/"), out)
        # And where no demo may be made at all (DEBUG off here), the same.
        out, err = run("--if-empty", "--site-url", "http://192.168.1.20:8100", "--qr")
        self.assertIn("No demo album", err)
        self.assertIn(terminal_qr("http://192.168.1.20:8100/"), out)

    def test_on_a_terminal_the_qr_code_is_white_on_black_whatever_the_theme(self):
        class Terminal(StringIO):
            def isatty(self):
                return True

        out = Terminal()
        with allowed_here():
            call_command(
                "demo_album",
                "--site-url",
                "http://192.168.1.20:8100",
                "--qr",
                stdout=out,
            )
        link = f"http://192.168.1.20:8100{Album.objects.get().get_link_url()}"
        lines = [
            line
            for line in out.getvalue().splitlines()
            if line.startswith("\x1b[97;40m")
        ]
        self.assertEqual(
            [
                line.removeprefix("\x1b[97;40m").removesuffix("\x1b[0m")
                for line in lines
            ],
            terminal_qr(link).splitlines(),
        )
