"""Unsubscribing: the one-click links of both kinds of email (RFC 8058: a
POST without a session or CSRF token), their confirmation pages, and a
host's emails turned off and on again from the album's settings."""

from datetime import UTC, datetime, timedelta

from django.core import mail, signing
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from albums.models import Album, CoHost
from albums.tests.base import BaseTestCase, store_photo
from photos import notifications
from photos.models import GuestEmail, HostEmailOptOut

SITE = "https://party.example"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


class GuestUnsubscribeTests(BaseTestCase):
    def setUp(self):
        self.kept = GuestEmail.objects.create(
            album=self.album, email="dana@example.org"
        )
        self.url = reverse("unsubscribe_guest", args=[self.kept.token])
        # As a mail provider posts: no cookies, CSRF checks on.
        self.provider = Client(enforce_csrf_checks=True)

    def test_the_page_asks_first(self):
        response = self.client.get(self.url)
        self.assertContains(response, "Remove your address from Alice&#x27;s party?")
        self.assertContains(response, "You'll get no email with the album")
        self.assertContains(
            response,
            '<button type="submit" class="button">Unsubscribe</button>',
            html=True,
        )
        self.assertNotContains(response, "dana@example.org")
        self.assertTrue(GuestEmail.objects.filter(pk=self.kept.pk).exists())

    def test_one_click_post_removes_the_address(self):
        response = self.provider.post(self.url, {"List-Unsubscribe": "One-Click"})
        self.assertContains(
            response, "Your address is removed from Alice&#x27;s party."
        )
        self.assertFalse(GuestEmail.objects.exists())
        # Again: still fine (a provider may retry); the page now says so.
        self.assertEqual(self.provider.post(self.url).status_code, 200)
        response = self.client.get(self.url)
        self.assertContains(response, "Nothing to unsubscribe", status_code=404)

    def test_the_button_on_the_page(self):
        response = self.client.post(self.url)
        self.assertContains(response, "Unsubscribed")
        self.assertFalse(GuestEmail.objects.exists())

    def test_after_the_link_went(self):
        GuestEmail.objects.filter(pk=self.kept.pk).update(sent_at=timezone.now())
        response = self.client.get(self.url)
        self.assertContains(response, "You got the album's link already")

    def test_unknown_tokens_remove_nothing(self):
        other = reverse("unsubscribe_guest", args=["x" * 32])
        self.assertContains(
            self.client.get(other), "Nothing to unsubscribe", status_code=404
        )
        self.assertEqual(self.provider.post(other).status_code, 200)
        self.assertTrue(GuestEmail.objects.exists())

    def test_only_get_head_and_post(self):
        self.assertEqual(self.client.head(self.url).status_code, 200)
        self.assertEqual(self.client.put(self.url).status_code, 405)
        self.assertEqual(self.client.delete(self.url).status_code, 405)
        self.assertTrue(GuestEmail.objects.exists())

    @override_settings(SITE_URL=SITE)
    def test_the_emails_own_link_unsubscribes(self):
        Album.objects.filter(pk=self.album.pk).update(uploads_open=False)
        self.album.refresh_from_db()
        notifications.send_guest_links(self.album)
        (message,) = mail.outbox
        header = message.message()["List-Unsubscribe"].strip()
        url = header.removeprefix(f"<{SITE}").removesuffix(">")
        self.assertEqual(url, self.url)
        self.assertEqual(self.provider.post(url).status_code, 200)
        self.assertFalse(GuestEmail.objects.exists())

    @override_settings(SITE_URL=SITE)
    def test_once_the_link_went_its_unsubscribe_says_the_address_is_gone(self):
        Album.objects.filter(pk=self.album.pk).update(uploads_open=False)
        self.album.refresh_from_db()
        self.assertEqual(notifications.send_guest_links(self.album), 1)
        self.assertFalse(GuestEmail.objects.exists())  # deleted once sent
        response = self.client.get(self.url)
        self.assertContains(response, "Nothing to unsubscribe", status_code=404)
        self.assertContains(
            response,
            "Your address is gone already: it is deleted once the album's link is "
            "sent to it, or when you unsubscribe. You'll get no more emails about "
            "this album.",
            status_code=404,
        )
        self.assertEqual(self.client.head(self.url).status_code, 404)
        # The mail provider's one-click POST: fine, and nothing to remove.
        response = self.provider.post(self.url, {"List-Unsubscribe": "One-Click"})
        self.assertContains(response, "Your address is removed.")
        # Another guest's address is untouched by it.
        other = GuestEmail.objects.create(album=self.album, email="sam@example.org")
        self.provider.post(self.url)
        self.assertTrue(GuestEmail.objects.filter(pk=other.pk).exists())


@override_settings(SITE_URL=SITE)
class HostUnsubscribeTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Album.objects.filter(pk=cls.album.pk).update(
            created_at=T0, notify=Album.NOTIFY_HOURLY
        )
        cls.album.refresh_from_db()

    def setUp(self):
        self.token = notifications.host_unsubscribe_token(self.album, self.alice)
        self.url = reverse("unsubscribe_host", args=[self.token])
        self.provider = Client(enforce_csrf_checks=True)

    def test_the_page_asks_first(self):
        response = self.client.get(self.url)
        self.assertContains(
            response, "Stop the emails of what is new in Alice&#x27;s party?"
        )
        self.assertFalse(HostEmailOptOut.objects.exists())

    def test_one_click_post_opts_out_and_no_more_emails_come(self):
        response = self.provider.post(self.url, {"List-Unsubscribe": "One-Click"})
        self.assertContains(
            response,
            "You no longer get the emails of what is new in Alice&#x27;s party.",
        )
        self.assertContains(
            response, f'href="{reverse("album_settings", args=[self.album.code])}"'
        )
        self.assertEqual(
            list(HostEmailOptOut.objects.values_list("album", "user")),
            [(self.album.pk, self.alice.pk)],
        )
        self.assertEqual(self.provider.post(self.url).status_code, 200)  # again
        self.assertEqual(HostEmailOptOut.objects.count(), 1)
        self.assertContains(self.client.get(self.url), "Unsubscribed")

        store_photo(self.album, created_at=T0 + timedelta(minutes=10))
        notifications.send_due(T0 + timedelta(hours=1))
        self.assertEqual(mail.outbox, [])

    def test_the_emails_own_link_unsubscribes(self):
        store_photo(self.album, created_at=T0 + timedelta(minutes=10))
        notifications.send_due(T0 + timedelta(hours=1))
        (message,) = mail.outbox
        header = message.message()["List-Unsubscribe"].strip()
        url = header.removeprefix(f"<{SITE}").removesuffix(">")
        self.assertEqual(url, self.url)
        self.assertEqual(self.provider.post(url).status_code, 200)
        self.assertTrue(HostEmailOptOut.objects.filter(user=self.alice).exists())

    def test_a_token_for_another_album_or_host_cant_be_made(self):
        signer = signing.Signer(salt=notifications.HOST_UNSUBSCRIBE_SALT)
        album_id, user_id = signer.unsign_object(self.token)
        self.assertEqual((album_id, user_id), (self.album.pk, self.alice.pk))
        forged = signing.Signer(salt="another salt").sign_object(
            [album_id, self.bob.pk]
        )
        tampered = self.token[:-2] + ("aa" if not self.token.endswith("aa") else "bb")
        for token in (
            forged,
            tampered,
            "nonsense",
            signer.sign_object("x"),
            signer.sign_object([album_id]),
            signer.sign_object(["1", "2"]),
        ):
            url = reverse("unsubscribe_host", args=[token])
            self.assertContains(
                self.client.get(url), "Nothing to unsubscribe", status_code=404
            )
            self.assertEqual(self.provider.post(url).status_code, 404)
        self.assertFalse(HostEmailOptOut.objects.exists())

    def test_a_deleted_album_unsubscribes_nothing(self):
        token = notifications.host_unsubscribe_token(self.album, self.alice)
        self.album.delete()
        url = reverse("unsubscribe_host", args=[token])
        self.assertEqual(self.provider.post(url).status_code, 404)


class HostEmailSettingsTests(BaseTestCase):
    """The album settings' "Emails of what is new" section."""

    def setUp(self):
        self.settings_url = reverse("album_settings", args=[self.album.code])
        self.url = reverse("album_emails", args=[self.album.code])

    def test_a_host_unsubscribes_and_resubscribes(self):
        self.client.force_login(self.alice)
        response = self.client.get(self.settings_url)
        self.assertContains(response, "Emails of what is new")
        self.assertContains(response, "You get at most one email a day of what is new")

        response = self.client.post(self.url, {"subscribe": "0"}, follow=True)
        self.assertRedirects(response, self.settings_url + "#emails")
        self.assertContains(
            response,
            "You no longer get the emails of what is new in Alice&#x27;s party.",
        )
        self.assertContains(response, "You unsubscribed from this album's emails.")
        self.assertContains(response, "Resubscribe")
        self.assertTrue(HostEmailOptOut.objects.filter(user=self.alice).exists())

        response = self.client.post(self.url, {"subscribe": "1"}, follow=True)
        self.assertContains(
            response, "You get the emails of what is new in Alice&#x27;s party again."
        )
        self.assertFalse(HostEmailOptOut.objects.exists())

    def test_a_co_host_has_their_own(self):
        CoHost.objects.create(album=self.album, user=self.bob)
        self.client.force_login(self.bob)
        self.client.post(self.url, {"subscribe": "0"})
        self.assertEqual(
            list(HostEmailOptOut.objects.values_list("user", flat=True)), [self.bob.pk]
        )
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(self.settings_url), "Unsubscribe")

    def test_off_and_without_an_address(self):
        Album.objects.filter(pk=self.album.pk).update(notify=Album.NOTIFY_OFF)
        self.client.force_login(self.alice)
        self.assertContains(
            self.client.get(self.settings_url), "its hosts get no emails of what is new"
        )
        Album.objects.filter(pk=self.album.pk).update(notify=Album.NOTIFY_HOURLY)
        self.alice.email = ""
        self.alice.save()
        self.assertContains(
            self.client.get(self.settings_url), "Your account has no email address."
        )

    def test_only_hosts(self):
        for user in (None, self.bob, self.charlie):
            self.login_as(user)
            self.assertEqual(
                self.client.post(self.url, {"subscribe": "0"}).status_code, 404
            )
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(self.url).status_code, 405)
        self.assertFalse(HostEmailOptOut.objects.exists())
        # Staff see the settings but no section of their own.
        self.client.force_login(self.staff)
        response = self.client.get(self.settings_url)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "Emails of what is new")
