"""Reveal now (albums.modes.album_reveal): a drop box's hosts show everyone
every photo at once. GET says what it shows and asks; POST reveals, sends
guest_links_due inside the transaction, and says "Revealed"."""

import datetime

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils import timezone

from albums.models import Album, CoHost
from albums.signals import guest_links_due
from albums.tests.base import AlbumTestCase, bulk_photos

NO_ALBUM = "No album with that code."


class RevealTestCase(AlbumTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dana = User.objects.create_user("dana", "dana@example.org", "password")
        CoHost.objects.create(album=cls.album, user=cls.dana)

    def setUp(self):
        super().setUp()
        self.url = f"/a/{self.album.code}/reveal/"
        self.planned = timezone.now() + datetime.timedelta(days=3)
        Album.objects.filter(pk=self.album.pk).update(
            mode=Album.DROP_BOX, reveal_at=self.planned
        )
        self.guests_photos = bulk_photos(self.album, 5, user=self.bob)
        bulk_photos(self.album, 2, user=self.bob, content_type="video/mp4")
        bulk_photos(self.album, 1, user=self.bob, hidden=True)
        self.sent = []
        guest_links_due.connect(self.receive)
        self.addCleanup(guest_links_due.disconnect, self.receive)

    def receive(self, sender, album, **kwargs):
        # Inside the transaction that reveals: receivers act on commit.
        self.sent.append((sender, album.pk, connection.in_atomic_block))

    def saved(self):
        return Album.objects.get(pk=self.album.pk)


class RevealNowTests(RevealTestCase):
    def test_get_says_what_it_shows_and_changes_nothing(self):
        self.client.force_login(self.alice)
        response = self.client.get(self.url)
        self.assertContains(response, "<h1>Reveal the photos now?</h1>", html=True)
        self.assertContains(
            response, "Everyone with the code will see all 5 photos and 2 videos"
        )
        self.assertContains(response, "Guests who left their email get the album")
        self.assertContains(response, '<time datetime="')
        self.assertEqual(self.saved().reveal_at, self.planned)
        self.assertEqual(self.sent, [])

    def test_post_reveals_and_sends_the_guests_links(self):
        self.client.force_login(self.alice)
        before = timezone.now()
        response = self.client.post(self.url)
        self.assertRedirects(
            response, self.album.get_absolute_url(), fetch_redirect_response=False
        )
        album = self.saved()
        self.assertTrue(before <= album.reveal_at <= timezone.now())
        self.assertEqual(album.mode, Album.DROP_BOX)
        self.assertFalse(album.photos_hidden())
        # In the test's own transaction, the view's atomic block is a savepoint:
        # still inside one.
        self.assertEqual(self.sent, [(Album, self.album.pk, True)])
        page = self.client.get(response.url)
        self.assertContains(
            page, "Revealed: everyone with the code now sees all 5 photos and 2 videos."
        )
        self.assertNotContains(page, "Drop box:")
        # A guest now sees everyone's photos, not the hidden one.
        guest = Client()
        shown = guest.get(self.album.get_absolute_url()).context["page"].paginator.count
        self.assertEqual(shown, 7)

    def test_cohost_and_staff_may_reveal(self):
        for user in (self.dana, self.staff):
            with self.subTest(user=user.username):
                Album.objects.filter(pk=self.album.pk).update(reveal_at=self.planned)
                self.client.force_login(user)
                self.assertEqual(self.client.get(self.url).status_code, 200)
                self.assertEqual(self.client.post(self.url).status_code, 302)
                self.assertLess(self.saved().reveal_at, self.planned)

    def test_others_get_the_same_404_as_an_unknown_code(self):
        for user in (None, self.bob, self.charlie):
            with self.subTest(user=user):
                self.login_as(user)
                self.assertContains(
                    self.client.get(self.url), NO_ALBUM, status_code=404
                )
                self.assertContains(
                    self.client.post(self.url), NO_ALBUM, status_code=404
                )
        self.assertEqual(self.saved().reveal_at, self.planned)
        self.assertEqual(self.sent, [])

    def test_nothing_to_reveal(self):
        self.client.force_login(self.alice)
        for mode, reveal_at in (
            (Album.SEE_ALL, None),
            (Album.DROP_BOX, timezone.now() - datetime.timedelta(hours=1)),
        ):
            with self.subTest(mode=mode):
                Album.objects.filter(pk=self.album.pk).update(
                    mode=mode, reveal_at=reveal_at
                )
                self.assertContains(self.client.get(self.url), "Nothing to reveal")
                response = self.client.post(self.url, follow=True)
                self.assertContains(
                    response, "Nothing to reveal: everyone with the code"
                )
                self.assertEqual(self.saved().reveal_at, reveal_at)
        self.assertEqual(self.sent, [])

    def test_a_drop_box_without_a_date(self):
        Album.objects.filter(pk=self.album.pk).update(reveal_at=None)
        self.client.force_login(self.alice)
        self.assertNotContains(self.client.get(self.url), "as planned")
        self.client.post(self.url)
        self.assertIsNotNone(self.saved().reveal_at)
        self.assertEqual(len(self.sent), 1)

    def test_one_photo_and_none(self):
        self.client.force_login(self.alice)
        self.album.photos.exclude(pk=self.guests_photos[0].pk).delete()
        self.assertContains(
            self.client.get(self.url), "Everyone with the code will see the only photo"
        )
        self.album.photos.all().delete()
        self.assertContains(
            self.client.get(self.url),
            "Everyone with the code will see every photo and video as it is added",
        )

    def test_the_reveal_passing_by_itself(self):
        """No button: a reveal date that passes shows everyone the photos."""
        guest = Client()
        self.assertEqual(
            guest.get(self.album.get_absolute_url()).context["page"].paginator.count, 0
        )
        Album.objects.filter(pk=self.album.pk).update(
            reveal_at=timezone.now() - datetime.timedelta(seconds=1)
        )
        self.assertEqual(
            guest.get(self.album.get_absolute_url()).context["page"].paginator.count, 7
        )
