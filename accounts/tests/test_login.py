from django.urls import reverse

from albums.tests.base import BaseTestCase


class LoginTestCase(BaseTestCase):
    url = reverse("login")

    def test_it_shows_a_labelled_form_with_reset_and_signup_links(self):
        response = self.client.get(self.url)
        self.assertContains(response, '<label for="id_username">')
        self.assertContains(response, '<label for="id_password">')
        self.assertContains(response, reverse("password_reset"))
        self.assertContains(response, reverse("signup"))

    def test_it_logs_in_and_redirects_home(self):
        response = self.client.post(
            self.url, {"username": "alice", "password": "password"}
        )
        self.assertRedirects(response, reverse("home"))
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.alice.pk)

    def test_it_follows_a_safe_next(self):
        response = self.client.post(
            self.url,
            {"username": "alice", "password": "password", "next": reverse("account")},
        )
        self.assertRedirects(response, reverse("account"))

    def test_it_ignores_a_next_to_another_site(self):
        response = self.client.post(
            self.url,
            {
                "username": "alice",
                "password": "password",
                "next": "https://evil.example/",
            },
        )
        self.assertRedirects(response, reverse("home"))

    def test_a_wrong_password_is_refused(self):
        response = self.client.post(
            self.url, {"username": "alice", "password": "wrong"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Please enter a correct username and password.")
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_an_account_page_sends_anonymous_visitors_to_log_in(self):
        response = self.client.get(reverse("account"))
        self.assertRedirects(response, f"{self.url}?next={reverse('account')}")
