from django.contrib.auth.models import User
from django.urls import reverse

from albums.tests.base import BaseTestCase


class SignupTestCase(BaseTestCase):
    url = reverse("signup")

    def post(self, **fields):
        data = {
            "username": "dora",
            "email": "",
            "password1": "party-hats-2026",
            "password2": "party-hats-2026",
        }
        data.update(fields)
        return self.client.post(self.url, data)

    def test_it_shows_a_labelled_form(self):
        response = self.client.get(self.url)
        self.assertContains(response, '<label for="id_username">')
        self.assertContains(response, '<label for="id_email">')
        self.assertContains(response, '<label for="id_password1">')
        self.assertContains(response, '<label for="id_password2">')

    def test_it_creates_the_user_logs_in_and_redirects_home(self):
        response = self.post(email="dora@example.org")
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        dora = User.objects.get(username="dora")
        self.assertEqual(dora.email, "dora@example.org")
        self.assertTrue(dora.check_password("party-hats-2026"))
        self.assertEqual(int(self.client.session["_auth_user_id"]), dora.pk)
        response = self.client.get(reverse("home"))
        self.assertContains(response, "Welcome to PartyShots, dora!")
        self.assertContains(response, "Log out")

    def test_email_is_optional(self):
        response = self.post()
        self.assertRedirects(response, reverse("home"))
        self.assertEqual(User.objects.get(username="dora").email, "")

    def test_a_taken_username_is_refused_whatever_its_case(self):
        for username in ("alice", "ALICE"):
            response = self.post(username=username)
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, "A user with that username already exists.")
        self.assertEqual(User.objects.filter(username__iexact="alice").count(), 1)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_a_weak_password_is_refused_with_the_reason(self):
        response = self.post(password1="12345678", password2="12345678")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "This password is too common.")
        self.assertContains(response, "This password is entirely numeric.")
        self.assertFalse(User.objects.filter(username="dora").exists())

    def test_a_short_password_is_refused(self):
        response = self.post(password1="k7#q", password2="k7#q")
        self.assertContains(response, "This password is too short.")
        self.assertFalse(User.objects.filter(username="dora").exists())

    def test_mismatched_passwords_are_refused(self):
        response = self.post(password2="party-hats-2027")
        self.assertContains(response, "The two password fields didn’t match.")
        self.assertFalse(User.objects.filter(username="dora").exists())

    def test_a_logged_in_user_is_sent_home(self):
        self.client.force_login(self.alice)
        self.assertRedirects(self.client.get(self.url), reverse("home"))
