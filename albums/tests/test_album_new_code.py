from albums.models import Album, Subs
from albums.tests.base import AlbumTestCase


class AlbumNewCodeTestCase(AlbumTestCase):
    def setUp(self):
        super().setUp()
        self.old_code = self.album.code
        self.url = f"/a/{self.old_code}/new-code/"

    def test_owner_gets_a_new_code_and_old_links_stop_working(self):
        for user in (self.alice, self.staff):
            with self.subTest(user=user):
                album = Album.objects.create(name="Mine", user=self.alice)
                old = album.code
                self.client.force_login(user)
                response = self.client.post(f"/a/{old}/new-code/")
                album.refresh_from_db()
                self.assertNotEqual(album.code, old)
                self.assertRedirects(
                    response,
                    f"/a/{album.code}/settings/",
                    fetch_redirect_response=False,
                )
                self.assertContains(
                    self.client.get(response.url), f"New code: {album.display_code}"
                )
                self.assertContains(
                    self.client.get(f"/a/{old}/"),
                    "No album with that code.",
                    status_code=404,
                )
                self.assertEqual(self.client.get(f"/a/{album.code}/").status_code, 200)
                self.assertEqual(
                    self.client.get("/join/", {"code": old}).status_code, 404
                )

    def test_others_get_404_and_the_code_stays(self):
        for user in (self.bob, self.charlie):
            with self.subTest(user=user):
                self.client.force_login(user)
                self.assertContains(
                    self.client.post(self.url),
                    "No album with that code.",
                    status_code=404,
                )
        self.client.logout()
        self.assertEqual(self.client.post(self.url).status_code, 404)
        self.album.refresh_from_db()
        self.assertEqual(self.album.code, self.old_code)

    def test_get_asks_first_saying_what_stops_working_and_changes_nothing(self):
        self.client.force_login(self.alice)
        response = self.client.get(self.url)
        self.assertContains(
            response, "<h1>Issue a new code for Alice&#x27;s party?</h1>", html=True
        )
        self.assertContains(response, self.album.display_code)
        # The link stops too (Album.new_code makes a new link token): shown in full.
        self.assertContains(response, f"http://testserver/l/{self.album.link_token}/")
        for stops in (
            "QR code",
            "Printed cards",
            "Links to single photos",
            "slideshow",
        ):
            self.assertContains(response, stops)
        # A POST button, and a way back that changes nothing.
        self.assertContains(response, '<form method="post" class="card">')
        self.assertContains(
            response,
            '<button type="submit" class="button button-danger">Issue a new code</button>',
            html=True,
        )
        self.assertContains(
            response,
            f'<a href="/a/{self.old_code}/settings/">Cancel, keep '
            f"{self.album.display_code}</a>",
            html=True,
        )
        self.album.refresh_from_db()
        self.assertEqual(self.album.code, self.old_code)

    def test_others_get_404_for_the_page_too(self):
        for user in (None, self.bob, self.charlie):
            with self.subTest(user=user):
                self.login_as(user)
                self.assertContains(
                    self.client.get(self.url),
                    "No album with that code.",
                    status_code=404,
                )

    def test_the_settings_page_leads_to_it(self):
        self.client.force_login(self.alice)
        response = self.client.get(f"/a/{self.old_code}/settings/")
        self.assertContains(
            response,
            f'<a class="button button-secondary" href="{self.url}">Issue a new code…</a>',
            html=True,
        )
        self.assertNotContains(response, f'action="{self.url}"')


class NewCodeFollowersTestCase(AlbumTestCase):
    """Following keeps an album on someone's home page whatever its code: a new
    code offers to remove the followers, and says who keeps access."""

    def setUp(self):
        super().setUp()
        self.url = f"/a/{self.album.code}/new-code/"
        self.client.force_login(self.alice)

    def test_followers_go_with_the_old_code_by_default(self):
        old_link = self.album.get_link_url()
        response = self.client.post(self.url, {"remove_followers": "1"}, follow=True)
        self.assertContains(response, "1 follower removed.")
        self.assertContains(response, "Only you, and people you give the new code")
        self.assertFalse(Subs.objects.filter(album=self.album).exists())
        self.album.refresh_from_db()
        # The follower no longer finds it on their home page, nor by the old code or link.
        self.client.force_login(self.charlie)
        self.assertNotContains(self.client.get("/"), self.album.code)
        self.assertEqual(self.client.get(old_link).status_code, 404)
        self.assertEqual(
            self.client.get(self.url.replace("new-code/", "")).status_code, 404
        )

    def test_followers_kept_when_the_host_unticks_it(self):
        response = self.client.post(self.url, follow=True)
        self.assertContains(
            response, "1 follower kept: they still see the album on their home page."
        )
        self.album.refresh_from_db()
        self.client.force_login(self.charlie)
        self.assertContains(self.client.get("/"), self.album.get_absolute_url())

    def test_the_page_names_them_and_offers_to_remove_them_ticked(self):
        response = self.client.get(self.url)
        self.assertContains(response, "1 account follows this album")
        self.assertContains(response, "whatever the code: charlie.")
        self.assertContains(
            response,
            '<input type="checkbox" name="remove_followers" value="1" '
            'id="remove-followers" checked>',
            html=True,
        )
        self.assertContains(response, "Also remove this follower")
        self.assertContains(response, "with the followers if you keep them")

    def test_without_followers_there_is_nothing_to_choose(self):
        Subs.objects.filter(album=self.album).delete()
        response = self.client.get(self.url)
        self.assertNotContains(response, "remove_followers")
        self.assertNotContains(response, "follow")

    def test_a_new_code_replaces_the_link_too(self):
        old_token = self.album.link_token
        self.client.post(self.url)
        self.album.refresh_from_db()
        self.assertNotEqual(self.album.link_token, old_token)
        self.assertEqual(len(self.album.link_token), 32)
