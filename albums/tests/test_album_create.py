from albums.models import Album
from albums.tests.base import AlbumTestCase


class AlbumCreateTestCase(AlbumTestCase):
    def test_creates_and_redirects_to_the_album(self):
        self.client.force_login(self.bob)
        response = self.client.post("/albums/new/", {"name": "Bob's trip"})
        album = Album.objects.get(name="Bob's trip")
        self.assertEqual(album.user, self.bob)
        self.assertRegex(album.code, r"^[0-9A-HJKMNP-TV-Z]{8}$")
        self.assertRedirects(
            response, f"/a/{album.code}/", fetch_redirect_response=False
        )
        self.assertContains(
            self.client.get(response.url), f"Its code is {album.display_code}"
        )

    def test_name_is_required(self):
        self.client.force_login(self.bob)
        response = self.client.post("/albums/new/", {"name": ""})
        self.assertContains(response, "This field is required.", status_code=400)
        self.assertFalse(Album.objects.filter(user=self.bob).exists())

    def test_anonymous_is_sent_to_log_in(self):
        response = self.client.post("/albums/new/", {"name": "Sneaky"})
        self.assertRedirects(
            response,
            "/accounts/login/?next=/albums/new/",
            fetch_redirect_response=False,
        )
        self.assertFalse(Album.objects.filter(name="Sneaky").exists())

    def test_get_is_not_allowed(self):
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get("/albums/new/").status_code, 405)
