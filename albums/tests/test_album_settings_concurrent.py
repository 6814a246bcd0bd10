"""A settings save that races another change to the album (a new code, the
trash, Reveal now, a new cover): the save writes only the settings its post
changes, on the row as it is now, so the other change stays."""

from unittest import mock

from django.contrib.auth.models import User
from django.utils import timezone

from albums import views
from albums.models import Album, CoHost
from albums.tests.base import AlbumTestCase, store_photo


class SettingsSaveRaceTests(AlbumTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dana = User.objects.create_user("dana", "dana@example.org", "password")
        CoHost.objects.create(album=cls.album, user=cls.dana)

    def setUp(self):
        super().setUp()
        self.url = f"/a/{self.album.code}/settings/"
        self.client.force_login(self.dana)

    def meanwhile(self, change):
        """The settings view reads the album, then `change(pk)` changes its
        row (another request's doing) before the save."""
        read = views.get_album_for_host_or_404

        def read_then_change(request, code):
            album = read(request, code)
            change(album.pk)
            return album

        return mock.patch.object(
            views, "get_album_for_host_or_404", side_effect=read_then_change
        )

    def post(self, **changes):
        data = {
            "name": "Alice's party",
            "host_name": "",
            "mode": Album.SEE_ALL,
            "reveal_at": "",
            "uploads_open": "on",
            "guest_uploads": "on",
            "uploads_from": "",
            "uploads_until": "",
            "notify": Album.NOTIFY_DAILY,
        }
        data.update(changes)
        return self.client.post(self.url, data)

    def test_a_new_code_meanwhile_stays(self):
        old = Album.objects.get(pk=self.album.pk)

        def new_code(pk):
            Album.objects.get(pk=pk).new_code()

        with self.meanwhile(new_code):
            response = self.post(name="Renamed")
        album = Album.objects.get(pk=self.album.pk)
        self.assertNotEqual(album.code, old.code)
        self.assertNotEqual(album.link_token, old.link_token)
        self.assertNotEqual(album.slideshow_token, old.slideshow_token)
        self.assertEqual(album.name, "Renamed")
        # Back to the settings under the code the album has now.
        self.assertRedirects(
            response, f"/a/{album.code}/settings/", fetch_redirect_response=False
        )
        page = self.client.get(response.url)
        self.assertContains(page, "Settings saved.")

    def test_the_trash_meanwhile_stays_and_nothing_is_saved(self):
        def trash(pk):
            Album.objects.get(pk=pk).trash()

        with self.meanwhile(trash):
            response = self.post(name="Renamed", uploads_open="")
        self.assertContains(response, "No album with that code.", status_code=404)
        album = Album.all_objects.get(pk=self.album.pk)
        self.assertIsNotNone(album.deleted_at)
        self.assertEqual(album.name, "Alice's party")
        self.assertTrue(album.uploads_open)

    def test_reveal_now_meanwhile_stays(self):
        Album.objects.filter(pk=self.album.pk).update(mode=Album.DROP_BOX)
        revealed_at = timezone.now()

        def reveal(pk):
            Album.objects.filter(pk=pk).update(reveal_at=revealed_at)

        with self.meanwhile(reveal):
            response = self.post(mode=Album.DROP_BOX, host_name="Alice and Dana")
        self.assertRedirects(response, self.url)
        album = Album.objects.get(pk=self.album.pk)
        self.assertEqual(album.reveal_at, revealed_at)
        self.assertEqual(album.host_name, "Alice and Dana")
        self.assertFalse(album.photos_hidden())

    def test_a_new_cover_meanwhile_stays(self):
        first = store_photo(self.album, self.alice)
        second = store_photo(self.album, self.alice, color=(10, 120, 200))
        Album.objects.filter(pk=self.album.pk).update(thumbnail=first)

        def new_cover(pk):
            Album.objects.filter(pk=pk).update(thumbnail=second)

        with self.meanwhile(new_cover):
            self.post(notify=Album.NOTIFY_HOURLY)
        album = Album.objects.get(pk=self.album.pk)
        self.assertEqual(album.thumbnail_id, second.pk)
        self.assertEqual(album.notify, Album.NOTIFY_HOURLY)

    def test_only_what_the_post_changes_is_written(self):
        def other_host_saves(pk):
            Album.objects.filter(pk=pk).update(
                keep_location=True, notify=Album.NOTIFY_OFF
            )

        with self.meanwhile(other_host_saves):
            self.post(name="Renamed")
        album = Album.objects.get(pk=self.album.pk)
        self.assertEqual(album.name, "Renamed")
        # The other host's settings, which this post didn't change, stay.
        self.assertTrue(album.keep_location)
        self.assertEqual(album.notify, Album.NOTIFY_OFF)
