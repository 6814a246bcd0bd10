from albums.models import Subs
from albums.tests.base import AlbumTestCase


class AlbumFollowerRemoveTestCase(AlbumTestCase):
    def setUp(self):
        super().setUp()
        self.follow = Subs.objects.get(album=self.album, user=self.charlie)
        self.url = f"/a/{self.album.code}/followers/{self.follow.pk}/remove/"

    def test_the_settings_page_lists_followers_with_a_remove_button(self):
        self.client.force_login(self.alice)
        response = self.client.get(f"/a/{self.album.code}/settings/")
        self.assertContains(response, "charlie")
        self.assertContains(response, f'action="{self.url}"')

    def test_the_owner_removes_a_follower(self):
        self.client.force_login(self.alice)
        response = self.client.post(self.url, follow=True)
        self.assertContains(response, "charlie no longer follows Alice&#x27;s party")
        self.assertFalse(Subs.objects.filter(pk=self.follow.pk).exists())
        # Off their home page.
        self.client.force_login(self.charlie)
        self.assertNotContains(self.client.get("/"), self.album.code)

    def test_others_get_404_and_the_follower_stays(self):
        for user in (None, self.bob, self.charlie):
            with self.subTest(user=user):
                self.login_as(user)
                self.assertEqual(self.client.post(self.url).status_code, 404)
        self.assertTrue(Subs.objects.filter(pk=self.follow.pk).exists())

    def test_a_follower_of_another_album_is_not_found(self):
        other = self.album.__class__.objects.create(name="Other", user=self.alice)
        theirs = Subs.objects.create(album=other, user=self.bob)
        self.client.force_login(self.alice)
        url = f"/a/{self.album.code}/followers/{theirs.pk}/remove/"
        self.assertEqual(self.client.post(url).status_code, 404)
        self.assertTrue(Subs.objects.filter(pk=theirs.pk).exists())
