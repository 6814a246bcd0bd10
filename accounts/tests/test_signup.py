from django.contrib.auth.models import User
from django.urls import reverse

from albums.tests.base import BaseTestCase


class SignupTestCase(BaseTestCase):
    url = reverse("signup")

    def post(self, **fields):
        data = {
            "first_name": "Dora Mae",
            "email": "dora@example.org",
            "password": "party-hats-2026",
        }
        data.update(fields)
        return self.client.post(self.url, data)

    def test_it_asks_for_a_name_an_email_and_one_password(self):
        response = self.client.get(self.url)
        self.assertContains(response, '<label for="id_first_name">Your name</label>')
        self.assertContains(response, '<label for="id_email">Email</label>')
        self.assertContains(response, '<label for="id_password">Password</label>')
        self.assertNotContains(response, 'name="username"')
        self.assertNotContains(response, 'name="password2"')
        self.assertContains(response, 'autocomplete="new-password"')
        # The show/hide button: hidden until its script runs, a toggle button.
        self.assertContains(
            response,
            '<button type="button" class="button button-secondary password-toggle" '
            'data-password-toggle aria-controls="id_password" aria-pressed="false" '
            "hidden><span data-toggle-word>Show</span>"
            '<span class="visually-hidden"> password</span></button>',
            html=True,
        )
        self.assertContains(response, "js/password.js")
        self.assertNotContains(response, "error-summary")

    def test_it_creates_the_user_logs_in_and_asks_to_name_the_event(self):
        response = self.post(first_name="  Dora   Mae ")
        self.assertRedirects(
            response, reverse("album_create"), fetch_redirect_response=False
        )
        dora = User.objects.get(email="dora@example.org")
        self.assertEqual(dora.first_name, "Dora Mae")
        self.assertEqual(dora.username, "dora-mae")
        self.assertTrue(dora.check_password("party-hats-2026"))
        self.assertEqual(int(self.client.session["_auth_user_id"]), dora.pk)
        response = self.client.get(response.url)
        self.assertContains(response, "Welcome to PartyShots, Dora Mae!")
        self.assertContains(response, "<h1>Name your event</h1>", html=True)
        self.assertContains(response, 'value="Dora Mae"')  # Hosted by, filled in

    def test_the_username_is_made_from_the_name_and_never_taken_twice(self):
        User.objects.create_user("Dora-Mae")
        self.post()
        self.assertEqual(
            User.objects.get(email="dora@example.org").username, "dora-mae-2"
        )
        self.client.logout()
        self.post(first_name="!!!", email="bang@example.org")
        self.assertEqual(User.objects.get(email="bang@example.org").username, "host")

    def test_it_logs_in_with_the_email_or_the_username(self):
        self.post()
        self.client.logout()
        for typed in ("Dora@Example.org", "dora-mae"):
            with self.subTest(typed=typed):
                response = self.client.post(
                    reverse("login"), {"username": typed, "password": "party-hats-2026"}
                )
                self.assertRedirects(response, reverse("home"))
                self.client.logout()

    def test_each_field_is_required_with_its_own_message_next_to_it(self):
        users = User.objects.count()
        response = self.client.post(self.url, {})
        self.assertEqual(response.status_code, 200)
        for field, message in (
            ("first_name", "Type your name: guests see it on your albums."),
            ("email", "Type your email: you log in with it."),
            ("password", "Choose a password."),
        ):
            with self.subTest(field=field):
                # The error under its label, tied to the field for screen readers.
                self.assertContains(
                    response,
                    f'<ul class="errorlist" id="id_{field}_error"><li>{message}</li></ul>',
                    html=True,
                )
                self.assertRegex(
                    response.content.decode(),
                    rf'<input[^>]*aria-describedby="id_{field}_helptext id_{field}_error"'
                    rf'[^>]*aria-invalid="true"|<input[^>]*aria-invalid="true"[^>]*'
                    rf'aria-describedby="id_{field}_helptext id_{field}_error"',
                )
                # And in the summary at the top, a link to the field.
                self.assertContains(response, f'<a href="#id_{field}">')
        self.assertContains(response, "<title>Error: Sign up")
        self.assertEqual(User.objects.count(), users)

    def test_the_first_field_with_a_mistake_has_the_focus(self):
        response = self.post(email="not an email")
        self.assertContains(response, "Enter a valid email address.")
        self.assertRegex(
            response.content.decode(), r'<input type="email" name="email"[^>]*autofocus'
        )
        self.assertNotRegex(
            response.content.decode(),
            r'<input type="text" name="first_name"[^>]*autofocus',
        )
        self.assertContains(response, 'value="Dora Mae"')  # what was right is kept

    def test_a_taken_email_is_refused_whatever_its_case(self):
        for email in ("alice@example.org", "ALICE@Example.ORG"):
            with self.subTest(email=email):
                response = self.post(email=email)
                self.assertContains(
                    response, "An account with this email already exists."
                )
        self.assertEqual(
            User.objects.filter(email__iexact="alice@example.org").count(), 1
        )
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_a_weak_password_is_refused_with_the_reason(self):
        response = self.post(password="12345678")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "This password is too common.")
        self.assertContains(response, "This password is entirely numeric.")
        self.assertFalse(User.objects.filter(email="dora@example.org").exists())

    def test_a_short_password_is_refused(self):
        response = self.post(password="k7#q")
        self.assertContains(response, "This password is too short.")
        self.assertFalse(User.objects.filter(email="dora@example.org").exists())

    def test_a_password_like_the_name_or_email_is_refused(self):
        for fields, said in (
            (
                {"first_name": "Balloon Fiesta", "password": "balloon fiesta"},
                "your name",
            ),
            (
                {"email": "confetti.cannon@example.org", "password": "confetticannon"},
                "your email",
            ),
        ):
            with self.subTest(said=said):
                response = self.post(**fields)
                self.assertContains(response, f"The password is too similar to {said}.")
        self.assertFalse(User.objects.filter(first_name="Balloon Fiesta").exists())
        self.assertNotContains(response, "username")

    def test_a_name_longer_than_an_album_shows_is_refused(self):
        response = self.post(first_name="x" * 61)
        self.assertContains(response, "Ensure this value has at most 60 characters")
        self.assertFalse(User.objects.filter(email="dora@example.org").exists())

    def test_a_logged_in_user_is_sent_home(self):
        self.client.force_login(self.alice)
        self.assertRedirects(self.client.get(self.url), reverse("home"))
