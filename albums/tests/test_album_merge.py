from albums.models import Album, Subs
from albums.tests.base import AlbumTestCase, store_photo, stored_keys
from photos.models import Photo


class AlbumMergeTestCase(AlbumTestCase):
    def setUp(self):
        super().setUp()
        self.url = f"/a/{self.album.code}/merge/"
        self.other = Album.objects.create(name="Alice's afterparty", user=self.alice)
        self.kept = store_photo(self.album, color=(1, 1, 1))
        self.duplicate = store_photo(
            self.other, color=(1, 1, 1)
        )  # same bytes as self.kept
        self.moving = store_photo(self.other, color=(2, 2, 2), user=self.bob)
        self.other.thumbnail = self.moving
        self.other.save()
        Subs.objects.create(album=self.other, user=self.charlie)  # follows both
        Subs.objects.create(album=self.other, user=self.bob)

    def test_owner_merges_photos_and_followers_in(self):
        self.client.force_login(self.alice)
        response = self.client.get(self.url)
        self.assertContains(response, "Alice&#x27;s afterparty")
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(self.url, {"other": self.other.pk})
        self.assertRedirects(
            response, f"/a/{self.album.code}/", fetch_redirect_response=False
        )
        self.assertContains(
            self.client.get(response.url),
            "1 photo moved, 1 already here dropped, 1 new follower.",
        )
        self.assertFalse(Album.objects.filter(pk=self.other.pk).exists())
        self.assertEqual(set(self.album.photos.all()), {self.kept, self.moving})
        self.assertFalse(Photo.objects.filter(pk=self.duplicate.pk).exists())
        self.assertEqual(
            set(self.album.subs.values_list("user__username", flat=True)),
            {"charlie", "bob"},
        )
        self.album.refresh_from_db()
        self.assertEqual(
            self.album.thumbnail, self.moving
        )  # had no cover: takes the other's
        # The dropped duplicate's objects are gone, the moved photo's stay.
        keys = stored_keys()
        for key in self.duplicate.storage_keys:
            self.assertNotIn(key, keys)
        for key in self.moving.storage_keys + self.kept.storage_keys:
            self.assertIn(key, keys)

    def test_staff_merges_albums_of_the_same_owner(self):
        self.client.force_login(self.staff)
        self.client.post(self.url, {"other": self.other.pk})
        self.assertFalse(Album.objects.filter(pk=self.other.pk).exists())

    def test_another_users_album_cannot_be_merged_in(self):
        bobs = Album.objects.create(name="Bob's", user=self.bob)
        bobs_photo = store_photo(bobs, color=(3, 3, 3))
        self.client.force_login(self.alice)
        self.assertNotContains(self.client.get(self.url), "Bob&#x27;s")
        response = self.client.post(self.url, {"other": bobs.pk})
        self.assertContains(
            response, "Choose one of your other albums.", status_code=400
        )
        bobs_photo.refresh_from_db()
        self.assertEqual(bobs_photo.album, bobs)
        self.assertTrue(Album.objects.filter(pk=bobs.pk).exists())

    def test_another_users_album_cannot_be_merged_out(self):
        bobs = Album.objects.create(name="Bob's", user=self.bob)
        self.client.force_login(self.bob)
        response = self.client.post(f"/a/{self.album.code}/merge/", {"other": bobs.pk})
        self.assertContains(response, "No album with that code.", status_code=404)
        response = self.client.post(f"/a/{bobs.code}/merge/", {"other": self.album.pk})
        self.assertContains(
            response, "Choose one of your other albums.", status_code=400
        )
        self.assertEqual(Photo.objects.filter(album=self.album).count(), 1)
        self.assertTrue(Album.objects.filter(pk=self.album.pk).exists())

    def test_album_cannot_be_merged_into_itself(self):
        self.client.force_login(self.alice)
        response = self.client.post(self.url, {"other": self.album.pk})
        self.assertContains(
            response, "Choose one of your other albums.", status_code=400
        )

    def test_others_get_404(self):
        for user in (None, self.bob, self.charlie):
            with self.subTest(user=user):
                self.login_as(user)
                self.assertEqual(self.client.get(self.url).status_code, 404)
                self.assertEqual(
                    self.client.post(self.url, {"other": self.other.pk}).status_code,
                    404,
                )
        self.assertTrue(Album.objects.filter(pk=self.other.pk).exists())
        self.assertEqual(self.other.photos.count(), 2)

    def test_nothing_to_merge(self):
        self.other.delete()
        self.client.force_login(self.alice)
        self.assertContains(
            self.client.get(self.url), "You have no other album to merge"
        )
