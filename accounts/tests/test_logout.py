from django.urls import reverse

from albums.tests.base import BaseTestCase


class LogoutTestCase(BaseTestCase):
    url = reverse("logout")

    def test_post_logs_out_and_redirects_home(self):
        self.client.force_login(self.alice)
        response = self.client.post(self.url)
        self.assertRedirects(response, reverse("home"))
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertContains(self.client.get(reverse("home")), "Log in")

    def test_get_does_not_log_out(self):
        self.client.force_login(self.alice)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 405)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.alice.pk)

    def test_every_page_has_a_csrf_protected_logout_form(self):
        self.client.force_login(self.alice)
        response = self.client.get(reverse("home"))
        self.assertContains(response, f'action="{self.url}"')
        self.assertContains(response, "csrfmiddlewaretoken")
