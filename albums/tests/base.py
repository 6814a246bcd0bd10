"""Shared test users, an album and helpers to store real image bytes."""

import hashlib
import io
import re
import uuid

from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import TestCase
from django.utils import timezone
from PIL import Image

from albums.models import Album, Subs
from core import storage
from photos.models import Photo


def same_page(content):
    """A page's HTML without what differs on every render or with the address
    (CSRF tokens, the language switcher's way back), to compare two answers."""
    html = content.decode() if isinstance(content, bytes) else content
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "csrf", html)
    return re.sub(r'name="next" value="[^"]*"', "next", html)


def make_image_bytes(
    width=64, height=48, format="JPEG", color=(200, 80, 40), exif=None
):
    """A real image, made in memory. Different colors give different bytes."""
    buf = io.BytesIO()
    params = {"exif": exif} if exif is not None else {}
    Image.new("RGB", (width, height), color).save(buf, format=format, **params)
    return buf.getvalue()


def stored_keys(prefix=""):
    """Every key in the default storage (moto's S3 in tests, or the local folder)."""
    return sorted(key for key, _modified in storage.list_objects(prefix))


def store_photo(album, user=None, color=(200, 80, 40), filename="photo.jpg", **fields):
    """A photo row with its original and renditions really stored.

    Quick and independent of the upload pipeline, for tests about something
    else; the pipeline's own tests go through the upload view."""
    data = make_image_bytes(color=color)
    stem = f"albums/{album.pk}/{uuid.uuid4().hex}"
    keys = {
        "link": f"{stem}.jpg",
        "tlink": f"{stem}_thumb.jpg",
        "display_link": f"{stem}_display.jpg",
    }
    for key in keys.values():
        storage.save(key, data, "image/jpeg")
    now = timezone.now()
    values = dict(
        album=album,
        user=user,
        filename=filename,
        content_type="image/jpeg",
        size=len(data),
        width=64,
        height=48,
        taken_at=now,
        created_at=now,
        sha256=hashlib.sha256(data).hexdigest(),
        **keys,
    )
    values.update(fields)
    return Photo.objects.create(**values)


class BaseTestCase(TestCase):
    """alice owns an album, bob is a stranger, charlie follows it, and staff is staff."""

    @classmethod
    def setUpTestData(cls):
        cls.alice = User.objects.create_user("alice", "alice@example.org", "password")
        cls.bob = User.objects.create_user("bob", "bob@example.org", "password")
        cls.charlie = User.objects.create_user(
            "charlie", "charlie@example.org", "password"
        )
        cls.staff = User.objects.create_user(
            "staff", "staff@example.org", "password", is_staff=True
        )
        cls.album = Album.objects.create(name="Alice's party", user=cls.alice)
        Subs.objects.create(album=cls.album, user=cls.charlie)

    def login_as(self, user):
        """Log `user` in, or log out for None (an anonymous visitor)."""
        if user:
            self.client.force_login(user)
        else:
            self.client.logout()


class TwoAlbumsTestCase(BaseTestCase):
    """BaseTestCase, and bob's own album (other_album): for what must not reach
    from one album into another."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.other_album = Album.objects.create(name="Bob's trip", user=cls.bob)


def bulk_photos(album, count, user=None, **fields):
    """`count` photo rows in one query, with no storage objects behind them:
    enough for pages that only list photos (their URLs are merely signed)."""
    now = timezone.now()
    photos = []
    for i in range(count):
        stem = f"albums/{album.pk}/{uuid.uuid4().hex}"
        values = dict(
            album=album,
            user=user,
            filename=f"IMG_{i:04}.jpg",
            content_type="image/jpeg",
            size=1000,
            width=640,
            height=480,
            taken_at=now - timezone.timedelta(minutes=i),
            created_at=now,
            sha256=hashlib.sha256(stem.encode()).hexdigest(),
            link=f"{stem}.jpg",
            tlink=f"{stem}_thumb.jpg",
            display_link=f"{stem}_display.jpg",
        )
        values.update(fields)
        photos.append(Photo(**values))
    return Photo.objects.bulk_create(photos)


class AlbumTestCase(BaseTestCase):
    """BaseTestCase with the lookup rate limit's counters reset before each test."""

    def setUp(self):
        super().setUp()
        cache.clear()
