"""Shared set-up for the trash's tests (photos.trash): an album of alice's
with a co-host (eve), photos of dave's (an account), a guest's and the
host's own, with a description on one."""

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from albums.models import CoHost
from albums.tests.base import AlbumTestCase, make_image_bytes, store_photo
from photos.models import Photo, Tag
from photos.tests.helpers import remember_upload


class TrashTestCase(AlbumTestCase):
    """alice owns self.album (cover: self.cover, hers), eve co-hosts it, dave
    added self.daves (described "Cake!"), and the test client is the guest
    browser that added self.guests. bob is a stranger, charlie a follower,
    staff is staff."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dave = User.objects.create_user("dave", "dave@example.org", "password")
        cls.eve = User.objects.create_user("eve", "eve@example.org", "password")
        CoHost.objects.create(album=cls.album, user=cls.eve)

    def setUp(self):
        super().setUp()
        now = timezone.now()
        self.cover = store_photo(
            self.album,
            user=self.alice,
            color=(10, 10, 10),
            filename="cover.jpg",
            taken_at=now - timezone.timedelta(hours=3),
        )
        self.daves = store_photo(
            self.album,
            user=self.dave,
            color=(20, 20, 20),
            filename="daves.jpg",
            taken_at=now - timezone.timedelta(hours=2),
        )
        Tag.objects.create(photo=self.daves, key=Tag.DESCRIPTION, value="Cake!")
        self.guests = store_photo(
            self.album,
            color=(30, 30, 30),
            filename="guests.jpg",
            guest_name="Dana",
            taken_at=now - timezone.timedelta(hours=1),
        )
        remember_upload(self.client, self.guests)
        self.album.thumbnail = self.cover
        self.album.save(update_fields=["thumbnail"])

    def trash(self, *photos):
        from photos import trash

        trash.trash_photos(Photo.objects.filter(pk__in=[p.pk for p in photos]))
        for photo in photos:
            photo.refresh_from_db()

    def restore_url(self, photo):
        return reverse("album_trash_restore", args=[self.album.code, photo.pk])

    def delete_now_url(self, photo):
        return reverse("album_trash_delete", args=[self.album.code, photo.pk])

    @property
    def trash_url(self):
        return reverse("album_trash", args=[self.album.code])

    def client_of(self, user):
        """A new test client, logged in as `user` (None: a new guest)."""
        client = self.client_class()
        if user is not None:
            client.force_login(user)
        return client


def image(number):
    return make_image_bytes(color=(number, 200, 100))
