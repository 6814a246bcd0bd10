from albums.models import Subs
from albums.tests.base import AlbumTestCase


class AlbumFollowTestCase(AlbumTestCase):
    def setUp(self):
        super().setUp()
        self.follow = f"/a/{self.album.code}/follow/"
        self.unfollow = f"/a/{self.album.code}/unfollow/"

    def test_stranger_follows_and_unfollows(self):
        self.client.force_login(self.bob)
        self.assertRedirects(self.client.post(self.follow), f"/a/{self.album.code}/")
        self.assertTrue(Subs.objects.filter(album=self.album, user=self.bob).exists())
        self.client.post(self.follow)  # twice: still one
        self.assertEqual(
            Subs.objects.filter(album=self.album, user=self.bob).count(), 1
        )
        self.assertRedirects(self.client.post(self.unfollow), f"/a/{self.album.code}/")
        self.assertFalse(Subs.objects.filter(album=self.album, user=self.bob).exists())

    def test_follower_unfollows(self):
        self.client.force_login(self.charlie)
        self.client.post(self.unfollow)
        self.assertFalse(
            Subs.objects.filter(album=self.album, user=self.charlie).exists()
        )

    def test_owner_does_not_follow_own_album(self):
        self.client.force_login(self.alice)
        self.client.post(self.follow)
        self.assertFalse(
            Subs.objects.filter(album=self.album, user=self.alice).exists()
        )

    def test_staff_may_follow(self):
        self.client.force_login(self.staff)
        self.client.post(self.follow)
        self.assertTrue(Subs.objects.filter(album=self.album, user=self.staff).exists())

    def test_anonymous_is_sent_to_log_in(self):
        response = self.client.post(self.follow)
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response.url)
        self.assertEqual(Subs.objects.filter(album=self.album).count(), 1)

    def test_get_changes_nothing(self):
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(self.follow).status_code, 405)
        self.assertFalse(Subs.objects.filter(album=self.album, user=self.bob).exists())

    def test_unknown_code(self):
        self.client.force_login(self.bob)
        self.assertContains(
            self.client.post("/a/ZZZZZZZZ/follow/"),
            "No album with that code.",
            status_code=404,
        )

    def test_csrf_is_required(self):
        client = self.client_class(enforce_csrf_checks=True)
        client.force_login(self.bob)
        self.assertEqual(client.post(self.follow).status_code, 403)
        self.assertFalse(Subs.objects.filter(album=self.album, user=self.bob).exists())
