"""Emails in the recipient's language (photos.notifications): the hosts'
email of what is new in the album's language (Album.language), the guest's
email with the album's link in the language they read the album in when
they left their address (GuestEmail.language), else the album's. Their
dates too: Django ships its month names translated, so "Dezember" shows
the German even before PartyShots' own German catalog does."""

import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from albums.models import Album
from albums.tests.base import BaseTestCase, store_photo
from photos import notifications
from photos.models import GuestEmail, TakedownRequest
from photos.tests.helpers import JSON, remember_upload

SITE = "https://party.example"
# The album was made on 1 December; the hosts' email goes five days later.
MADE = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
AJAX = {**JSON, "HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def html_of(message):
    return next(
        content for content, mimetype in message.alternatives if mimetype == "text/html"
    )


def languages_rendered():
    """A stand-in for notifications.render_to_string that records the
    language active while each email template is rendered."""
    seen = []

    def render(template_name, context=None, *args, **kwargs):
        seen.append((template_name, translation.get_language()))
        return render_to_string(template_name, context, *args, **kwargs)

    return seen, mock.patch.object(notifications, "render_to_string", render)


@override_settings(SITE_URL=SITE, NOTIFY_DAILY_HOUR=9)
class HostEmailLanguageTests(BaseTestCase):
    def set_album(self, **fields):
        Album.objects.filter(pk=self.album.pk).update(
            created_at=MADE, notify=Album.NOTIFY_HOURLY, time_zone="UTC", **fields
        )
        self.album.refresh_from_db()

    def add_news(self):
        (photo,) = [
            store_photo(
                self.album,
                guest_name="Maria",
                created_at=MADE + timedelta(days=2),
                sha256=uuid.uuid4().hex * 2,
            )
        ]
        TakedownRequest.objects.create(
            photo=photo,
            reason="That's me",
            ip_hash="x",
            created_at=NOW - timedelta(days=2),
        )

    def test_an_album_in_german_gets_its_hosts_email_in_german(self):
        self.set_album(language="de")
        self.add_news()
        seen, patch = languages_rendered()
        with patch, translation.override("en"):
            self.assertEqual(notifications.send_due(NOW)["digests"], 1)
            # The language of the run is back afterwards.
            self.assertEqual(translation.get_language(), "en")
        self.assertEqual(
            seen,
            [("emails/host_digest.txt", "de"), ("emails/host_digest.html", "de")],
        )
        (message,) = mail.outbox
        html = html_of(message)
        self.assertIn('<html lang="de">', html)
        # The words and dates in German: since the album was made (1 December),
        # when the take-down request came (4 December, 11:00).
        for body in (message.body, html):
            self.assertIn("Dezember", body)
            self.assertNotIn("December", body)
        self.assertIn(
            "Neu in Alice's party seit 1. Dezember um 08:00 Uhr", message.body
        )
        self.assertIn("angefragt am 4. Dezember um 11:00 Uhr", message.body)
        self.assertIn("Maria: 1 Foto hinzugefügt.", message.body)

    def test_an_album_in_english_stays_in_english(self):
        self.set_album(language="en")
        self.add_news()
        with translation.override("de"):  # whatever the run's language
            notifications.send_due(NOW)
        (message,) = mail.outbox
        self.assertIn('<html lang="en">', html_of(message))
        self.assertIn("since 1 December at 08:00: 1 photo.", message.body)
        self.assertIn("asked on 4 December at 11:00", message.body)
        self.assertEqual(
            message.subject, "New in Alice's party: 1 take-down request, 1 photo"
        )

    def test_an_album_without_a_language_gets_the_sites(self):
        self.set_album(language="")
        self.add_news()
        with translation.override("de"):
            notifications.send_due(NOW)
        (message,) = mail.outbox
        self.assertIn(f'<html lang="{settings.LANGUAGE_CODE}">', html_of(message))


@override_settings(SITE_URL=SITE)
class GuestEmailLanguageTests(BaseTestCase):
    def close_uploads(self):
        Album.objects.filter(pk=self.album.pk).update(uploads_open=False)
        self.album.refresh_from_db()

    def leave_address(self, **headers):
        photo = store_photo(self.album, guest_name="Dana", sha256=uuid.uuid4().hex * 2)
        remember_upload(self.client, photo)
        response = self.client.post(
            reverse("guest_email", args=[self.album.code]),
            {"email": "dana@example.org"},
            **AJAX,
            **headers,
        )
        self.assertEqual(response.status_code, 200)
        return GuestEmail.objects.get()

    def send(self):
        seen, patch = languages_rendered()
        with patch, translation.override("en"):
            self.assertEqual(notifications.send_guest_links(self.album), 1)
        (message,) = mail.outbox
        return message, seen

    def test_the_language_the_guest_read_the_album_in_is_kept(self):
        kept = self.leave_address(HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5")
        self.assertEqual(kept.language, "de")
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
        GuestEmail.objects.all().delete()
        kept = self.leave_address(HTTP_ACCEPT_LANGUAGE="de")
        self.assertEqual(kept.language, "fr")  # their choice on the page

    def test_the_album_s_language_for_a_guest_who_asked_for_none(self):
        Album.objects.filter(pk=self.album.pk).update(language="it")
        kept = self.leave_address(HTTP_ACCEPT_LANGUAGE="")
        self.assertEqual(kept.language, "it")

    def test_the_guest_s_link_email_is_in_their_language(self):
        self.leave_address(HTTP_ACCEPT_LANGUAGE="de")
        self.close_uploads()
        message, seen = self.send()
        self.assertEqual(
            seen, [("emails/guest_link.txt", "de"), ("emails/guest_link.html", "de")]
        )
        self.assertIn('<html lang="de">', html_of(message))
        self.assertEqual(message.to, ["dana@example.org"])

    def test_an_address_without_a_language_gets_the_album_s(self):
        Album.objects.filter(pk=self.album.pk).update(language="es")
        GuestEmail.objects.create(album=self.album, email="sam@example.org")
        self.close_uploads()
        message, seen = self.send()
        self.assertEqual({language for _, language in seen}, {"es"})
        self.assertIn('<html lang="es">', html_of(message))

    def test_in_english_the_email_is_unchanged(self):
        GuestEmail.objects.create(
            album=self.album, email="sam@example.org", language="en"
        )
        self.close_uploads()
        message, _ = self.send()
        self.assertEqual(message.subject, "Everyone's photos of Alice's party")
        self.assertIn("Uploads to Alice's party have closed", message.body)
        self.assertIn('<html lang="en">', html_of(message))
