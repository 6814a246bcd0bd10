"""Rate limits on sign-up and password reset (settings.RATE_LIMITS)."""

from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from albums.tests.base import AlbumTestCase


def limits(**overrides):
    return override_settings(
        RATE_LIMITS={
            **settings.RATE_LIMITS,
            **{name.replace("_", "-"): rate for name, rate in overrides.items()},
        }
    )


class SignupLimitTestCase(AlbumTestCase):
    url = reverse("signup")

    def sign_up(self, client, name):
        return client.post(
            self.url,
            {
                "first_name": name,
                "email": f"{name}@example.org",
                "password": "balloon-arch-77",
            },
        )

    def assertLanded(self, response):
        self.assertRedirects(
            response, reverse("album_create"), fetch_redirect_response=False
        )

    @limits(signup_client=(2, 3600))
    def test_new_accounts_are_limited_per_client(self):
        for name in ("dana", "erin"):
            self.assertLanded(self.sign_up(self.client, name))
            self.client.logout()
        response = self.sign_up(self.client, "frank")
        self.assertContains(
            response, "Too many new accounts from your connection", status_code=429
        )
        self.assertIn("Retry-After", response)
        self.assertFalse(User.objects.filter(username="frank").exists())
        other = self.client_class(REMOTE_ADDR="192.0.2.8")
        self.assertLanded(self.sign_up(other, "frank"))

    @limits(signup_client=(2, 3600))
    def test_mistakes_in_the_form_are_not_counted(self):
        for _ in range(5):
            response = self.client.post(
                self.url, {"first_name": "dana", "email": "dana", "password": "a"}
            )
            self.assertEqual(response.status_code, 200)
        self.assertLanded(self.sign_up(self.client, "dana"))


class PasswordResetLimitTestCase(AlbumTestCase):
    url = reverse("password_reset")

    @limits(password_reset_email=(2, 3600))
    def test_one_address_gets_few_emails_whoever_asks(self):
        for number in range(2):
            client = self.client_class(REMOTE_ADDR=f"192.0.2.{number}")
            self.assertRedirects(
                client.post(self.url, {"email": "Alice@example.org"}),
                reverse("password_reset_done"),
            )
        response = self.client_class(REMOTE_ADDR="192.0.2.9").post(
            self.url, {"email": "alice@EXAMPLE.org "}
        )
        self.assertContains(
            response, "Too many password reset emails for this address", status_code=429
        )
        self.assertEqual(len(mail.outbox), 2)

    @limits(password_reset_email=(1, 3600))
    def test_unknown_addresses_are_limited_alike(self):
        # The same answer as for a known address: the limit tells nobody who has an account.
        self.assertRedirects(
            self.client.post(self.url, {"email": "nobody@example.org"}),
            reverse("password_reset_done"),
        )
        self.assertEqual(
            self.client.post(self.url, {"email": "nobody@example.org"}).status_code, 429
        )
        self.assertEqual(len(mail.outbox), 0)

    @limits(password_reset_client=(3, 3600))
    def test_one_client_asking_for_many_addresses_is_stopped(self):
        for number in range(3):
            self.client.post(self.url, {"email": f"someone{number}@example.org"})
        response = self.client.post(
            self.url, {"email": "bob@example.org"}, HTTP_ACCEPT="application/json"
        )
        self.assertEqual(response.status_code, 429)
        self.assertIn("Too many password reset requests", response.json()["error"])
        self.assertEqual(len(mail.outbox), 0)
