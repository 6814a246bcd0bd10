from django.contrib.auth.models import User
from django.core.cache import cache
from django.urls import reverse

from albums.tests.base import BaseTestCase
from core.tests.test_ratelimit import limits


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
        self.assertContains(
            response, "That email or username and password don&#x27;t match an account."
        )
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_an_account_page_sends_anonymous_visitors_to_log_in(self):
        response = self.client.get(reverse("account"))
        self.assertRedirects(response, f"{self.url}?next={reverse('account')}")


class LoginWithEmailTestCase(BaseTestCase):
    """Sign-up asks for an email, not a username: the email logs in too."""

    url = reverse("login")

    def setUp(self):
        cache.clear()
        self.addCleanup(cache.clear)

    def login(self, typed, password="password", ip="198.51.100.7"):
        return self.client_class(REMOTE_ADDR=ip).post(
            self.url, {"username": typed, "password": password}
        )

    def test_the_form_asks_for_the_email_or_username(self):
        self.assertContains(
            self.client.get(self.url),
            '<label for="id_username">Email or username:</label>',
            html=True,
        )

    def test_the_email_logs_in_whatever_its_case(self):
        for typed in ("alice@example.org", "ALICE@example.ORG", "alice"):
            with self.subTest(typed=typed):
                response = self.login(typed)
                self.assertRedirects(response, reverse("home"))
                self.assertEqual(
                    int(response.wsgi_request.session["_auth_user_id"]), self.alice.pk
                )

    def test_a_wrong_password_with_the_email_is_refused(self):
        response = self.login("alice@example.org", "wrong")
        self.assertContains(response, "don&#x27;t match an account")

    def test_an_email_two_accounts_share_logs_in_neither(self):
        User.objects.create_user("alice2", "Alice@example.org", "password")
        self.assertEqual(self.login("alice@example.org").status_code, 200)
        self.assertRedirects(self.login("alice2"), reverse("home"))

    def test_a_username_with_an_at_sign_is_still_a_username(self):
        User.objects.create_user("bob@example.org", "other@example.org", "its-own")
        self.assertRedirects(self.login("bob@example.org", "its-own"), reverse("home"))
        self.assertEqual(self.login("bob@example.org", "password").status_code, 200)

    @limits(login_user=(4, 300), login_pair=(100, 900), login_client=(100, 3600))
    def test_the_email_and_the_username_share_one_limit(self):
        for n, typed in enumerate(
            ["alice@example.org", "alice", "ALICE@example.org", "alice"]
        ):
            self.assertEqual(
                self.login(typed, "guess", ip=f"203.0.113.{n}").status_code, 200
            )
        for typed in ("alice", "alice@example.org"):
            with self.subTest(typed=typed):
                self.assertContains(
                    self.login(typed, ip="192.0.2.1"),
                    "Too many failed logins for this username.",
                    status_code=429,
                )
