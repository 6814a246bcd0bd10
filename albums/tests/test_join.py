from django.conf import settings

from albums.models import Album
from albums.tests.base import AlbumTestCase, same_page

# Typed codes are limited per device first (a cookie the test client keeps).
LOOKUP_FAILURES_ALLOWED = settings.RATE_LIMITS["code-lookup-device"][0]


class JoinTestCase(AlbumTestCase):
    def test_code_redirects_to_the_album(self):
        response = self.client.get("/join/", {"code": self.album.code})
        self.assertRedirects(response, f"/a/{self.album.code}/")

    def test_sloppy_typing_is_forgiven(self):
        sloppy = (
            f" {self.album.code[:4].lower()} - {self.album.code[4:].lower()} ".replace(
                "0", "o"
            ).replace("1", "l")
        )
        response = self.client.get("/join/", {"code": sloppy})
        self.assertRedirects(response, f"/a/{self.album.code}/")

    def test_post_works_too(self):
        response = self.client.post("/join/", {"code": self.album.display_code})
        self.assertRedirects(response, f"/a/{self.album.code}/")

    def test_unknown_code_shows_the_error_on_the_home_page(self):
        response = self.client.get("/join/", {"code": "ZZZZ-ZZZZ"})
        self.assertContains(response, "No album with that code.", status_code=404)
        self.assertContains(response, 'value="ZZZZ-ZZZZ"', status_code=404)

    def test_deleted_album_gives_the_same_page(self):
        album = Album.objects.create(name="Gone", user=self.bob)
        code = album.code
        album.delete()
        deleted = self.client.get("/join/", {"code": code})
        never = self.client.get("/join/", {"code": "ZZZZZZZZ"})
        self.assertEqual(deleted.status_code, 404)
        self.assertEqual(
            same_page(deleted.content).replace(code, "ZZZZZZZZ"),
            same_page(never.content).replace("ZZZZ-ZZZZ", "ZZZZZZZZ"),
        )

    def test_garbage_and_empty(self):
        self.assertContains(
            self.client.get("/join/", {"code": "not a code!"}),
            "No album with that code.",
            status_code=404,
        )
        self.assertContains(
            self.client.get("/join/", {"code": ""}),
            "Type the album code",
            status_code=400,
        )
        self.assertContains(
            self.client.get("/join/"), "Type the album code", status_code=400
        )

    def test_failed_lookups_are_limited_per_client(self):
        self.client.get("/")  # the home page gives the device its cookie
        for _ in range(LOOKUP_FAILURES_ALLOWED):
            self.assertEqual(
                self.client.get("/join/", {"code": "ZZZZZZZZ"}).status_code, 404
            )
        response = self.client.get("/join/", {"code": self.album.code})
        self.assertContains(response, "Too many wrong album codes", status_code=429)
        # The album pages are limited too, and another client is not.
        self.assertContains(
            self.client.get(f"/a/{self.album.code}/"),
            "Too many wrong album codes",
            status_code=429,
        )
        other = self.client_class(REMOTE_ADDR="192.0.2.7")
        self.assertRedirects(
            other.get("/join/", {"code": self.album.code}), f"/a/{self.album.code}/"
        )

    def test_successful_lookups_are_not_counted(self):
        for _ in range(LOOKUP_FAILURES_ALLOWED + 5):
            self.assertEqual(self.client.get(f"/a/{self.album.code}/").status_code, 200)

    def test_behind_a_proxy_the_last_forwarded_address_is_the_client(self):
        from django.test import override_settings

        with override_settings(TRUSTED_PROXY_COUNT=1):
            for _ in range(LOOKUP_FAILURES_ALLOWED):
                # A client forging the first entry still gets counted by its real
                # address (without a device cookie, the address is its device).
                self.client.get(
                    "/join/",
                    {"code": "ZZZZZZZZ"},
                    HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.1",
                )
                self.client.cookies.clear()
            blocked = self.client.get(
                "/join/", {"code": self.album.code}, HTTP_X_FORWARDED_FOR="198.51.100.1"
            )
            self.assertEqual(blocked.status_code, 429)
            self.client.cookies.clear()
            other = self.client.get(
                "/join/", {"code": self.album.code}, HTTP_X_FORWARDED_FOR="198.51.100.2"
            )
            self.assertEqual(other.status_code, 302)
