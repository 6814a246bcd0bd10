from django.conf import settings
from django.contrib.auth.models import User
from django.test import override_settings

from albums.models import Album
from albums.tests.base import AlbumTestCase


class AlbumCreateTestCase(AlbumTestCase):
    """The "Name your event" page: where sign-up lands, and where the home
    page's quick form posts; a new album goes on to its Share page."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dora = User.objects.create_user("dora-mae", first_name="Dora Mae")

    def test_the_page_asks_for_the_name_and_who_hosts_it(self):
        self.client.force_login(self.dora)
        response = self.client.get("/albums/new/")
        self.assertContains(response, "<h1>Name your event</h1>", html=True)
        self.assertContains(
            response, '<label for="id_name">Album name</label>', html=True
        )
        self.assertContains(
            response, '<label for="id_host_name">Hosted by</label>', html=True
        )
        # Hosted by starts as the account's display name, never the username.
        self.assertContains(response, 'value="Dora Mae"')
        self.assertContains(response, 'action="/albums/new/"')

    def test_creates_and_goes_to_its_share_page(self):
        self.client.force_login(self.dora)
        response = self.client.post(
            "/albums/new/",
            {"name": "Sam & Alex's wedding", "host_name": " Sam  and Alex "},
        )
        album = Album.objects.get(user=self.dora)
        self.assertEqual(album.name, "Sam & Alex's wedding")
        self.assertEqual(album.host_name, "Sam and Alex")
        self.assertRegex(album.code, r"^[0-9A-HJKMNP-TV-Z]{8}$")
        self.assertRedirects(
            response, f"/a/{album.code}/share/", fetch_redirect_response=False
        )
        page = self.client.get(response.url)
        self.assertContains(page, f"Its code is {album.display_code}")
        self.assertContains(page, "Hosted by Sam and Alex")

    def test_hosted_by_may_be_left_empty(self):
        self.client.force_login(self.dora)
        self.client.post("/albums/new/", {"name": "Quiet party", "host_name": ""})
        album = Album.objects.get(user=self.dora)
        self.assertEqual(album.host_name, "")
        self.assertNotContains(self.client.get(album.get_absolute_url()), "Hosted by")

    def test_the_home_pages_quick_form_is_hosted_by_the_display_name(self):
        self.client.force_login(self.dora)
        self.client.post("/albums/new/", {"name": "Bob's trip"})
        self.assertEqual(Album.objects.get(user=self.dora).host_name, "Dora Mae")
        self.client.force_login(self.bob)  # no display name: none shown
        self.client.post("/albums/new/", {"name": "Bob's trip"})
        self.assertEqual(Album.objects.get(user=self.bob).host_name, "")

    def test_name_is_required_and_hosted_by_fits(self):
        self.client.force_login(self.bob)
        response = self.client.post("/albums/new/", {"name": ""})
        self.assertContains(response, "This field is required.", status_code=400)
        self.assertContains(
            response, "<h1>Name your event</h1>", html=True, status_code=400
        )
        response = self.client.post(
            "/albums/new/", {"name": "Ok", "host_name": "x" * 61}
        )
        self.assertContains(response, "at most 60 characters", status_code=400)
        self.assertFalse(Album.objects.filter(user=self.bob).exists())

    def test_anonymous_is_sent_to_log_in(self):
        for response in (
            self.client.get("/albums/new/"),
            self.client.post("/albums/new/", {"name": "Sneaky"}),
        ):
            with self.subTest(method=response.request["REQUEST_METHOD"]):
                self.assertRedirects(
                    response,
                    "/accounts/login/?next=/albums/new/",
                    fetch_redirect_response=False,
                )
        self.assertFalse(Album.objects.filter(name="Sneaky").exists())


class NewAlbumLanguageTestCase(AlbumTestCase):
    """A new album speaks the language its host is using (their choice, else
    their browser's) to guests who ask for none we ship; the host changes it
    in the settings."""

    def create(self, name, **headers):
        self.client.force_login(self.bob)
        response = self.client.post("/albums/new/", {"name": name}, headers=headers)
        album = Album.objects.get(user=self.bob, name=name)
        self.assertRedirects(
            response, f"/a/{album.code}/share/", fetch_redirect_response=False
        )
        return album

    def test_the_browsers_language(self):
        album = self.create("Fiesta", accept_language="es-ES,es;q=0.9,en;q=0.5")
        self.assertEqual(album.language, "es")
        # A guest whose browser asks for no language we ship reads it in Spanish.
        self.client.logout()
        response = self.client.get(album.get_absolute_url(), headers={})
        self.assertEqual(response["Content-Language"], "es")

    def test_the_switchers_choice_beats_the_browser(self):
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "pt"
        album = self.create("Festa", accept_language="de")
        self.assertEqual(album.language, "pt")

    def test_no_language_we_ship_gives_the_sites(self):
        for name, accept in (("Party", ""), ("パーティー", "ja-JP,ja;q=0.9")):
            with self.subTest(accept=accept):
                album = self.create(name, accept_language=accept)
                self.assertEqual(album.language, settings.LANGUAGE_CODE)

    @override_settings(LANGUAGE_CODE="en-gb")
    def test_a_variant_is_stored_as_the_language_we_ship(self):
        album = self.create("Garden party", accept_language="")
        self.assertEqual(album.language, "en")
