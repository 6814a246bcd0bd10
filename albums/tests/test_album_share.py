from django.test import override_settings

from albums.tests.base import AlbumTestCase


class AlbumShareTestCase(AlbumTestCase):
    def setUp(self):
        super().setUp()
        self.url = f"/a/{self.album.code}/share/"

    def test_every_role_can_share(self):
        for user in (None, self.bob, self.charlie, self.alice, self.staff):
            with self.subTest(user=user):
                self.login_as(user)
                response = self.client.get(self.url)
                self.assertContains(
                    response, f'value="http://testserver/l/{self.album.link_token}/"'
                )
                self.assertContains(response, "<svg")
                self.assertContains(response, "Open your camera and scan")
                self.assertContains(response, self.album.display_code)

    def test_qr_code_encodes_the_link(self):
        response = self.client.get(self.url)
        svg = response.context["qr_svg"]
        self.assertIn('class="qr-code"', svg)
        self.assertIn(f"QR code for http://testserver/l/{self.album.link_token}/", svg)
        self.assertNotIn("<script", svg)
        self.assertNotIn("style=", svg)

    @override_settings(SITE_URL="https://photos.example.org")
    def test_site_url_is_used_when_set(self):
        response = self.client.get(self.url)
        self.assertContains(
            response, f'value="https://photos.example.org/l/{self.album.link_token}/"'
        )
        self.assertContains(response, "photos.example.org</span>")

    def test_unknown_code(self):
        self.assertContains(
            self.client.get("/a/ZZZZZZZZ/share/"),
            "No album with that code.",
            status_code=404,
        )

    def test_no_inline_script_or_style(self):
        content = self.client.get(self.url).content.decode()
        self.assertNotIn("<script>", content)
        self.assertNotIn("style=", content)
        self.assertIn("js/share.js", content)

    def test_send_the_link_comes_first_then_the_cards(self):
        content = self.client.get(self.url).content.decode()
        send = content.index("Send the link")
        cards = content.index("Cards for the tables")
        self.assertLess(send, cards)
        # The share sheet's title and text, for share.js; hidden until it runs.
        self.assertIn('data-share-title="Alice&#x27;s party"', content)
        self.assertIn("data-share-text=", content)
        self.assertRegex(content, r"<button [^>]*data-share [^>]*hidden>Send the link")
        self.assertRegex(content, r"<button [^>]*data-copy hidden>Copy the link")
        self.assertIn(
            '<p class="share-status" role="status" data-share-status>', content
        )

    def test_card_headline_says_why_to_scan(self):
        response = self.client.get(self.url)
        self.assertContains(
            response,
            'Share your photos of <span class="table-card-name">Alice&#x27;s party</span>',
            count=4,  # one card, and three more for the A4 sheet
        )
        self.assertContains(response, 'aria-hidden="true"', count=3)

    def test_card_size_is_a6_a5_or_a4(self):
        for asked, shown in [
            (None, "a6"),
            ("a6", "a6"),
            ("a5", "a5"),
            ("a4", "a4"),
            ("a3", "a6"),
            ("<x>", "a6"),
        ]:
            with self.subTest(asked=asked):
                query = {"card": asked} if asked else {}
                response = self.client.get(self.url, query)
                self.assertContains(response, f'class="card-sheet card-sheet-{shown}"')
                self.assertContains(
                    response, f'name="card" value="{shown}" checked', html=False
                )
                self.assertContains(response, "checked", count=1)

    @override_settings(SITE_URL="https://photos.example.org")
    def test_the_card_names_the_public_site_and_the_code(self):
        response = self.client.get(self.url)
        self.assertContains(
            response,
            'or go to <span class="table-card-site">photos.example.org</span> and type '
            f'<strong class="album-code">{self.album.display_code}</strong>',
            count=4,
        )
        self.assertNotContains(response, "127.0.0.1")
        self.assertNotContains(response, "only this computer can open")

    def test_a_loopback_address_is_flagged_for_the_host(self):
        for host, flagged in [
            ("127.0.0.1:8000", True),
            ("localhost:8000", True),
            ("[::1]:8000", True),
            ("192.168.1.20:8000", False),
        ]:
            with self.subTest(host=host), override_settings(SITE_URL=f"http://{host}"):
                response = self.client.get(self.url)
                self.assertEqual(
                    "only this computer can open" in response.content.decode(), flagged
                )

    def test_the_share_stylesheet_and_qr_download(self):
        response = self.client.get(self.url)
        self.assertContains(response, "css/share.css")
        self.assertContains(response, f'href="/a/{self.album.code}/qr.png" download')
