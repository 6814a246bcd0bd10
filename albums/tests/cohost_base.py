"""Shared set-up for the co-host tests: alice owns the album (BaseTestCase),
dana co-hosts it, erin has an account and nothing to do with it."""

from django.contrib.auth.models import User
from django.urls import reverse

from albums.models import CoHost
from albums.tests.base import AlbumTestCase

NO_ALBUM = "No album with that code."


class CoHostTestCase(AlbumTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dana = User.objects.create_user(
            "dana", "dana@example.org", "password", first_name="Dana"
        )
        cls.erin = User.objects.create_user("erin", "erin@example.org", "password")
        cls.cohost = CoHost.objects.create(album=cls.album, user=cls.dana)

    def url(self, name, *args):
        return reverse(name, args=[self.album.code, *args])

    def assertNoAlbum(self, response):
        """The answer an unknown code gets: what a stranger sees."""
        self.assertContains(response, NO_ALBUM, status_code=404)
