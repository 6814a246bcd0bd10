from django.urls import reverse

from albums.tests.base import BaseTestCase


class AccountTestCase(BaseTestCase):
    url = reverse("account")

    def test_it_shows_the_form_and_links(self):
        self.client.force_login(self.alice)
        response = self.client.get(self.url)
        self.assertContains(response, '<label for="id_username">')
        self.assertContains(response, '<label for="id_email">')
        self.assertContains(response, 'value="alice"')
        self.assertContains(response, 'value="alice@example.org"')
        self.assertContains(response, reverse("password_change"))
        self.assertContains(response, reverse("account_delete"))

    def test_it_changes_username_and_email(self):
        self.client.force_login(self.alice)
        response = self.client.post(
            self.url, {"username": "alice2", "email": "new@example.org"}
        )
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        self.alice.refresh_from_db()
        self.assertEqual(
            (self.alice.username, self.alice.email), ("alice2", "new@example.org")
        )
        self.assertContains(self.client.get(self.url), "Your account has been updated.")

    def test_email_can_be_removed(self):
        self.client.force_login(self.alice)
        self.client.post(self.url, {"username": "alice", "email": ""})
        self.alice.refresh_from_db()
        self.assertEqual(self.alice.email, "")

    def test_a_taken_username_is_refused_whatever_its_case(self):
        self.client.force_login(self.alice)
        response = self.client.post(
            self.url, {"username": "BOB", "email": "alice@example.org"}
        )
        self.assertContains(response, "A user with that username already exists.")
        self.alice.refresh_from_db()
        self.assertEqual(self.alice.username, "alice")

    def test_changing_only_the_case_of_ones_own_name_is_allowed(self):
        self.client.force_login(self.alice)
        self.assertRedirects(
            self.client.post(self.url, {"username": "Alice", "email": ""}), self.url
        )
        self.alice.refresh_from_db()
        self.assertEqual(self.alice.username, "Alice")

    def test_an_invalid_username_and_email_are_refused(self):
        self.client.force_login(self.alice)
        response = self.client.post(
            self.url, {"username": "a lice!", "email": "not-an-email"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Enter a valid username.")
        self.assertContains(response, "Enter a valid email address.")
        self.alice.refresh_from_db()
        self.assertEqual(self.alice.username, "alice")

    def test_anonymous_visitors_are_sent_to_log_in(self):
        response = self.client.post(self.url, {"username": "x", "email": ""})
        self.assertRedirects(response, f"{reverse('login')}?next={self.url}")


class AccountNameAndEmailTestCase(BaseTestCase):
    """The display name new albums are "Hosted by", and the email that logs in."""

    url = reverse("account")

    def setUp(self):
        self.client.force_login(self.alice)

    def test_the_name_is_shown_and_changed(self):
        self.assertContains(
            self.client.get(self.url),
            '<label for="id_first_name">Your name:</label>',
            html=True,
        )
        self.client.post(
            self.url,
            {
                "first_name": "Alice  Liddell",
                "username": "alice",
                "email": "alice@example.org",
            },
        )
        self.alice.refresh_from_db()
        self.assertEqual(self.alice.first_name, "Alice  Liddell")

    def test_the_name_fits_an_album(self):
        response = self.client.post(
            self.url, {"first_name": "x" * 61, "username": "alice", "email": ""}
        )
        self.assertContains(response, "at most 60 characters")

    def test_another_accounts_email_is_refused_whatever_its_case(self):
        response = self.client.post(
            self.url, {"username": "alice", "email": "BOB@example.org"}
        )
        self.assertContains(response, "An account with this email already exists.")
        self.alice.refresh_from_db()
        self.assertEqual(self.alice.email, "alice@example.org")
