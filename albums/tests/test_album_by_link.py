"""The album's link and QR code carry a long token that opens the album for
anyone, without the wrong-code limits that a whole venue's Wi-Fi shares."""

from django.conf import settings
from django.test import override_settings

from albums.access import SESSION_OPENED_CODES
from albums.tests.base import AlbumTestCase

LIMITS = {
    **settings.RATE_LIMITS,
    "code-lookup-device": (3, 3600),
    "code-lookup-client": (5, 3600),
    "code-lookup-global": (1000, 3600),
}


@override_settings(RATE_LIMITS=LIMITS)
class AlbumByLinkTestCase(AlbumTestCase):
    def setUp(self):
        super().setUp()
        self.link = self.album.get_link_url()

    def mistype_from_many_devices(self, count):
        """`count` phones on the venue's one address, each one wrong code."""
        for _ in range(count):
            phone = self.client_class()
            phone.get("/")
            phone.get("/a/ZZZZZZZZ/")

    def test_the_link_opens_the_album_and_remembers_its_code(self):
        self.assertRedirects(self.client.get(self.link), f"/a/{self.album.code}/")
        self.assertEqual(self.client.session[SESSION_OPENED_CODES], [self.album.code])

    def test_a_new_guest_gets_in_by_the_link_when_the_venue_is_blocked(self):
        self.mistype_from_many_devices(5)
        newcomer = self.client_class()
        self.assertEqual(newcomer.get(f"/a/{self.album.code}/").status_code, 429)
        self.assertRedirects(newcomer.get(self.link), f"/a/{self.album.code}/")
        # And from then on the album's own pages answer them, polls included.
        self.assertEqual(newcomer.get(f"/a/{self.album.code}/").status_code, 200)
        self.assertEqual(
            newcomer.get(f"/a/{self.album.code}/photos.json").status_code, 200
        )

    def test_a_wrong_or_old_link_is_a_404_that_counts_nothing(self):
        old = self.link
        self.album.new_code()
        for _ in range(20):
            response = self.client.get(old)
            self.assertContains(response, "This link no longer", status_code=404)
        self.assertEqual(self.client.get("/l/short/").status_code, 404)
        self.assertEqual(self.client.get(f"/a/{self.album.code}/").status_code, 200)

    def test_the_share_page_and_its_qr_code_carry_the_link(self):
        response = self.client.get(f"/a/{self.album.code}/share/")
        self.assertContains(response, f"http://testserver{self.link}")
        self.assertIn(f"http://testserver{self.link}", response.context["qr_svg"])


@override_settings(RATE_LIMITS=LIMITS)
class TypedCodesPerDeviceTestCase(AlbumTestCase):
    """Typed codes are limited per device (a signed cookie); an address shared
    by a venue has a higher ceiling of its own."""

    def phone(self):
        phone = self.client_class()
        phone.get("/")  # the device cookie comes with the first page
        return phone

    def test_one_fumbling_guest_blocks_only_their_own_phone(self):
        fumbler, other = self.phone(), self.phone()
        for _ in range(3):
            self.assertEqual(fumbler.get("/a/ZZZZZZZZ/").status_code, 404)
        response = fumbler.get(f"/a/{self.album.code}/")
        self.assertContains(
            response, "Too many wrong album codes from this device", status_code=429
        )
        self.assertContains(response, "link or QR code still opens it", status_code=429)
        self.assertEqual(other.get(f"/a/{self.album.code}/").status_code, 200)

    def test_the_address_has_a_ceiling_of_its_own(self):
        for _ in range(5):
            self.assertEqual(self.phone().get("/a/ZZZZZZZZ/").status_code, 404)
        self.assertContains(
            self.phone().get(f"/a/{self.album.code}/"),
            "Too many wrong album codes from your network",
            status_code=429,
        )

    def test_a_client_without_the_cookie_counts_by_its_address(self):
        script = self.client_class()
        for _ in range(3):
            script.cookies.clear()
            self.assertEqual(script.get("/a/ZZZZZZZZ/").status_code, 404)
        script.cookies.clear()
        self.assertContains(
            script.get(f"/a/{self.album.code}/"),
            "from this device",
            status_code=429,
        )

    def test_a_forged_device_cookie_is_no_device(self):
        script = self.client_class()
        for number in range(4):
            script.cookies["visitor"] = f"forged-{number}"
            status = script.get("/a/ZZZZZZZZ/").status_code
        self.assertEqual(status, 429)


WHATSAPP = "WhatsApp/2.24.1.4 A"
IMESSAGE = "Mozilla/5.0 (Macintosh) facebookexternalhit/1.1 Facebot Twitterbot/1.0"


@override_settings(RATE_LIMITS={**LIMITS, "code-lookup-global": (1, 3600)})
class LinkPreviewCrawlerTestCase(AlbumTestCase):
    """A chat app's crawler fetching a preview of the link gets a page with the
    album's Open Graph tags, not the redirect (it keeps no cookies, so the
    album page would count it as a typed code); everyone else is redirected."""

    def setUp(self):
        super().setUp()
        self.link = self.album.get_link_url()

    def test_a_crawler_gets_the_preview_page_without_a_redirect(self):
        for agent in (WHATSAPP, IMESSAGE, "Slackbot-LinkExpanding 1.0", "TelegramBot"):
            with self.subTest(agent=agent):
                crawler = self.client_class(headers={"User-Agent": agent})
                response = crawler.get(self.link)
                self.assertEqual(response.status_code, 200)
                self.assertContains(
                    response,
                    '<meta property="og:title" content="Alice&#x27;s party">',
                    html=False,
                )
                self.assertContains(
                    response,
                    f'<meta property="og:url" content="http://testserver{self.link}">',
                )
                self.assertIn("User-Agent", response["Vary"])
                # Nothing remembered: no session for a crawler.
                self.assertNotIn(SESSION_OPENED_CODES, crawler.session)

    def test_crawlers_never_count_against_the_lookup_limits(self):
        # The global limit is 1 wrong code an hour: used up.
        self.client_class().get("/a/ZZZZZZZZ/")
        for _ in range(5):
            crawler = self.client_class(headers={"User-Agent": WHATSAPP})
            self.assertEqual(crawler.get(self.link).status_code, 200)

    def test_a_browser_is_redirected_with_vary(self):
        response = self.client.get(
            self.link, headers={"User-Agent": "Mozilla/5.0 (iPhone) Safari/604.1"}
        )
        self.assertRedirects(response, f"/a/{self.album.code}/")
        self.assertIn("User-Agent", response["Vary"])

    def test_a_crawler_with_an_old_link_gets_the_same_404(self):
        old = self.link
        self.album.new_code()
        crawler = self.client_class(headers={"User-Agent": WHATSAPP})
        self.assertContains(crawler.get(old), "This link no longer", status_code=404)
