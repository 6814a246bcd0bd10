from albums.models import Album
from albums.tests.base import AlbumTestCase, store_photo


class AlbumCoverTestCase(AlbumTestCase):
    def setUp(self):
        super().setUp()
        self.url = f"/a/{self.album.code}/cover/"
        self.first = store_photo(self.album, color=(10, 10, 10))
        self.second = store_photo(self.album, color=(20, 20, 20))

    def test_owner_chooses_among_the_albums_photos(self):
        self.client.force_login(self.alice)
        response = self.client.get(self.url)
        self.assertContains(response, f'value="{self.second.pk}"')
        self.assertContains(response, self.second.tlink)
        response = self.client.post(self.url, {"photo": self.second.pk})
        self.assertRedirects(response, f"/a/{self.album.code}/settings/")
        self.album.refresh_from_db()
        self.assertEqual(self.album.thumbnail, self.second)

    def test_staff_may_too(self):
        self.client.force_login(self.staff)
        self.client.post(self.url, {"photo": self.first.pk})
        self.album.refresh_from_db()
        self.assertEqual(self.album.thumbnail, self.first)

    def test_photo_of_another_album_or_hidden_is_refused(self):
        other = store_photo(
            Album.objects.create(name="Other", user=self.bob), color=(30, 30, 30)
        )
        hidden = store_photo(self.album, color=(40, 40, 40), hidden=True)
        self.client.force_login(self.alice)
        for photo_id in (other.pk, hidden.pk, "nope"):
            with self.subTest(photo_id=photo_id):
                response = self.client.post(self.url, {"photo": photo_id})
                self.assertContains(
                    response, "Choose one of this album", status_code=400
                )
        self.album.refresh_from_db()
        self.assertNotIn(self.album.thumbnail_id, (other.pk, hidden.pk))

    def test_others_get_404(self):
        for user in (None, self.bob, self.charlie):
            with self.subTest(user=user):
                self.login_as(user)
                self.assertEqual(self.client.get(self.url).status_code, 404)
                self.assertEqual(
                    self.client.post(self.url, {"photo": self.second.pk}).status_code,
                    404,
                )
        self.album.refresh_from_db()
        self.assertNotEqual(self.album.thumbnail_id, self.second.pk)
