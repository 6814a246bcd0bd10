"""A guest's email for the album's link: the upload card's offer, the view
that keeps it (validation, injection, rate limit), the one email at the
reveal or when uploads close, and that no host ever reads the address."""

import io
import uuid
import zipfile
from datetime import timedelta
from unittest import mock

from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.core import mail
from django.core.mail import BadHeaderError, EmailMessage
from django.db.models import QuerySet
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from albums.models import Album
from albums.signals import guest_links_due
from albums.tests.base import BaseTestCase, make_image_bytes, store_photo
from photos import email_views, guests, notifications
from photos.models import GuestEmail, SentEmail
from photos.tests.helpers import JSON, guest_token, remember_upload, upload

SITE = "https://party.example"
ADDRESS = "dana.guest@example.org"
THREE_PER_HOUR = {**settings.RATE_LIMITS, "guest-email-client": (3, 3600)}
AJAX = {**JSON, "HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


class GuestEmailCase(BaseTestCase):
    def setUp(self):
        self.url = reverse("guest_email", args=[self.album.code])

    def added_a_photo(self, client=None):
        """The test client (a guest) added a photo to the album."""
        photo = store_photo(self.album, guest_name="Dana", sha256=uuid.uuid4().hex * 2)
        remember_upload(client or self.client, photo)
        return photo

    def guest_key(self):
        return guests.key_for_token(guest_token(self.client))


@override_settings(SITE_URL=SITE)
class GuestEmailViewTests(GuestEmailCase):
    def test_a_guest_who_added_a_photo_leaves_their_address(self):
        self.added_a_photo()
        response = self.client.post(
            self.url, {"email": " Dana.Guest@EXAMPLE.org "}, **AJAX
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {"message": "We'll email you the link when the hosts close uploads."},
        )
        kept = GuestEmail.objects.get()
        self.assertEqual(kept.album, self.album)
        self.assertEqual(kept.email, "dana.guest@example.org")  # lower-cased
        self.assertEqual(kept.guest_key, self.guest_key())
        self.assertIsNone(kept.user)
        self.assertIsNone(kept.sent_at)
        self.assertGreaterEqual(len(kept.token), 32)
        self.assertEqual(mail.outbox, [])  # the link isn't ready yet

    def test_the_same_address_again_is_fine_and_kept_once(self):
        self.added_a_photo()
        for typed in (ADDRESS, ADDRESS.upper().replace("EXAMPLE.ORG", "example.org")):
            response = self.client.post(self.url, {"email": typed}, **AJAX)
            self.assertEqual(response.status_code, 200)
        # Another guest with the same address: the same answer, nothing new.
        other = self.client_class()
        self.added_a_photo(other)
        response = other.post(self.url, {"email": ADDRESS}, **AJAX)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(GuestEmail.objects.count(), 1)

    def test_two_cases_of_one_address_at_once_are_kept_once(self):
        # Another guest's post of the same address in another case gets in
        # between this one's lookup and its insert, as two requests at once
        # would: the unique (album, email) keeps one row, lower-cased.
        self.added_a_photo()
        exists = QuerySet.exists
        raced = []

        def racing_exists(queryset):
            found = exists(queryset)
            if queryset.model is GuestEmail and not raced:
                raced.append(True)
                other = notifications.normalize_email("Dana.Guest@Example.org")
                GuestEmail.objects.create(album=self.album, email=other)
            return found

        with mock.patch.object(QuerySet, "exists", racing_exists):
            response = self.client.post(
                self.url, {"email": "DANA.GUEST@example.org"}, **AJAX
            )
        self.assertEqual(raced, [True])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            list(GuestEmail.objects.values_list("email", flat=True)), [ADDRESS]
        )

    def test_kept_per_album(self):
        other_album = Album.objects.create(name="Bob's trip", user=self.bob)
        for album in (self.album, other_album):
            remember_upload(self.client, store_photo(album, color=(1, 2, 3)))
            response = self.client.post(
                reverse("guest_email", args=[album.code]), {"email": ADDRESS}, **AJAX
            )
            self.assertEqual(response.status_code, 200)
        self.assertEqual(
            sorted(GuestEmail.objects.values_list("album__name", flat=True)),
            ["Alice's party", "Bob's trip"],
        )

    def test_the_form_post_without_javascript(self):
        self.added_a_photo()
        response = self.client.post(self.url, {"email": ADDRESS}, follow=True)
        self.assertRedirects(response, self.album.get_absolute_url())
        self.assertContains(
            response, "We&#x27;ll email you the link when the hosts close uploads."
        )
        self.assertTrue(GuestEmail.objects.filter(email=ADDRESS).exists())

    def test_an_account_that_added_a_photo(self):
        store_photo(self.album, user=self.charlie)
        self.client.force_login(self.charlie)
        response = self.client.post(self.url, {"email": "charlie@example.org"}, **AJAX)
        self.assertEqual(response.status_code, 200)
        kept = GuestEmail.objects.get()
        self.assertEqual((kept.user, kept.guest_key), (self.charlie, ""))

    def test_only_who_added_a_photo_or_video(self):
        store_photo(self.album, guest_name="Someone else")
        response = self.client.post(self.url, {"email": ADDRESS}, **AJAX)
        self.assertEqual(response.status_code, 403)
        self.assertIn(
            "Add a photo or video to the album first", response.json()["error"]
        )
        self.client.force_login(self.bob)
        response = self.client.post(self.url, {"email": ADDRESS})
        self.assertContains(response, "Add a photo or video", status_code=403)
        self.assertFalse(GuestEmail.objects.exists())

    def test_an_upload_on_its_way_counts(self):
        guest_token(self.client)
        started = self.client.post(
            reverse("upload_start", args=[self.album.code]),
            {"name": "a.jpg", "size": "1000", "type": "image/jpeg"},
        )
        self.assertEqual(started.status_code, 201)
        response = self.client.post(self.url, {"email": ADDRESS}, **AJAX)
        self.assertEqual(response.status_code, 200)

    def test_bad_addresses_are_refused_with_what_is_wrong(self):
        self.added_a_photo()
        cases = {
            "": "Type your email address.",
            "dana": email_views.NOT_AN_ADDRESS,
            "dana@": email_views.NOT_AN_ADDRESS,
            "a" * 250 + "@example.org": "An email address is at most 254 characters.",
        }
        for typed, error in cases.items():
            response = self.client.post(self.url, {"email": typed}, **AJAX)
            self.assertEqual(response.status_code, 400, typed)
            self.assertIn(error, response.json()["error"], typed)
        self.assertFalse(GuestEmail.objects.exists())

    def test_header_injection_is_refused(self):
        self.added_a_photo()
        attempts = [
            f"{ADDRESS}\r\nBcc: victim@example.org",
            f"{ADDRESS}\nBcc: victim@example.org",
            f"{ADDRESS}\n",
            f"\r\n{ADDRESS}",
            f"{ADDRESS}%0d%0aBcc:victim@example.org",
            f"Dana <{ADDRESS}>, victim@example.org",
            f"{ADDRESS},victim@example.org",
        ]
        for typed in attempts:
            response = self.client.post(self.url, {"email": typed}, **AJAX)
            self.assertEqual(response.status_code, 400, repr(typed))
            if "\n" in typed or "\r" in typed:
                self.assertEqual(response.json()["error"], email_views.ONE_LINE)
        # The page without JavaScript says it too.
        response = self.client.post(self.url, {"email": f"{ADDRESS}\r\nBcc: x@y.org"})
        self.assertContains(response, "on one line", status_code=400)
        self.assertContains(response, 'aria-invalid="true"', status_code=400)
        self.assertFalse(GuestEmail.objects.exists())

    def test_the_mail_layer_refuses_a_header_with_a_line_break_too(self):
        for to in (f"{ADDRESS}\nBcc: victim@example.org", f"{ADDRESS}\r\n"):
            with self.assertRaises((BadHeaderError, ValueError)):
                EmailMessage("Hi", "Body", "a@example.org", [to]).message()

    @override_settings(RATE_LIMITS=THREE_PER_HOUR)
    def test_a_flood_of_addresses_from_one_client_is_rate_limited(self):
        self.added_a_photo()
        for i in range(3):
            response = self.client.post(
                self.url, {"email": f"g{i}@example.org"}, **AJAX
            )
            self.assertEqual(response.status_code, 200)
        response = self.client.post(self.url, {"email": "g3@example.org"}, **AJAX)
        self.assertEqual(response.status_code, 429)
        self.assertRegex(
            response.json()["error"],
            r"^Too many email addresses from your connection\. Please try again in "
            r"\d+ minutes\.$",
        )
        self.assertIn("Retry-After", response)
        self.assertEqual(GuestEmail.objects.count(), 3)
        # Another client is counted on its own.
        other = self.client_class(REMOTE_ADDR="198.51.100.9")
        self.added_a_photo(other)
        response = other.post(self.url, {"email": "g4@example.org"}, **AJAX)
        self.assertEqual(response.status_code, 200)

    def test_get_is_not_allowed_and_an_unknown_album_is_not_found(self):
        self.assertEqual(self.client.get(self.url).status_code, 405)
        response = self.client.post(
            reverse("guest_email", args=["ZZZZZZZZ"]), {"email": ADDRESS}
        )
        self.assertEqual(response.status_code, 404)

    def test_when_the_link_is_ready_it_goes_at_once(self):
        Album.objects.filter(pk=self.album.pk).update(uploads_open=False)
        self.added_a_photo()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(self.url, {"email": ADDRESS}, **AJAX)
        self.assertEqual(
            response.json(), {"message": "We'll email you the link in a few minutes."}
        )
        self.assertEqual([message.to for message in mail.outbox], [[ADDRESS]])


class UploadCardTests(GuestEmailCase):
    """The offer on the album page's upload card."""

    def card(self):
        response = self.client.get(self.album.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_hidden_until_the_guests_first_photo_then_shown(self):
        html = self.card()
        self.assertIn('<div class="guest-email" data-guest-email hidden>', html)
        self.assertIn("Get the album link when it's ready", html)
        self.assertIn(f'action="{self.url}"', html)
        self.assertIn("js/guest_email.js", html)
        self.added_a_photo()
        html = self.card()
        self.assertIn('<div class="guest-email" data-guest-email>', html)
        self.assertIn("We'll send it once, when the hosts close uploads.", html)

    def test_says_when_the_link_comes(self):
        self.added_a_photo()
        now = timezone.now()
        Album.objects.filter(pk=self.album.pk).update(
            uploads_until=now + timedelta(days=2), time_zone="UTC"
        )
        self.assertIn("We'll send it once, when uploads close, on ", self.card())
        Album.objects.filter(pk=self.album.pk).update(mode=Album.DROP_BOX)
        self.assertIn("when the hosts reveal the photos", self.card())
        Album.objects.filter(pk=self.album.pk).update(reveal_at=now + timedelta(days=3))
        self.assertIn("when the photos are revealed, ", self.card())

    def test_after_leaving_it_the_card_says_so(self):
        self.added_a_photo()
        self.client.post(self.url, {"email": ADDRESS}, **AJAX)
        html = self.card()
        self.assertIn("We'll email you the link when the hosts close uploads.", html)
        self.assertNotIn('name="email"', html)
        self.assertNotIn(ADDRESS, html)  # not even to its guest
        # In a new session too (the guest cookie knows).
        self.client.cookies.pop(settings.SESSION_COOKIE_NAME)
        self.assertIn("We'll email you the link", self.card())

    def test_not_offered_to_hosts_nor_once_the_link_is_ready(self):
        self.client.force_login(self.alice)
        self.assertNotIn("data-guest-email", self.card())
        self.client.logout()
        self.added_a_photo()
        Album.objects.filter(pk=self.album.pk).update(uploads_open=False)
        self.assertNotIn("data-guest-email", self.card())

    def test_an_account_gets_its_address_filled_in(self):
        store_photo(self.album, user=self.charlie)
        self.client.force_login(self.charlie)
        self.assertIn('value="charlie@example.org"', self.card())

    def test_the_results_page_without_javascript_offers_it(self):
        response = upload(self.client, self.album, "a.jpg", make_image_bytes(), data={})
        self.assertEqual(response.status_code, 201)
        response = self.client.post(
            reverse("upload", args=[self.album.code]),
            {"photos": make_file("b.jpg", (9, 9, 9))},
        )
        html = response.content.decode()
        self.assertIn('<div class="guest-email" data-guest-email>', html)
        self.assertIn(f'action="{self.url}"', html)


def make_file(name, color):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, make_image_bytes(color=color), "image/jpeg")


@override_settings(SITE_URL=SITE)
class GuestLinkEmailTests(BaseTestCase):
    """The one email with the album's link, when it is ready."""

    def setUp(self):
        self.kept = GuestEmail.objects.create(album=self.album, email=ADDRESS)
        self.now = timezone.now()

    def set(self, **fields):
        Album.objects.filter(pk=self.album.pk).update(**fields)
        self.album.refresh_from_db()

    def test_a_drop_box_at_its_reveal(self):
        reveal = self.now + timedelta(hours=2)
        self.set(mode=Album.DROP_BOX, reveal_at=reveal)
        self.assertEqual(notifications.send_due(self.now)["guest_links"], 0)
        self.assertEqual(
            notifications.send_due(reveal - timedelta(seconds=1))["guest_links"], 0
        )
        self.assertEqual(notifications.send_due(reveal)["guest_links"], 1)

        (message,) = mail.outbox
        self.assertEqual(message.to, [ADDRESS])
        self.assertEqual(message.subject, "The photos of Alice's party are revealed")
        link = f"{SITE}/l/{self.album.link_token}/"
        self.assertIn(link, message.body)
        self.assertIn("The photos of Alice's party are revealed", message.body)
        # Its address is deleted once sent: the email says so, and offers
        # nothing to remove but the headers (their page says it is gone).
        self.assertIn("now that this email is sent it is deleted", message.body)
        unsubscribe = f"{SITE}/unsubscribe/{self.kept.token}/"
        self.assertNotIn(unsubscribe, message.body)
        html = message.alternatives[0][0]
        self.assertIn(f'href="{link}"', html)
        self.assertIn("now that this email is sent it is deleted", html)
        parsed = message.message()
        self.assertEqual(parsed["List-Unsubscribe"], f"<{unsubscribe}>")
        self.assertEqual(parsed["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        self.assertFalse(GuestEmail.objects.filter(pk=self.kept.pk).exists())
        self.assertEqual(SentEmail.objects.get().key, f"guest-link:{self.kept.pk}")

        # Once.
        notifications.send_due(reveal + timedelta(days=1))
        notifications.send_guest_links(self.album)
        self.assertEqual(len(mail.outbox), 1)

    def test_a_drop_box_revealed_by_hand(self):
        self.set(mode=Album.DROP_BOX)
        notifications.send_due(self.now + timedelta(days=30))
        self.assertEqual(mail.outbox, [])
        self.set(reveal_at=self.now)
        notifications.send_due(self.now + timedelta(minutes=5))
        self.assertEqual(len(mail.outbox), 1)

    def test_a_see_all_album_when_its_window_ends(self):
        end = self.now + timedelta(days=7)
        self.set(uploads_until=end)
        notifications.send_due(end - timedelta(minutes=1))
        self.assertEqual(mail.outbox, [])
        notifications.send_due(end)
        (message,) = mail.outbox
        self.assertEqual(message.subject, "Everyone's photos of Alice's party")
        self.assertIn("Uploads to Alice's party have closed", message.body)
        self.assertIn(f"{SITE}/l/{self.album.link_token}/", message.body)

    def test_a_see_all_album_when_its_hosts_lock_it(self):
        notifications.send_due(self.now)
        self.assertEqual(mail.outbox, [])
        self.set(uploads_open=False)
        notifications.send_due(self.now)
        self.assertEqual(len(mail.outbox), 1)

    def test_the_hosts_reveal_sends_after_the_commit(self):
        other = GuestEmail.objects.create(album=self.album, email="sam@example.org")
        self.set(mode=Album.DROP_BOX, reveal_at=self.now - timedelta(seconds=1))
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            guest_links_due.send(sender=Album, album=self.album)
        self.assertEqual(mail.outbox, [])  # not before the commit
        self.assertEqual(len(callbacks), 1)
        callbacks[0]()
        self.assertEqual(
            sorted(message.to[0] for message in mail.outbox), [ADDRESS, other.email]
        )
        # The periodic check finds nothing left.
        self.assertEqual(notifications.send_due()["guest_links"], 0)

    def test_a_signal_for_an_album_not_ready_sends_nothing(self):
        self.set(mode=Album.DROP_BOX)
        with self.captureOnCommitCallbacks(execute=True):
            guest_links_due.send(sender=Album, album=self.album)
        self.assertEqual(mail.outbox, [])

    def test_a_trashed_album_sends_none(self):
        self.set(uploads_open=False, deleted_at=self.now)
        notifications.send_due(self.now)
        self.assertEqual(mail.outbox, [])

    def test_the_hosts_never_get_it(self):
        self.set(uploads_open=False)
        notifications.send_due(self.now)
        self.assertEqual([message.to for message in mail.outbox], [[ADDRESS]])


class PrivacyTests(GuestEmailCase):
    """A guest's address is never shown to the hosts, nor to anyone else."""

    def setUp(self):
        super().setUp()
        self.added_a_photo()
        self.client.post(self.url, {"email": ADDRESS}, **AJAX)
        self.assertTrue(GuestEmail.objects.filter(email=ADDRESS).exists())
        self.moderator = User.objects.create_user(
            "moderator", "moderator@example.org", is_staff=True
        )
        self.moderator.user_permissions.set(
            Permission.objects.filter(content_type__app_label__in=["photos", "albums"])
        )
        self.admin = User.objects.create_superuser("admin", "admin@example.org", "pw")

    def assertNotShown(self, response):
        streaming = response.streaming
        content = (
            b"".join(response.streaming_content) if streaming else response.content
        )
        self.assertEqual(response.status_code, 200)
        self.assertNotIn(ADDRESS.encode(), content)
        self.assertNotIn(b"dana.guest", content.lower())
        return content

    def test_not_in_the_hosts_pages_json_or_zip(self):
        self.client.force_login(self.alice)
        code = self.album.code
        self.assertNotShown(self.client.get(self.album.get_absolute_url()))
        self.assertNotShown(self.client.get(reverse("album_settings", args=[code])))
        self.assertNotShown(self.client.get(reverse("album_photos_json", args=[code])))
        self.assertNotShown(self.client.get(reverse("album_share", args=[code])))
        content = self.assertNotShown(
            self.client.get(reverse("album_download", args=[code]))
        )
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            self.assertEqual(len(archive.namelist()), 1)
            for name in archive.namelist():
                self.assertNotIn(ADDRESS.encode(), archive.read(name))
                self.assertNotIn(ADDRESS, name)

    def test_not_in_the_admin_for_staff_nor_anyone_else(self):
        url = "/admin/photos/guestemail/"
        for user in (self.admin, self.moderator):
            self.client.force_login(user)
            self.assertEqual(self.client.get(url).status_code, 404, user)
            self.assertNotShown(self.client.get("/admin/"))
            self.assertNotShown(self.client.get("/admin/photos/"))
        self.client.force_login(self.bob)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/admin/login/"))
        # An album's delete confirmation lists what goes with it, unnamed.
        self.client.force_login(self.admin)
        response = self.client.get(
            f"/admin/albums/album/{self.album.pk}/delete/", follow=True
        )
        self.assertNotShown(response)
