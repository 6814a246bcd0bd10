"""albums.access: album-code lookups limited per client and for everyone
together, counted before the lookup (so requests in flight together can't
exceed a limit), and never refusing a guest the album they already opened."""

import threading
import time
from unittest import mock

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.test import override_settings

from albums.access import GLOBAL, SESSION_OPENED_CODES
from albums.models import Album
from albums.tests.base import AlbumTestCase, same_page
from core import ratelimit
from core.tests.test_ratelimit import UNREACHABLE_REDIS


def lookup_limits(client, everyone, device=1000):
    return override_settings(
        RATE_LIMITS={
            **settings.RATE_LIMITS,
            "code-lookup-device": (device, 3600),
            "code-lookup-client": (client, 3600),
            "code-lookup-global": (everyone, 3600),
        }
    )


class LookupLimitTestCase(AlbumTestCase):
    def setUp(self):
        super().setUp()
        self.album_url = f"/a/{self.album.code}/"

    def guesser(self, number):
        return self.client_class(REMOTE_ADDR=f"198.51.100.{number}")

    def guess_from_many_addresses(self, count):
        for number in range(count):
            self.assertEqual(self.guesser(number).get("/a/ZZZZZZZZ/").status_code, 404)

    @lookup_limits(client=3, everyone=1000)
    def test_a_blocked_client_learns_nothing_about_codes(self):
        for _ in range(3):
            self.client.get("/join/", {"code": "ZZZZZZZZ"})
        right = self.client.get(self.album_url)
        wrong = self.client.get("/a/ZZZZZZZY/")
        self.assertContains(
            right, "Too many wrong album codes from your network", status_code=429
        )
        self.assertEqual(wrong.status_code, 429)
        self.assertEqual(same_page(right.content), same_page(wrong.content))
        self.assertTrue(1 <= int(right["Retry-After"]) <= 3600)
        # The join form says it too, and other addresses are not affected.
        self.assertContains(
            self.client.get("/join/", {"code": self.album.code}),
            "Too many",
            status_code=429,
        )
        self.assertEqual(self.guesser(1).get(f"/a/{self.album.code}/").status_code, 200)

    @lookup_limits(client=1000, everyone=5)
    def test_the_global_limit_stops_guessing_from_many_addresses(self):
        self.guess_from_many_addresses(5)
        newcomer = self.client_class(REMOTE_ADDR="203.0.113.50")
        response = newcomer.get(self.album_url)
        self.assertContains(
            response,
            "Too many wrong album codes have been tried on PartyShots",
            status_code=429,
        )
        self.assertEqual(newcomer.get("/a/ZZZZZZZY/").status_code, 429)

    @lookup_limits(client=1000, everyone=5)
    def test_guests_keep_the_album_they_opened_during_an_attack(self):
        guest = self.client_class(REMOTE_ADDR="203.0.113.7")
        self.assertEqual(guest.get(self.album_url).status_code, 200)
        self.assertEqual(guest.session[SESSION_OPENED_CODES], [self.album.code])
        self.guess_from_many_addresses(5)
        # The album page, its photo list and the join form with its code still work...
        self.assertEqual(guest.get(self.album_url).status_code, 200)
        self.assertEqual(
            guest.get(f"/a/{self.album.code}/photos.json").status_code, 200
        )
        self.assertRedirects(
            guest.get("/join/", {"code": self.album.display_code.lower()}),
            self.album_url,
        )
        # ...but it opens no other album, existing or not.
        other = Album.objects.create(name="Bob's", user=self.bob)
        self.assertEqual(guest.get(f"/a/{other.code}/").status_code, 429)
        self.assertEqual(guest.get("/a/ZZZZZZZY/").status_code, 429)

    @lookup_limits(client=1000, everyone=5)
    def test_owners_and_followers_keep_their_albums_from_any_device(self):
        self.guess_from_many_addresses(5)
        for user in (self.alice, self.charlie):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                self.assertEqual(self.client.get(self.album_url).status_code, 200)
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(self.album_url).status_code, 429)

    @lookup_limits(client=3, everyone=1000)
    def test_a_renewed_code_this_session_opened_is_a_404_never_counted(self):
        # A slideshow left running on a code the host renewed polls into a
        # plain 404 all night, and locks nobody out.
        self.assertEqual(self.client.get(self.album_url).status_code, 200)
        old = self.album.code
        self.album.new_code()
        for _ in range(10):
            self.assertEqual(self.client.get(f"/a/{old}/photos.json").status_code, 404)
        self.assertEqual(self.used("code-lookup-client", "127.0.0.1"), 0)
        self.assertEqual(self.used("code-lookup-global", GLOBAL), 0)
        self.assertEqual(self.guesser(1).get(f"/a/{self.album.code}/").status_code, 200)

    @lookup_limits(client=3, everyone=3)
    def test_text_that_cannot_be_a_code_is_not_counted(self):
        for _ in range(10):
            self.assertEqual(
                self.client.get("/join/", {"code": "not a code!"}).status_code, 404
            )
            self.assertEqual(self.client.get("/a/hello/").status_code, 404)
        self.assertEqual(self.client.get(self.album_url).status_code, 200)

    @lookup_limits(client=3, everyone=1000)
    def test_photo_pages_and_json_are_limited_too(self):
        for _ in range(3):
            self.client.get("/a/ZZZZZZZZ/")
        response = self.client.get(
            f"/a/{self.album.code}/photos.json", HTTP_ACCEPT="application/json"
        )
        self.assertEqual(response.status_code, 429)
        self.assertIn("Too many wrong album codes", response.json()["error"])

    @lookup_limits(client=3, everyone=1000)
    @override_settings(
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
        TRUSTED_PROXY_COUNT=0,
    )
    def test_forwarded_addresses_are_not_trusted_unless_proxies_are_configured(self):
        for number in range(3):
            self.client.get("/a/ZZZZZZZZ/", HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")
        self.assertEqual(
            self.client.get(
                self.album_url, HTTP_X_FORWARDED_FOR="192.0.2.99"
            ).status_code,
            429,
        )

    def used(self, scope, key):
        return cache.get(ratelimit._window(scope, key)[0], 0)

    # Sessions in the cache: on SQLite's shared in-memory test database a
    # thread saving the session of the right code's answer can find the
    # table locked by another connection, which is about SQLite, not limits.
    @override_settings(SESSION_ENGINE="django.contrib.sessions.backends.cache")
    @lookup_limits(client=5, everyone=1000)
    def test_codes_in_flight_at_once_get_no_more_answers_than_the_limit(self):
        """20 codes sent at the same moment by one guesser, the album's among
        them: 5 get an answer, the others 429, whichever the right one is."""
        codes = [f"ZZZZZZ{number:02}" for number in range(19)] + [self.album.code]
        album = self.album

        def slow_lookup(
            code,
        ):  # as the database would answer, slowly enough for all to overlap
            time.sleep(0.3)
            return album if code == album.code else None

        start = threading.Barrier(len(codes))
        statuses = {}

        def guess(code):
            try:
                start.wait()
                statuses[code] = (
                    self.client_class(REMOTE_ADDR="198.51.100.1")
                    .get(f"/a/{code}/")
                    .status_code
                )
            finally:
                connections.close_all()

        with mock.patch("albums.access._album_with_code", slow_lookup):
            threads = [threading.Thread(target=guess, args=(code,)) for code in codes]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        answered = {code: status for code, status in statuses.items() if status != 429}
        self.assertEqual(len(statuses), 20)
        self.assertEqual(len(answered), 5, statuses)
        self.assertTrue(set(answered.values()) <= {200, 404}, statuses)
        # Wrong codes answered stay counted; the right one and the refused ones were given back,
        # and nothing refused by the client's limit reached everyone's.
        wrong = sum(1 for status in answered.values() if status == 404)
        self.assertEqual(self.used("code-lookup-client", "198.51.100.1"), wrong)
        self.assertEqual(self.used("code-lookup-global", GLOBAL), wrong)

    @lookup_limits(client=3, everyone=3)
    def test_right_codes_are_counted_then_given_back(self):
        for number in range(10):
            self.assertEqual(self.guesser(number).get(self.album_url).status_code, 200)
        self.assertEqual(self.used("code-lookup-client", "198.51.100.1"), 0)
        self.assertEqual(self.used("code-lookup-global", GLOBAL), 0)
        for _ in range(3):
            self.assertEqual(self.client.get("/a/ZZZZZZZZ/").status_code, 404)
        self.assertEqual(self.client.get("/a/ZZZZZZZZ/").status_code, 429)
        self.assertEqual(self.guesser(20).get(self.album_url).status_code, 429)

    @lookup_limits(client=3, everyone=1000)
    def test_a_client_refused_by_everyones_limit_is_not_charged_for_it(self):
        with lookup_limits(client=3, everyone=0):
            for _ in range(5):
                self.assertEqual(self.client.get("/a/ZZZZZZZZ/").status_code, 429)
        self.assertEqual(self.used("code-lookup-client", "127.0.0.1"), 0)
        self.assertEqual(self.client.get(self.album_url).status_code, 200)

    @override_settings(CACHES=UNREACHABLE_REDIS)
    def test_with_the_cache_down_lookups_fail_closed(self):
        with self.assertLogs("core.ratelimit", "ERROR"):
            response = self.client.get(self.album_url)
        self.assertContains(response, "unavailable for a moment", status_code=503)
        with self.assertLogs("core.ratelimit", "ERROR"):
            self.assertEqual(
                self.client.get("/join/", {"code": self.album.code}).status_code, 503
            )
