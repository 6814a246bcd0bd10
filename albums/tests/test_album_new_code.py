from albums.models import Album
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

    def test_get_changes_nothing(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(self.url).status_code, 405)
        self.album.refresh_from_db()
        self.assertEqual(self.album.code, self.old_code)
