"""The hosts' emails of what is new (photos.notifications.send_due): who gets
one, how often, what it says, its inline thumbnails, and that each goes once
even when the task runs twice or in two threads at once."""

import io
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection
from django.test import TestCase, TransactionTestCase, override_settings
from django.urls import reverse
from PIL import Image

from albums.models import Album, CoHost
from albums.tests.base import BaseTestCase, store_photo
from core import storage
from photos import notifications
from photos.models import (
    GuestEmail,
    HostEmailOptOut,
    Photo,
    SentEmail,
    TakedownRequest,
)
from photos.tasks import send_notifications
from photos.tests.helpers import remember_upload

SITE = "https://party.example"
# A Monday morning, UTC; the album was made then.
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def minutes(n):
    return T0 + timedelta(minutes=n)


def html_of(message):
    return next(
        content for content, mimetype in message.alternatives if mimetype == "text/html"
    )


def inline_images(message):
    """The inline image parts of a sent message: [(content id, bytes)]."""
    parsed = message.message()
    return [
        (part["Content-ID"], part.get_payload(decode=True))
        for part in parsed.walk()
        if part.get_content_maintype() == "image"
    ]


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")


@override_settings(SITE_URL=SITE, NOTIFY_DAILY_HOUR=9, NOTIFY_THUMBNAILS=6)
class HostEmailTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        User.objects.filter(pk=cls.alice.pk).update(first_name="Alice")
        cls.alice.refresh_from_db()
        cls.dave = User.objects.create_user("dave", "dave@example.org", "password")
        Album.objects.filter(pk=cls.album.pk).update(
            created_at=T0, notify=Album.NOTIFY_HOURLY, time_zone="UTC"
        )
        cls.album.refresh_from_db()

    def add(self, count, at, **fields):
        fields.setdefault("guest_name", "Maria")
        fields.setdefault("filename", f"IMG_{at.minute:02}.jpg")
        return [
            store_photo(
                self.album,
                color=(10 * i, 100, at.minute),
                created_at=at,
                sha256=uuid.uuid4().hex * 2,  # similar colours may make equal JPEGs
                **fields,
            )
            for i in range(count)
        ]

    def only_email(self):
        self.assertEqual(len(mail.outbox), 1, [m.subject for m in mail.outbox])
        return mail.outbox[0]

    def test_an_email_of_what_is_new_by_uploader(self):
        self.add(12, minutes(10))
        self.add(2, minutes(11), content_type="video/mp4", filename="clip.mp4")
        self.add(3, minutes(12), user=self.dave, guest_name="")
        self.add(1, minutes(13), hidden=True, guest_name="Dana")

        self.assertEqual(notifications.send_due(minutes(60))["digests"], 1)

        message = self.only_email()
        self.assertEqual(message.to, ["alice@example.org"])
        self.assertEqual(message.from_email, settings.DEFAULT_FROM_EMAIL)
        self.assertEqual(
            message.subject, "New in Alice's party: 16 photos and 2 videos"
        )
        text = message.body
        self.assertIn("Hello Alice,", text)
        self.assertIn(
            "New in Alice's party since today at 08:00: 16 photos and 2 videos.", text
        )
        # Most first; the hidden photo counts too (hosts see everything).
        lines = [line for line in text.splitlines() if line.startswith("- ")]
        self.assertEqual(
            lines,
            [
                "- Maria added 12 photos and 2 videos.",
                "- dave added 3 photos.",
                "- Dana added 1 photo.",
            ],
        )
        self.assertIn(f"{SITE}/a/{self.album.code}/\n", text)
        self.assertIn(f"{SITE}/a/{self.album.code}/settings/", text)
        self.assertIn("at most once an hour", text)
        html = html_of(message)
        self.assertIn("<strong>Maria</strong> added 12 photos and 2 videos.", html)
        self.assertIn(f'href="{SITE}/a/{self.album.code}/"', html)

    def test_thumbnails_are_inline_jpegs_the_html_shows(self):
        photos = self.add(8, minutes(10))
        notifications.send_due(minutes(60))
        message = self.only_email()
        images = inline_images(message)
        self.assertEqual(len(images), 6)  # NOTIFY_THUMBNAILS
        html = html_of(message)
        for content_id, data in images:
            self.assertEqual(Image.open(io.BytesIO(data)).format, "JPEG")
            self.assertIn(f'src="cid:{content_id.strip("<>")}"', html)
        self.assertIn("and 2 more", html)
        # The HTML and its images travel together (multipart/related).
        parsed = message.message()
        self.assertEqual(parsed.get_content_type(), "multipart/related")
        self.assertEqual(
            [part.get_content_type() for part in parsed.get_payload()][:1],
            ["multipart/alternative"],
        )
        # The newest photos are shown.
        shown = {content_id for content_id, _data in images}
        newest = sorted(photos, key=lambda photo: photo.pk)[-6:]
        self.assertEqual(shown, {f"<photo-{photo.pk}@partyshots>" for photo in newest})

    def test_a_missing_thumbnail_leaves_just_that_one_out(self):
        first, second = self.add(2, minutes(10))
        storage.delete([first.tlink])
        notifications.send_due(minutes(60))
        images = inline_images(self.only_email())
        self.assertEqual(
            [cid for cid, _ in images], [f"<photo-{second.pk}@partyshots>"]
        )

    def test_take_down_requests_come_first(self):
        (photo,) = self.add(1, minutes(5))
        notifications.send_due(minutes(60))  # the photo's email
        mail.outbox.clear()
        TakedownRequest.objects.create(
            photo=photo, reason="That's me, please", ip_hash="x", created_at=minutes(70)
        )
        self.add(2, minutes(71), guest_name="Sam")
        dismissed = TakedownRequest.objects.create(
            photo=photo, ip_hash="y", created_at=minutes(72), dismissed_at=minutes(73)
        )
        self.assertTrue(dismissed.dismissed_at)

        notifications.send_due(minutes(120))

        message = self.only_email()
        self.assertEqual(
            message.subject, "New in Alice's party: 1 take-down request, 2 photos"
        )
        text = message.body
        asked = text.index("A new take-down request waits for your answer")
        self.assertLess(asked, text.index("New in Alice's party"))
        self.assertIn(
            f'- {photo.filename}, asked today at 09:10: "That\'s me, please"', text
        )
        self.assertEqual(text.count(", asked "), 1)  # not the dismissed one
        # Its photo's thumbnail comes first.
        self.assertEqual(inline_images(message)[0][0], f"<photo-{photo.pk}@partyshots>")

    def test_only_take_down_requests(self):
        (photo,) = self.add(1, minutes(5))
        notifications.send_due(minutes(60))
        mail.outbox.clear()
        TakedownRequest.objects.create(photo=photo, ip_hash="x", created_at=minutes(70))
        notifications.send_due(minutes(120))
        message = self.only_email()
        self.assertEqual(message.subject, "New in Alice's party: 1 take-down request")
        self.assertNotIn("New in", message.body)

    def test_nothing_new_no_email_and_no_record(self):
        self.assertEqual(notifications.send_due(minutes(60))["digests"], 0)
        self.add(1, minutes(70))
        Photo.objects.update(deleted_at=minutes(75))  # in the trash: not new
        self.assertEqual(notifications.send_due(minutes(180))["digests"], 0)
        self.assertEqual(mail.outbox, [])
        self.assertFalse(SentEmail.objects.exists())

    def test_hourly_at_most_one_an_hour_each_from_where_the_last_stopped(self):
        self.add(2, minutes(10))
        notifications.send_due(minutes(60))  # 09:00
        self.add(1, minutes(61))
        notifications.send_due(minutes(65))  # 09:05: this hour's went
        notifications.send_due(minutes(119))
        self.assertEqual(len(mail.outbox), 1)
        record = SentEmail.objects.get()
        self.assertEqual(
            record.key, f"digest:{self.album.pk}:{self.alice.pk}:2026-03-02T09"
        )
        self.assertEqual(record.covered_until, minutes(60) - notifications.LATE_ROWS)
        self.assertIsNotNone(record.sent_at)

        notifications.send_due(minutes(125))  # 10:05: the photo of 09:01
        self.assertEqual(len(mail.outbox), 2)
        self.assertIn("since today at 08:58: 1 photo.", mail.outbox[1].body)
        notifications.send_due(minutes(185))  # 11:05: nothing new
        self.assertEqual(len(mail.outbox), 2)

    def test_a_row_committed_late_comes_in_the_next_email(self):
        # Its created_at is a minute before the run, its commit after it.
        notifications.send_due(minutes(60))
        self.add(1, minutes(30))
        notifications.send_due(minutes(61))
        self.add(1, minutes(60))
        notifications.send_due(minutes(125))
        self.assertEqual(len(mail.outbox), 2)
        self.assertIn(": 1 photo.", mail.outbox[1].body)

    def test_daily_after_the_hour_of_the_albums_time_zone(self):
        Album.objects.filter(pk=self.album.pk).update(
            notify=Album.NOTIFY_DAILY, time_zone="America/New_York"
        )
        self.add(3, minutes(10))  # 03:10 in New York
        # 08:59 in New York (13:59 UTC): not yet.
        notifications.send_due(datetime(2026, 3, 2, 13, 59, tzinfo=UTC))
        self.assertEqual(mail.outbox, [])
        # 09:00 there: the day's email.
        notifications.send_due(datetime(2026, 3, 2, 14, 0, tzinfo=UTC))
        message = self.only_email()
        self.assertIn("at most once a day", message.body)
        self.assertIn("since today at 03:00", message.body)
        self.assertEqual(
            SentEmail.objects.get().key,
            f"digest:{self.album.pk}:{self.alice.pk}:2026-03-02",
        )
        # More the same day: tomorrow's email.
        self.add(1, datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
        notifications.send_due(datetime(2026, 3, 3, 3, 0, tzinfo=UTC))  # 22:00 there
        self.assertEqual(len(mail.outbox), 1)
        notifications.send_due(datetime(2026, 3, 3, 13, 0, tzinfo=UTC))  # 08:00 there
        self.assertEqual(len(mail.outbox), 1)
        notifications.send_due(datetime(2026, 3, 3, 14, 5, tzinfo=UTC))  # 09:05 there
        self.assertEqual(len(mail.outbox), 2)
        self.assertIn("1 photo", mail.outbox[1].subject)

    def test_off_sends_nothing(self):
        Album.objects.filter(pk=self.album.pk).update(notify=Album.NOTIFY_OFF)
        self.add(2, minutes(10))
        notifications.send_due(minutes(60))
        self.assertEqual(mail.outbox, [])

    def test_trashed_album_sends_nothing(self):
        self.add(2, minutes(10))
        Album.objects.filter(pk=self.album.pk).update(deleted_at=minutes(20))
        notifications.send_due(minutes(60))
        self.assertEqual(mail.outbox, [])

    def test_co_hosts_from_when_they_joined_and_opt_outs(self):
        CoHost.objects.create(album=self.album, user=self.bob, created_at=minutes(30))
        self.add(2, minutes(10))
        self.add(1, minutes(40), guest_name="Sam")
        notifications.send_due(minutes(60))
        by_address = {message.to[0]: message for message in mail.outbox}
        self.assertEqual(set(by_address), {"alice@example.org", "bob@example.org"})
        self.assertIn("3 photos", by_address["alice@example.org"].subject)
        self.assertIn(
            "New in Alice's party: 1 photo", by_address["bob@example.org"].subject
        )
        self.assertIn("Hello bob,", by_address["bob@example.org"].body)

        mail.outbox.clear()
        HostEmailOptOut.objects.create(album=self.album, user=self.alice)
        self.add(1, minutes(70))
        notifications.send_due(minutes(125))
        self.assertEqual([message.to for message in mail.outbox], [["bob@example.org"]])

    def test_hosts_without_an_address_and_followers_get_none(self):
        User.objects.filter(pk=self.alice.pk).update(email="")
        self.add(2, minutes(10))  # charlie follows the album: no email either
        notifications.send_due(minutes(60))
        self.assertEqual(mail.outbox, [])

    def test_every_email_has_a_one_click_unsubscribe(self):
        self.add(1, minutes(10))
        notifications.send_due(minutes(60))
        message = self.only_email()
        token = notifications.host_unsubscribe_token(self.album, self.alice)
        url = f"{SITE}/unsubscribe/host/{token}/"
        self.assertEqual(message.extra_headers["List-Unsubscribe"], f"<{url}>")
        parsed = message.message()
        self.assertEqual(parsed["List-Unsubscribe"], f"<{url}>")
        self.assertEqual(parsed["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        self.assertEqual(parsed["Auto-Submitted"], "auto-generated")
        self.assertIn(url, message.body)
        self.assertIn(f'href="{url}"', html_of(message))

    def test_an_album_name_cant_break_the_subject_header(self):
        Album.objects.filter(pk=self.album.pk).update(
            name="Party\r\nBcc: x@example.org"
        )
        self.add(1, minutes(10))
        notifications.send_due(minutes(60))
        message = self.only_email()
        self.assertEqual(message.subject, "New in Party Bcc: x@example.org: 1 photo")
        parsed = message.message()
        self.assertIsNone(parsed["Bcc"])
        self.assertEqual(parsed["To"], "alice@example.org")

    @override_settings(EMAIL_BACKEND="photos.tests.test_notifications.FailingBackend")
    def test_a_failed_send_is_forgotten_and_tried_again(self):
        self.add(1, minutes(10))
        with self.assertLogs("photos.notifications", "ERROR"):
            self.assertEqual(notifications.send_due(minutes(60))["digests"], 0)
        self.assertFalse(SentEmail.objects.exists())
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
        ):
            self.assertEqual(notifications.send_due(minutes(61))["digests"], 1)
        self.assertEqual(len(mail.outbox), 1)

    def test_a_key_taken_by_another_run_is_skipped(self):
        self.add(1, minutes(10))
        key = notifications.period_key(self.album, self.alice, minutes(60))
        message = notifications.digest(
            self.album, self.alice, T0, minutes(58), minutes(60)
        )
        self.assertTrue(notifications.send_once(key, message, self.album, self.alice))
        self.assertFalse(notifications.send_once(key, message, self.album, self.alice))
        self.assertEqual(len(mail.outbox), 1)

    @override_settings(SITE_URL="")
    def test_without_site_url_links_point_at_the_development_server(self):
        self.add(1, minutes(10))
        with self.assertLogs("photos.notifications", "WARNING"):
            notifications.send_due(minutes(60))
        self.assertIn(
            f"http://127.0.0.1:8000/a/{self.album.code}/", self.only_email().body
        )


@override_settings(SITE_URL=SITE)
class GuestAddressGoesOnceSentTests(BaseTestCase):
    """A guest's address is kept for its one email: deleted once it went,
    its SentEmail record left as the record that it did."""

    ADDRESS = "dana@example.org"

    def setUp(self):
        self.kept = GuestEmail.objects.create(album=self.album, email=self.ADDRESS)

    def close_uploads(self):
        Album.objects.filter(pk=self.album.pk).update(uploads_open=False)
        self.album.refresh_from_db()

    def test_the_address_is_deleted_once_its_email_is_sent(self):
        self.assertEqual(notifications.send_guest_links(self.album), 0)  # not yet
        self.assertTrue(GuestEmail.objects.filter(pk=self.kept.pk).exists())
        self.close_uploads()
        self.assertEqual(notifications.send_guest_links(self.album), 1)
        self.assertEqual([m.to for m in mail.outbox], [[self.ADDRESS]])
        self.assertFalse(GuestEmail.objects.exists())
        record = SentEmail.objects.get()
        self.assertEqual(record.key, f"guest-link:{self.kept.pk}")
        self.assertIsNotNone(record.sent_at)
        self.assertNotIn(self.ADDRESS, str(SentEmail.objects.values()))
        # Nothing more goes.
        self.assertEqual(notifications.send_due()["guest_links"], 0)
        self.assertEqual(len(mail.outbox), 1)

    @override_settings(EMAIL_BACKEND="photos.tests.test_notifications.FailingBackend")
    def test_a_failed_send_keeps_it_for_the_next_run(self):
        self.close_uploads()
        with self.assertLogs("photos.notifications", "ERROR"):
            self.assertEqual(notifications.send_guest_links(self.album), 0)
        self.assertTrue(GuestEmail.objects.filter(pk=self.kept.pk).exists())
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
        ):
            self.assertEqual(notifications.send_guest_links(self.album), 1)
        self.assertFalse(GuestEmail.objects.exists())

    def test_a_run_that_stopped_after_sending_leaves_it_to_be_deleted(self):
        self.close_uploads()
        SentEmail.objects.create(
            key=f"guest-link:{self.kept.pk}", album=self.album, sent_at=T0
        )
        self.assertEqual(notifications.send_guest_links(self.album), 0)
        self.assertEqual(mail.outbox, [])
        self.assertFalse(GuestEmail.objects.exists())

    def test_a_send_under_way_in_another_run_keeps_it(self):
        self.close_uploads()
        SentEmail.objects.create(key=f"guest-link:{self.kept.pk}", album=self.album)
        self.assertEqual(notifications.send_guest_links(self.album), 0)
        self.assertTrue(GuestEmail.objects.filter(pk=self.kept.pk).exists())

    def test_the_same_address_given_again_later_gets_the_link_again_once(self):
        self.close_uploads()
        notifications.send_guest_links(self.album)
        self.assertEqual(len(mail.outbox), 1)
        remember_upload(self.client, store_photo(self.album, guest_name="Dana"))
        url = reverse("guest_email", args=[self.album.code])
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(url, {"email": "Dana@Example.org"})
        self.assertEqual([m.to for m in mail.outbox], [[self.ADDRESS]] * 2)
        self.assertFalse(GuestEmail.objects.exists())
        self.assertEqual(SentEmail.objects.count(), 2)
        notifications.send_due()
        self.assertEqual(len(mail.outbox), 2)


@override_settings(SITE_URL=SITE)
class TaskTests(TestCase):
    """The beat task, run twice (eagerly: no broker in tests)."""

    def test_the_task_twice_sends_once(self):
        alice = User.objects.create_user("alice", "alice@example.org")
        album = Album.objects.create(
            name="Party",
            user=alice,
            notify=Album.NOTIFY_HOURLY,
            created_at=datetime.now(UTC) - timedelta(hours=1),
        )
        store_photo(album, created_at=datetime.now(UTC) - timedelta(minutes=10))
        send_notifications.delay()
        send_notifications.delay()
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(SentEmail.objects.count(), 1)

    def test_the_command_for_cron_runs_everything_once(self):
        alice = User.objects.create_user("alice", "alice@example.org")
        album = Album.objects.create(
            name="Party",
            user=alice,
            notify=Album.NOTIFY_HOURLY,
            created_at=datetime.now(UTC) - timedelta(hours=1),
        )
        store_photo(album, created_at=datetime.now(UTC) - timedelta(minutes=10))
        out = io.StringIO()
        call_command("periodic_tasks", stdout=out)
        self.assertEqual(
            out.getvalue(),
            "1 email of what is new and 0 album links sent.\n"
            "0 albums and 0 photos purged from the trash.\n",
        )
        call_command("periodic_tasks", stdout=io.StringIO())
        self.assertEqual(len(mail.outbox), 1)

    def test_the_beat_schedule_names_the_task(self):
        entry = settings.CELERY_BEAT_SCHEDULE["send-notifications"]
        self.assertEqual(entry["task"], send_notifications.name)
        self.assertEqual(entry["schedule"], settings.NOTIFY_CHECK_MINUTES * 60)

    def test_the_procfile_runs_beat_beside_the_workers(self):
        procfile = (settings.BASE_DIR / "Procfile").read_text().splitlines()
        self.assertIn(
            "beat: celery -A partyshots beat --schedule /tmp/celerybeat-schedule",
            procfile,
        )
        self.assertTrue(any(line.startswith("worker: ") for line in procfile))


@override_settings(SITE_URL=SITE)
class TwoRunsAtOnceTests(TransactionTestCase):
    """Two runs at the same moment (two beat processes, beat and cron) on
    real PostgreSQL: one email."""

    def test_two_threads_send_one_email(self):
        if connection.vendor != "postgresql":
            pytest.skip("needs a database two threads can use at once")
        alice = User.objects.create_user("alice", "alice@example.org")
        album = Album.objects.create(
            name="Party", user=alice, notify=Album.NOTIFY_HOURLY, created_at=T0
        )
        store_photo(album, created_at=minutes(10))
        # Both runs get past every check before either claims the email.
        barrier = threading.Barrier(2, timeout=20)
        claim = notifications.send_once

        def send_once_together(*args, **kwargs):
            barrier.wait()
            return claim(*args, **kwargs)

        results, errors = [], []

        def run():
            try:
                results.append(notifications.send_due(minutes(60))["digests"])
            except Exception as error:  # reported below
                errors.append(error)
            finally:
                connection.close()

        with mock.patch.object(notifications, "send_once", send_once_together):
            threads = [threading.Thread(target=run) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
        self.assertEqual(errors, [])
        self.assertEqual(sorted(results), [0, 1])
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(SentEmail.objects.filter(sent_at__isnull=False).count(), 1)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_email_once(settings, tmp_path):
    """send_notifications through a Celery worker on Redis, twice: the
    worker's console backend prints one email."""
    from photos.tests.worker import celery_worker, enqueue_to

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "core.storage.local.LocalSignedStorage"},
    }
    settings.MEDIA_ROOT = str(tmp_path)
    alice = User.objects.create_user("alice", "alice@example.org")
    album = Album.objects.create(
        name="Worker party",
        user=alice,
        notify=Album.NOTIFY_HOURLY,
        created_at=datetime.now(UTC) - timedelta(hours=1),
    )
    store_photo(
        album, guest_name="Maria", created_at=datetime.now(UTC) - timedelta(minutes=10)
    )
    with celery_worker(tmp_path, {"SITE_URL": SITE}) as worker, enqueue_to(worker):
        send_notifications.delay()
        send_notifications.delay()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if (
                "Maria added 1 photo." in worker.log()
                and worker.log().count("succeeded") >= 2
            ):
                break
            time.sleep(0.2)
        log = worker.log()
    assert log.count("Subject: New in Worker party: 1 photo") == 1, log
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in log
    assert f"{SITE}/a/{album.code}/" in log
    record = SentEmail.objects.get()
    assert record.sent_at is not None
