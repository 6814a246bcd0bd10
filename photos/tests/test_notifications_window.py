"""The hosts' emails look only at albums with something new in the last
ACTIVITY_WINDOW (photos.notifications.send_digests): an old album costs a
run nothing, and what no email covered comes with the album's next news."""

import uuid
from datetime import UTC, datetime, timedelta

from django.core import mail
from django.test import override_settings

from albums.models import Album
from albums.tests.base import BaseTestCase, store_photo
from photos import notifications
from photos.models import TakedownRequest

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
LATER = T0 + notifications.ACTIVITY_WINDOW + timedelta(hours=1)


@override_settings(SITE_URL="https://party.example")
class ActivityWindowTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Album.objects.filter(pk=cls.album.pk).update(
            created_at=T0, notify=Album.NOTIFY_HOURLY, time_zone="UTC"
        )

    def add(self, at, **fields):
        return store_photo(
            self.album,
            guest_name="Maria",
            created_at=at,
            sha256=uuid.uuid4().hex * 2,
            **fields,
        )

    def test_an_album_with_nothing_recent_is_not_looked_at(self):
        photo = self.add(T0 + timedelta(minutes=10))
        TakedownRequest.objects.create(photo=photo, ip_hash="x", created_at=T0)
        # Two aggregates over the recent rows, which find nothing: no album
        # is loaded.
        with self.assertNumQueries(2):
            self.assertEqual(notifications.send_digests(LATER), 0)
        self.assertEqual(mail.outbox, [])

    def test_what_no_email_covered_comes_with_the_next_news(self):
        self.add(T0 + timedelta(minutes=10))
        self.assertEqual(notifications.send_digests(LATER), 0)
        self.add(LATER - timedelta(minutes=30), content_type="video/mp4")
        self.assertEqual(notifications.send_digests(LATER), 1)
        (message,) = mail.outbox
        self.assertEqual(message.subject, "New in Alice's party: 1 photo and 1 video")

    def test_a_recent_take_down_request_alone_is_news(self):
        photo = self.add(T0 + timedelta(minutes=10))
        TakedownRequest.objects.create(
            photo=photo, ip_hash="x", created_at=LATER - timedelta(minutes=30)
        )
        self.assertEqual(notifications.send_digests(LATER), 1)
        (message,) = mail.outbox
        self.assertIn("1 take-down request", message.subject)
