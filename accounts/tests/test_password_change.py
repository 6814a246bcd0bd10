from django.urls import reverse

from albums.tests.base import BaseTestCase


class PasswordChangeTestCase(BaseTestCase):
    url = reverse("password_change")

    def test_anonymous_visitors_are_sent_to_log_in(self):
        self.assertRedirects(
            self.client.get(self.url), f"{reverse('login')}?next={self.url}"
        )

    def test_it_shows_a_labelled_form(self):
        self.client.force_login(self.alice)
        response = self.client.get(self.url)
        for field in ("old_password", "new_password1", "new_password2"):
            self.assertContains(response, f'<label for="id_{field}">')

    def test_it_changes_the_password_and_keeps_the_user_logged_in(self):
        self.client.force_login(self.alice)
        response = self.client.post(
            self.url,
            {
                "old_password": "password",
                "new_password1": "confetti-cannon-9",
                "new_password2": "confetti-cannon-9",
            },
        )
        self.assertRedirects(response, reverse("password_change_done"))
        self.assertContains(
            self.client.get(reverse("password_change_done")),
            "Your password has been changed",
        )
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.check_password("confetti-cannon-9"))
        # Still logged in: the session hash was updated.
        self.assertEqual(self.client.get(reverse("account")).status_code, 200)
        self.client.logout()
        self.assertFalse(self.client.login(username="alice", password="password"))
        self.assertTrue(
            self.client.login(username="alice", password="confetti-cannon-9")
        )

    def test_a_wrong_old_password_is_refused(self):
        self.client.force_login(self.alice)
        response = self.client.post(
            self.url,
            {
                "old_password": "nope",
                "new_password1": "confetti-cannon-9",
                "new_password2": "confetti-cannon-9",
            },
        )
        self.assertContains(response, "Your old password was entered incorrectly.")
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.check_password("password"))

    def test_a_weak_new_password_is_refused(self):
        self.client.force_login(self.alice)
        response = self.client.post(
            self.url,
            {
                "old_password": "password",
                "new_password1": "abc",
                "new_password2": "abc",
            },
        )
        self.assertContains(response, "This password is too short.")
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.check_password("password"))
