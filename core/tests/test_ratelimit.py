"""core.ratelimit: counting, windows, client addresses, failing closed, login
throttling through the real login view, and limits shared between instances
through a real Redis."""

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from unittest import mock

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connections
from django.http import HttpResponse
from django.test import RequestFactory, SimpleTestCase, TestCase, override_settings
from django.urls import include, path

from core import ratelimit
from core.tests.support import in_ci
from core.tests.test_storage import SilentServer

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        # Port 1 refuses at once: a cache that is down, not slow.
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


def limits(**overrides):
    """settings.RATE_LIMITS with some scopes changed: login_pair=(3, 900)."""
    return override_settings(
        RATE_LIMITS={
            **settings.RATE_LIMITS,
            **{name.replace("_", "-"): rate for name, rate in overrides.items()},
        }
    )


def redis_available():
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:
        return False
    return True


def hits_allowed_at_once(scope, key, attempts):
    """How many of `attempts` hits made at the same moment from threads get through."""
    allowed = []

    def attempt():
        try:
            ratelimit.hit(scope, key)
            allowed.append(1)
        except ratelimit.RateLimited:
            pass

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(allowed)


class CountingTestCase(SimpleTestCase):
    def setUp(self):
        cache.clear()
        self.addCleanup(cache.clear)

    @limits(signup_client=(3, 3600))
    def test_hit_allows_the_limit_then_refuses_with_the_time_left(self):
        self.assertEqual(
            [ratelimit.hit("signup-client", "1.2.3.4") for _ in range(3)], [1, 2, 3]
        )
        with self.assertRaises(ratelimit.RateLimited) as raised:
            ratelimit.hit("signup-client", "1.2.3.4")
        self.assertEqual(raised.exception.status, 429)
        self.assertTrue(1 <= raised.exception.retry_after <= 3600)
        self.assertIn("Too many new accounts", raised.exception.message)

    @limits(signup_client=(2, 3600))
    def test_keys_and_scopes_are_counted_apart(self):
        ratelimit.hit("signup-client", "1.2.3.4")
        ratelimit.hit("signup-client", "1.2.3.4")
        self.assertEqual(ratelimit.hit("signup-client", "5.6.7.8"), 1)
        self.assertEqual(ratelimit.hit("takedown-client", "1.2.3.4"), 1)

    @limits(signup_client=(2, 3600))
    def test_check_refuses_at_the_limit_without_counting(self):
        for _ in range(5):
            ratelimit.check("signup-client", "1.2.3.4")
        ratelimit.hit("signup-client", "1.2.3.4")
        ratelimit.check("signup-client", "1.2.3.4")
        ratelimit.hit("signup-client", "1.2.3.4")
        with self.assertRaises(ratelimit.RateLimited):
            ratelimit.check("signup-client", "1.2.3.4")

    @limits(signup_client=(1, 3600))
    def test_reset_forgets_the_count(self):
        ratelimit.hit("signup-client", "1.2.3.4")
        ratelimit.reset("signup-client", "1.2.3.4")
        self.assertEqual(ratelimit.hit("signup-client", "1.2.3.4"), 1)

    @limits(signup_client=(1, 1))
    def test_a_window_ends_by_itself(self):
        ratelimit.hit("signup-client", "1.2.3.4")
        with self.assertRaises(ratelimit.RateLimited) as raised:
            ratelimit.hit("signup-client", "1.2.3.4")
        self.assertEqual(raised.exception.retry_after, 1)
        time.sleep(1.05)
        self.assertEqual(ratelimit.hit("signup-client", "1.2.3.4"), 1)

    def test_cache_keys_hold_no_address_or_username(self):
        ratelimit.hit("login-pair", ("alice@example.org", "203.0.113.9"))
        keys = list(cache._cache)
        self.assertEqual(len(keys), 1)
        self.assertNotIn("alice", keys[0])
        self.assertNotIn("203.0.113.9", keys[0])

    @limits(upload_album=(50, 3600))
    def test_concurrent_hits_never_let_more_through_than_the_limit(self):
        self.assertEqual(hits_allowed_at_once("upload-album", "album-1", 80), 50)


@override_settings(CACHES=UNREACHABLE_REDIS)
class CacheDownTestCase(SimpleTestCase):
    def test_lookups_and_logins_fail_closed_with_a_503(self):
        for scope in (
            "code-lookup-client",
            "code-lookup-global",
            "login-pair",
            "login-user",
            "login-client",
        ):
            with (
                self.subTest(scope=scope),
                self.assertLogs("core.ratelimit", "ERROR"),
            ):
                with self.assertRaises(ratelimit.LimiterUnavailable) as raised:
                    ratelimit.hit(scope, "1.2.3.4")
                self.assertEqual(raised.exception.status, 503)
                self.assertIn("unavailable for a moment", raised.exception.message)
                with self.assertRaises(ratelimit.LimiterUnavailable):
                    ratelimit.check(scope, "1.2.3.4")

    def test_other_scopes_fail_open_and_say_so_in_the_log(self):
        for scope in (
            "signup-client",
            "password-reset-client",
            "upload-client",
            "upload-album",
            "takedown-client",
        ):
            with (
                self.subTest(scope=scope),
                self.assertLogs("core.ratelimit", "WARNING") as logs,
            ):
                self.assertEqual(ratelimit.hit(scope, "1.2.3.4"), 0)
                ratelimit.check(scope, "1.2.3.4")
            self.assertIn(f"not limiting {scope}", logs.output[0])


class CountTestCase(SimpleTestCase):
    def setUp(self):
        cache.clear()
        self.addCleanup(cache.clear)

    @limits(upload_client=(10, 3600))
    def test_many_at_once_count_as_many_in_one_step(self):
        self.assertEqual(ratelimit.hit("upload-client", "1.2.3.4", count=4), 4)
        self.assertEqual(ratelimit.hit("upload-client", "1.2.3.4", count=6), 10)
        with self.assertRaises(ratelimit.RateLimited):
            ratelimit.hit("upload-client", "1.2.3.4", count=2)
        self.assertEqual(ratelimit.hit("upload-client", "5.6.7.8", count=11 - 1), 10)


def hanging_redis(port):
    """CACHES on a Redis that accepts connections and never answers (a
    SilentServer), with the production settings' one-second timeouts."""
    return {
        "default": {
            **settings.CACHES["default"],
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


class CacheHangsTestCase(SimpleTestCase):
    """A cache that hangs costs a request one timeout: after its first error
    the limiter doesn't ask it again until the next request."""

    def setUp(self):
        server = SilentServer()
        self.addCleanup(server.close)
        override = override_settings(CACHES=hanging_redis(server.port))
        override.enable()
        self.addCleanup(override.disable)

    def timed(self, function, *args, **kwargs):
        started = time.monotonic()
        result = function(*args, **kwargs)
        return result, time.monotonic() - started

    def test_one_wait_per_request_then_fail_closed_or_open_at_once(self):
        with self.assertLogs("core.ratelimit", "WARNING") as logs:
            used, first = self.timed(ratelimit.hit, "upload-client", "1.2.3.4")
            self.assertEqual(used, 0)  # not limited: this scope fails open
            used, second = self.timed(ratelimit.hit, "upload-album", 7, count=20)
            self.assertEqual(used, 0)
            started = time.monotonic()
            # Fail closed where promised, still without waiting.
            with self.assertRaises(ratelimit.LimiterUnavailable):
                ratelimit.hit("login-pair", ("alice", "1.2.3.4"))
            with self.assertRaises(ratelimit.LimiterUnavailable):
                ratelimit.check("code-lookup-global", "everyone")
            ratelimit.attempt("signup-client", "1.2.3.4").refund()
            ratelimit.reset("login-pair", ("alice", "1.2.3.4"))
            rest = time.monotonic() - started
        self.assertGreaterEqual(first, 0.9)
        self.assertLess(second + rest, 0.5)
        self.assertIn("not limiting upload-album", "\n".join(logs.output))
        # The next request asks the cache again (request_started calls this).
        ratelimit.forget_cache_error()
        with self.assertLogs("core.ratelimit", "WARNING"):
            _used, again = self.timed(ratelimit.hit, "upload-client", "1.2.3.4")
        self.assertGreaterEqual(again, 0.9)

    def test_another_cache_is_asked_at_once(self):
        with self.assertLogs("core.ratelimit", "WARNING"):
            ratelimit.hit("upload-client", "1.2.3.4")
        with override_settings(
            CACHES={
                "default": {
                    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                    "LOCATION": "another",
                }
            }
        ):
            self.assertEqual(ratelimit.hit("upload-client", "1.2.3.4"), 1)


class ClientAddressTestCase(SimpleTestCase):
    def request(self, remote_addr="198.51.100.7", forwarded=None):
        headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
        return RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers)

    def test_without_trusted_proxies_the_forwarded_header_is_ignored(self):
        self.assertEqual(
            ratelimit.client_ip(self.request(forwarded="203.0.113.1")), "198.51.100.7"
        )

    @override_settings(TRUSTED_PROXY_COUNT=1)
    def test_one_proxy_means_the_last_forwarded_address(self):
        # The client wrote the first entry itself; the platform's router appended the second.
        request = self.request(forwarded="1.1.1.1, 203.0.113.1")
        self.assertEqual(ratelimit.client_ip(request), "203.0.113.1")

    @override_settings(TRUSTED_PROXY_COUNT=2)
    def test_two_proxies_mean_the_second_to_last(self):
        request = self.request(forwarded="1.1.1.1, 203.0.113.1, 10.0.0.2")
        self.assertEqual(ratelimit.client_ip(request), "203.0.113.1")
        self.assertEqual(
            ratelimit.client_ip(self.request(forwarded="203.0.113.5")), "203.0.113.5"
        )

    @override_settings(TRUSTED_PROXY_COUNT=1)
    def test_garbage_or_missing_forwarded_falls_back_to_the_connection(self):
        self.assertEqual(
            ratelimit.client_ip(self.request(forwarded="not-an-ip")), "198.51.100.7"
        )
        self.assertEqual(ratelimit.client_ip(self.request()), "198.51.100.7")

    def test_ipv6_clients_are_counted_by_their_64_prefix(self):
        one = ratelimit.client_key(self.request("2001:db8:1:2::1"))
        other = ratelimit.client_key(self.request("2001:db8:1:2:ffff::9"))
        self.assertEqual(one, "2001:db8:1:2::/64")
        self.assertEqual(one, other)
        self.assertNotEqual(one, ratelimit.client_key(self.request("2001:db8:1:3::1")))
        self.assertEqual(
            ratelimit.client_key(self.request("::ffff:198.51.100.7")), "198.51.100.7"
        )
        self.assertEqual(
            ratelimit.client_key(self.request("198.51.100.7")), "198.51.100.7"
        )


@ratelimit.limit("takedown-client")
def takedown_view(request):
    return HttpResponse("taken down")


urlpatterns = [path("takedown/", takedown_view), path("", include("partyshots.urls"))]


@override_settings(ROOT_URLCONF=__name__)
class LimitDecoratorTestCase(TestCase):
    """Through the test client, so core.middleware answers the refusal."""

    def setUp(self):
        cache.clear()
        self.addCleanup(cache.clear)

    @limits(takedown_client=(2, 3600))
    def test_over_the_limit_the_view_is_not_called_and_the_page_says_when_to_retry(
        self,
    ):
        for _ in range(2):
            self.assertEqual(self.client.post("/takedown/").content, b"taken down")
        # GETs aren't counted.
        self.assertEqual(self.client.get("/takedown/").status_code, 200)
        response = self.client.post("/takedown/")
        self.assertEqual(response.status_code, 429)
        self.assertTrue(1 <= int(response["Retry-After"]) <= 3600)
        self.assertContains(
            response,
            "Too many take-down requests from your connection.",
            status_code=429,
        )
        self.assertRegex(
            response.content.decode(), r"Please try again in (\d+ minutes?|a minute)\."
        )

    @limits(takedown_client=(0, 3600))
    def test_fetch_callers_asking_for_json_get_json(self):
        response = self.client.post("/takedown/", HTTP_ACCEPT="application/json")
        self.assertEqual(response.status_code, 429)
        body = json.loads(response.content)
        self.assertEqual(body["retry_after"], int(response["Retry-After"]))
        self.assertIn("Too many take-down requests", body["error"])


class LoginThrottlingTestCase(TestCase):
    """Through the real login view: the backend counts, the middleware answers."""

    @classmethod
    def setUpTestData(cls):
        cls.alice = User.objects.create_user(
            "alice", "alice@example.org", "right-password"
        )

    def setUp(self):
        cache.clear()
        self.addCleanup(cache.clear)

    def login(self, password, username="alice", ip="198.51.100.7"):
        return self.client.post(
            "/accounts/login/",
            {"username": username, "password": password},
            REMOTE_ADDR=ip,
        )

    @limits(login_pair=(3, 900))
    def test_after_the_limit_even_the_right_password_waits_but_only_on_that_connection(
        self,
    ):
        for _ in range(3):
            response = self.login("wrong")
            self.assertEqual(
                response.status_code, 200
            )  # The form's "please enter a correct..." message.
        response = self.login("right-password")
        self.assertContains(
            response,
            "Too many failed logins for this username from your connection.",
            status_code=429,
        )
        self.assertTrue(1 <= int(response["Retry-After"]) <= 900)
        self.assertNotIn("_auth_user_id", self.client.session)
        # Alice, logging in from home, is not locked out by someone at the party's Wi-Fi.
        self.assertRedirects(
            self.login("right-password", ip="203.0.113.50"),
            "/",
            fetch_redirect_response=False,
        )

    @limits(login_pair=(3, 900))
    def test_guesses_sent_together_get_no_more_tries_than_the_limit(self):
        checked = []

        def slow_wrong_password(
            backend, request, username=None, password=None, **kwargs
        ):
            checked.append(password)
            time.sleep(0.3)  # as a real password hash would take, so that all overlap
            return None

        start = threading.Barrier(12)
        statuses = []

        def guess():
            try:
                start.wait()
                statuses.append(self.login("guess").status_code)
            finally:
                connections.close_all()

        with mock.patch(
            "django.contrib.auth.backends.ModelBackend.authenticate",
            slow_wrong_password,
        ):
            threads = [threading.Thread(target=guess) for _ in range(12)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        # Only 3 passwords were tried at all: a right one among the other 9 would
        # have stayed unknown.
        self.assertEqual(len(checked), 3)
        self.assertEqual(sorted(statuses), [200] * 3 + [429] * 9)
        self.assertEqual(self.login("right-password").status_code, 429)

    @limits(login_pair=(3, 900))
    def test_the_username_is_counted_whatever_its_case(self):
        for username in ("alice", "ALICE", "Alice"):
            self.login("wrong", username=username)
        self.assertEqual(self.login("right-password").status_code, 429)

    @limits(login_pair=(3, 900))
    def test_a_successful_login_starts_the_count_again(self):
        self.login("wrong")
        self.login("wrong")
        self.assertEqual(self.login("right-password").status_code, 302)
        self.client.logout()
        self.login("wrong")
        self.login("wrong")
        self.assertEqual(self.login("right-password").status_code, 302)

    @limits(login_user=(5, 300))
    def test_many_addresses_lock_a_username_for_a_short_window_only(self):
        for n in range(5):
            self.login("wrong", ip=f"203.0.113.{n}")
        response = self.login("right-password", ip="198.51.100.7")
        self.assertContains(
            response, "Too many failed logins for this username.", status_code=429
        )
        self.assertLessEqual(int(response["Retry-After"]), 300)

    @limits(login_client=(4, 3600))
    def test_one_address_spraying_passwords_over_usernames_is_stopped(self):
        for n in range(4):
            self.login("wrong", username=f"user{n}")
        self.assertEqual(self.login("right-password").status_code, 429)

    def test_the_admin_login_is_throttled_too(self):
        with limits(login_pair=(1, 900)):
            self.client.post(
                "/admin/login/",
                {"username": "alice", "password": "wrong"},
                REMOTE_ADDR="198.51.100.7",
            )
            response = self.client.post(
                "/admin/login/",
                {"username": "alice", "password": "wrong"},
                REMOTE_ADDR="198.51.100.7",
            )
        self.assertEqual(response.status_code, 429)

    @override_settings(CACHES=UNREACHABLE_REDIS)
    def test_with_the_cache_down_logins_are_refused_not_unthrottled(self):
        with self.assertLogs("core.ratelimit", "ERROR"):
            response = self.login("right-password")
        self.assertContains(
            response, "Logging in is unavailable for a moment.", status_code=503
        )
        self.assertEqual(response["Retry-After"], "30")
        self.assertNotIn("_auth_user_id", self.client.session)


class SharedRedisTestCase(SimpleTestCase):
    """Two app instances (this process and a subprocess, each with its own Redis
    connection) draw on one limit. Needs a Redis at TEST_REDIS_URL (CI has one;
    without it these fail under CI=true, else skip)."""

    def setUp(self):
        if not redis_available():
            if in_ci():
                self.fail(f"no Redis at {REDIS_URL}: CI needs one")
            self.skipTest(f"no Redis at {REDIS_URL}")
        self.prefix = f"test-{uuid.uuid4().hex}"
        caches = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": self.prefix,
            }
        }
        override = override_settings(
            CACHES=caches, RATE_LIMITS={**settings.RATE_LIMITS, "login-pair": (3, 3600)}
        )
        override.enable()
        self.addCleanup(override.disable)
        # No cache.clear() (FLUSHDB): the keys are this test's own and expire.

    def other_instance(self, key):
        """ratelimit.hit in a separate Python process with REDIS_URL set."""
        script = (
            "import django; django.setup()\n"
            "from django.core.cache import cache\n"
            "from core import ratelimit\n"
            f"cache.key_prefix = {self.prefix!r}\n"
            "try:\n"
            f"    print(ratelimit.hit('login-pair', {key!r}))\n"
            "except ratelimit.RateLimited as error:\n"
            "    print('limited', error.retry_after)\n"
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "partyshots.settings",
            "REDIS_URL": REDIS_URL,
            "RATE_LIMIT_LOGIN_PAIR": "3/h",
        }
        result = subprocess.run(
            [sys.executable, "-c", script],
            env=env,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout.split()

    def test_instances_share_one_count(self):
        key = ("alice", "198.51.100.7")
        self.assertEqual(ratelimit.hit("login-pair", key), 1)
        self.assertEqual(self.other_instance(key), ["2"])
        self.assertEqual(ratelimit.hit("login-pair", key), 3)
        self.assertEqual(self.other_instance(key)[0], "limited")
        with self.assertRaises(ratelimit.RateLimited):
            ratelimit.check("login-pair", key)

    def test_concurrent_hits_through_redis_never_exceed_the_limit(self):
        self.assertEqual(hits_allowed_at_once("login-pair", "shared", 30), 3)
