"""Link previews: the Open Graph and Twitter card tags a chat app reads on the
album page and on the page its crawler gets for the album's link
(albums.previews, the {% link_preview %} tag)."""

import re

from django.test import RequestFactory, override_settings

from albums import previews
from albums.tests.base import AlbumTestCase, store_photo

CRAWLER = {"User-Agent": "WhatsApp/2.24.1.4 A"}


def meta(response):
    """{property or name: content} of the page's <meta> tags."""
    html = response.content.decode()
    return {
        key: value
        for key, value in re.findall(
            r'<meta (?:property|name)="([^"]+)" content="([^"]*)">', html
        )
    }


class LinkPreviewTestCase(AlbumTestCase):
    def setUp(self):
        super().setUp()
        self.link = self.album.get_link_url()
        self.pages = {
            "album page": lambda: self.client.get(f"/a/{self.album.code}/"),
            "link, for a crawler": lambda: self.client.get(self.link, headers=CRAWLER),
        }

    def give_a_cover(self):
        self.album.thumbnail = store_photo(self.album, user=self.alice)
        self.album.save()

    def test_title_description_url_and_cover_on_both_pages(self):
        self.give_a_cover()
        for name, get in self.pages.items():
            with self.subTest(name):
                tags = meta(get())
                self.assertEqual(tags["og:title"], "Alice&#x27;s party")
                self.assertIn("add yours", tags["og:description"])
                self.assertIn("no app needed", tags["og:description"])
                self.assertEqual(tags["og:url"], f"http://testserver{self.link}")
                self.assertEqual(
                    tags["og:image"], f"http://testserver{self.link}cover.jpg"
                )
                self.assertEqual(tags["twitter:card"], "summary_large_image")
                self.assertEqual(tags["og:type"], "website")
                self.assertEqual(tags["robots"], "noindex, nofollow")

    @override_settings(SITE_URL="https://photos.example.org")
    def test_addresses_start_with_site_url(self):
        self.give_a_cover()
        for name, get in self.pages.items():
            with self.subTest(name):
                tags = meta(get())
                self.assertEqual(
                    tags["og:url"], f"https://photos.example.org{self.link}"
                )
                self.assertEqual(
                    tags["og:image"], f"https://photos.example.org{self.link}cover.jpg"
                )

    def test_without_a_cover_the_icon_stands_in(self):
        for name, get in self.pages.items():
            with self.subTest(name):
                tags = meta(get())
                self.assertRegex(
                    tags["og:image"],
                    r"^http://testserver/static/icons/icon-512.*\.png$",
                )
                self.assertEqual(tags["twitter:card"], "summary")

    def test_a_locked_album_offers_looking_not_adding(self):
        self.album.uploads_open = False
        self.album.save()
        tags = meta(self.pages["album page"]())
        self.assertEqual(
            tags["og:description"],
            "See and download everyone&#x27;s photos of Alice&#x27;s party.",
        )

    def test_which_agents_are_preview_crawlers(self):
        factory = RequestFactory()
        crawlers = [
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "Mozilla/5.0 (Macintosh) facebookexternalhit/1.1 Facebot Twitterbot/1.0",
            "WhatsApp/2.23.20.0",
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "TelegramBot (like TwitterBot)",
            "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
            "LinkedInBot/1.0",
        ]
        browsers = [
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1",
            "Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile Safari/537.36",
            "",
        ]
        for agent in crawlers:
            request = factory.get("/", headers={"User-Agent": agent})
            self.assertTrue(previews.is_preview_crawler(request), agent)
        for agent in browsers:
            request = factory.get("/", headers={"User-Agent": agent})
            self.assertFalse(previews.is_preview_crawler(request), agent)
