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
