import re

from django.core import mail
from django.test import override_settings
from django.urls import reverse

from albums.tests.base import BaseTestCase

LINK = re.compile(r"(https?://\S+)")


class PasswordResetTestCase(BaseTestCase):
    url = reverse("password_reset")

    def reset_link(self):
        self.assertEqual(len(mail.outbox), 1)
        return LINK.search(mail.outbox[0].body).group(1)

    def test_it_shows_a_labelled_form(self):
        response = self.client.get(self.url)
        self.assertContains(response, '<label for="id_email">')

    def test_the_whole_reset_by_email(self):
        response = self.client.post(self.url, {"email": "alice@example.org"})
        self.assertRedirects(response, reverse("password_reset_done"))
        message = mail.outbox[0]
        self.assertEqual(message.to, ["alice@example.org"])
        self.assertEqual(message.subject, "Reset your PartyShots password")
        self.assertIn("alice", message.body)
        link = self.reset_link()
        self.assertTrue(link.startswith("http://testserver/accounts/password/reset/"))

        # Django swaps the token in the URL for one in the session, then shows the form.
        response = self.client.get(link, follow=True)
        self.assertContains(response, "Choose a new password")
        self.assertContains(response, '<label for="id_new_password1">')
        set_password_url = response.redirect_chain[-1][0]
        response = self.client.post(
            set_password_url,
            {"new_password1": "balloon-arch-77", "new_password2": "balloon-arch-77"},
        )
        self.assertRedirects(response, reverse("password_reset_complete"))

        response = self.client.post(
            reverse("login"), {"username": "alice", "password": "balloon-arch-77"}
        )
        self.assertRedirects(response, reverse("home"))
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.alice.pk)

    def test_the_link_works_only_once(self):
        self.client.post(self.url, {"email": "alice@example.org"})
        link = self.reset_link()
        set_password_url = self.client.get(link).url
        self.client.post(
            set_password_url,
            {"new_password1": "balloon-arch-77", "new_password2": "balloon-arch-77"},
        )
        response = self.client.get(link, follow=True)
        self.assertContains(response, "This link doesn't work")
        self.assertNotContains(response, "id_new_password1")

    def test_a_tampered_link_does_not_work(self):
        self.client.post(self.url, {"email": "alice@example.org"})
        link = self.reset_link().rstrip("/")
        response = self.client.get(
            link[:-1] + ("x" if link[-1] != "x" else "y") + "/", follow=True
        )
        self.assertContains(response, "This link doesn't work")

    def test_an_unknown_email_sends_nothing_and_says_the_same(self):
        response = self.client.post(self.url, {"email": "nobody@example.org"})
        self.assertRedirects(response, reverse("password_reset_done"))
        self.assertEqual(mail.outbox, [])

    @override_settings(SITE_URL="https://photos.example.com")
    def test_the_link_uses_site_url_when_set(self):
        self.client.post(self.url, {"email": "alice@example.org"})
        self.assertTrue(
            self.reset_link().startswith(
                "https://photos.example.com/accounts/password/reset/"
            )
        )
