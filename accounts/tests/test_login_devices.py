"""Device cookies: a browser that has logged in as a user before gets in while
an attack from many addresses holds that username's limit; a new device waits,
and a forged, expired or other user's cookie is no help. Through the real
login view."""

import time
from unittest import mock

from django.contrib.auth.models import User
from django.core import signing
from django.core.cache import cache
from django.test import Client, TestCase

from accounts import devices
from core.tests.test_ratelimit import limits

HOME = "198.51.100.7"
USER_LIMITED = "Too many failed logins for this username."


class DeviceCookieTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.alice = User.objects.create_user(
            "alice", "alice@example.org", "right-password"
        )
        cls.bob = User.objects.create_user("bob", "bob@example.org", "bobs-password")

    def setUp(self):
        cache.clear()
        self.addCleanup(cache.clear)

    def login(self, client, password, username="alice", ip=HOME):
        return client.post(
            "/accounts/login/",
            {"username": username, "password": password},
            REMOTE_ADDR=ip,
        )

    def device(self, username="alice", password="right-password"):
        """A browser that has logged in as `username` (and logged out again)."""
        client = Client()
        self.assertEqual(
            self.login(client, password, username=username).status_code, 302
        )
        client.post("/accounts/logout/")
        self.assertIn(devices.COOKIE_NAME, client.cookies)
        return client

    def attack(self, count, username="alice"):
        """`count` wrong passwords for username, each from its own address."""
        for n in range(count):
            self.assertEqual(
                self.login(
                    Client(), "guess", username=username, ip=f"203.0.113.{n}"
                ).status_code,
                200,
            )

    def with_cookie(self, value):
        client = Client()
        client.cookies[devices.COOKIE_NAME] = value
        return client

    def assert_logged_in(self, response, client, user):
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        self.assertEqual(int(client.session["_auth_user_id"]), user.pk)

    def test_a_login_sets_a_signed_httponly_secure_lax_cookie_for_a_year(self):
        response = self.login(self.client, "right-password")
        cookie = response.cookies[devices.COOKIE_NAME]
        self.assertTrue(cookie["httponly"])
        self.assertTrue(cookie["secure"])  # the tests run with DEBUG off
        self.assertEqual(cookie["samesite"], "Lax")
        self.assertEqual(cookie["path"], "/")
        self.assertEqual(int(cookie["max-age"]), 365 * 24 * 3600)
        entries = signing.loads(cookie.value, salt=devices.SALT)
        self.assertEqual([entry["id"] for entry in entries], [str(self.alice.pk)])
        self.assertNotIn("right-password", cookie.value)
        # A failed login sets nothing.
        self.assertNotIn(devices.COOKIE_NAME, self.login(Client(), "wrong").cookies)

    @limits(login_user=(5, 300))
    def test_during_an_attack_the_usual_device_gets_in_and_a_new_one_waits(self):
        laptop = self.device()
        self.attack(5)
        # A new device (or a browser without the cookie) waits out the window...
        response = self.login(Client(), "right-password")
        self.assertContains(response, USER_LIMITED, status_code=429)
        self.assertLessEqual(int(response["Retry-After"]), 300)
        # ...the usual laptop gets in, at home or elsewhere.
        self.assert_logged_in(self.login(laptop, "right-password"), laptop, self.alice)
        laptop.post("/accounts/logout/")
        self.assert_logged_in(
            self.login(laptop, "right-password", ip="192.0.2.80"), laptop, self.alice
        )
        # The attacker, still without a cookie, is still refused.
        self.assertContains(
            self.login(Client(), "guess", ip="203.0.113.99"),
            USER_LIMITED,
            status_code=429,
        )

    @limits(login_user=(5, 300))
    def test_a_forged_altered_expired_or_other_users_cookie_does_not_help(self):
        laptop = self.device()
        real = laptop.cookies[devices.COOKIE_NAME].value
        bobs = self.device("bob", "bobs-password").cookies[devices.COOKIE_NAME].value
        with mock.patch("time.time", return_value=time.time() - 366 * 24 * 3600):
            expired = self.device().cookies[devices.COOKIE_NAME].value
        entry = [{"id": str(self.alice.pk), "n": "made-up", "t": int(time.time())}]
        forged = {
            "altered": real[:-2] + ("AA" if not real.endswith("AA") else "BB"),
            "another salt": signing.dumps(entry, salt="something else"),
            "another key": signing.dumps(
                entry, key="not the secret key", salt=devices.SALT
            ),
            "unsigned": signing.b64_encode(
                b'[{"id":"%d","n":"x","t":1}]' % self.alice.pk
            ).decode(),
            "expired": expired,
            "bob's": bobs,
            "garbage": "nonsense",
        }
        self.attack(5)
        for label, value in forged.items():
            with self.subTest(label):
                client = self.with_cookie(value)
                self.assertContains(
                    self.login(client, "right-password"), USER_LIMITED, status_code=429
                )
                self.assertNotIn("_auth_user_id", client.session)
        # The genuine cookie still works, from the same fresh browser.
        client = self.with_cookie(real)
        self.assert_logged_in(self.login(client, "right-password"), client, self.alice)

    @limits(login_user=(5, 300))
    def test_a_cookie_for_a_deleted_user_does_not_help_whoever_takes_the_name(self):
        laptop = self.device()
        old_pk = self.alice.pk
        self.alice.delete()
        newcomer = User.objects.create_user("alice", "new@example.org", "new-password")
        self.assertNotEqual(newcomer.pk, old_pk)
        self.attack(5)
        self.assertContains(
            self.login(laptop, "new-password"), USER_LIMITED, status_code=429
        )

    @limits(login_user=(3, 300), login_pair=(100, 900), login_device=(4, 900))
    def test_failures_from_the_device_count_against_the_device_not_the_username(self):
        laptop = self.device()
        for _ in range(4):
            self.assertEqual(
                self.login(laptop, "typo", ip=f"192.0.2.{_}").status_code, 200
            )
        # Not against the username: another browser logs in at once.
        fresh = Client()
        self.assert_logged_in(
            self.login(fresh, "right-password", ip="203.0.113.9"), fresh, self.alice
        )
        # Against the device, from whatever address.
        response = self.login(laptop, "right-password", ip="192.0.2.200")
        self.assertContains(
            response,
            "Too many failed logins for this username on this device.",
            status_code=429,
        )
        self.assertNotIn("_auth_user_id", laptop.session)

    @limits(login_user=(5, 300), login_pair=(3, 900))
    def test_the_device_still_counts_toward_its_own_pair_and_client_limits(self):
        laptop = self.device()
        self.attack(5)
        for _ in range(3):
            self.login(laptop, "typo")
        response = self.login(laptop, "right-password")
        self.assertContains(
            response,
            "Too many failed logins for this username from your connection.",
            status_code=429,
        )
        with limits(login_client=(2, 3600)):
            cache.clear()
            phone = self.device()
            self.login(phone, "typo", ip="192.0.2.1")
            self.login(phone, "typo", ip="192.0.2.1")
            self.assertContains(
                self.login(phone, "right-password", ip="192.0.2.1"),
                "Too many failed logins from your connection.",
                status_code=429,
            )

    @limits(login_device=(3, 900))
    def test_a_successful_login_starts_the_device_count_again(self):
        laptop = self.device()
        for _ in range(2):
            self.login(laptop, "typo", ip=f"192.0.2.{_}")
        self.assertEqual(self.login(laptop, "right-password").status_code, 302)
        laptop.post("/accounts/logout/")
        for _ in range(2):
            self.login(laptop, "typo", ip=f"192.0.2.{_ + 10}")
        self.assertEqual(self.login(laptop, "right-password").status_code, 302)

    def test_a_browser_keeps_the_last_five_users(self):
        users = [
            User.objects.create_user(f"user{n}", password="pw-for-everyone")
            for n in range(6)
        ]
        browser = Client()
        for user in users:
            self.assertEqual(
                self.login(
                    browser, "pw-for-everyone", username=user.username
                ).status_code,
                302,
            )
            browser.post("/accounts/logout/")
        entries = signing.loads(
            browser.cookies[devices.COOKIE_NAME].value, salt=devices.SALT
        )
        self.assertEqual(
            [entry["id"] for entry in entries], [str(user.pk) for user in users[1:]]
        )
        # Logging in again as a kept user refreshes it without duplicating it.
        self.login(browser, "pw-for-everyone", username="user3")
        entries = signing.loads(
            browser.cookies[devices.COOKIE_NAME].value, salt=devices.SALT
        )
        self.assertEqual(
            [entry["id"] for entry in entries],
            [str(users[n].pk) for n in (1, 2, 4, 5, 3)],
        )

    @limits(login_user=(5, 300))
    def test_signing_up_and_the_admin_login_make_a_known_device_too(self):
        browser = Client()
        response = browser.post(
            "/accounts/signup/",
            {
                "first_name": "Carol",
                "email": "carol@example.org",
                "password": "a long fresh passphrase",
            },
            REMOTE_ADDR=HOME,
        )
        self.assertEqual(response.status_code, 302)
        self.assertIn(devices.COOKIE_NAME, response.cookies)
        browser.post("/accounts/logout/")
        self.attack(5, username="carol")
        self.assertEqual(
            self.login(
                browser, "a long fresh passphrase", username="carol"
            ).status_code,
            302,
        )

        User.objects.filter(pk=self.bob.pk).update(is_staff=True)
        admin_browser = Client()
        response = admin_browser.post(
            "/admin/login/?next=/admin/",
            {"username": "bob", "password": "bobs-password"},
            REMOTE_ADDR=HOME,
        )
        self.assertEqual(response.status_code, 302)
        self.assertIn(devices.COOKIE_NAME, response.cookies)
