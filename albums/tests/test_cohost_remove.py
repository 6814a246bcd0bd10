"""Ending a co-host's powers: the owner removes a co-host from the album
settings, a co-host leaves by themselves."""

from django.contrib.auth.models import User

from albums.models import Album, CoHost
from albums.tests.cohost_base import CoHostTestCase


class CoHostRemoveTests(CoHostTestCase):
    def setUp(self):
        super().setUp()
        self.remove_url = self.url("cohost_remove", self.cohost.pk)
        self.settings_url = self.url("album_settings")

    def test_the_settings_list_cohosts_with_remove_for_the_owner(self):
        self.client.force_login(self.alice)
        page = self.client.get(self.settings_url)
        self.assertContains(
            page, '<span>alice <span class="muted">owner</span></span>', html=True
        )
        self.assertContains(page, "Dana (dana)")
        self.assertContains(page, f'action="{self.remove_url}"')
        self.assertContains(
            page, 'Remove<span class="visually-hidden"> Dana (dana) as co-host'
        )
        self.assertNotContains(page, self.url("cohost_leave"))

    def test_the_owner_removes_a_cohost(self):
        self.client.force_login(self.alice)
        response = self.client.post(self.remove_url)
        self.assertRedirects(
            response,
            self.settings_url + "#cohosts-heading",
            fetch_redirect_response=False,
        )
        self.assertContains(
            self.client.get(response.url),
            "Dana (dana) is no longer a co-host of Alice&#x27;s party",
        )
        self.assertFalse(CoHost.objects.filter(pk=self.cohost.pk).exists())
        # Their powers are gone at once: the settings are a 404 for them.
        self.client.force_login(self.dana)
        self.assertNoAlbum(self.client.get(self.settings_url))
        self.assertNotContains(self.client.get("/"), self.album.code)

    def test_staff_may_remove(self):
        self.client.force_login(self.staff)
        self.assertEqual(self.client.post(self.remove_url).status_code, 302)
        self.assertFalse(CoHost.objects.filter(pk=self.cohost.pk).exists())

    def test_cohosts_and_everyone_else_get_404_and_the_cohost_stays(self):
        other = User.objects.create_user("gina", password="password")
        CoHost.objects.create(album=self.album, user=other)
        for user in (None, self.bob, self.charlie, self.dana, other):
            with self.subTest(user=user):
                self.login_as(user)
                self.assertNoAlbum(self.client.post(self.remove_url))
        self.assertTrue(CoHost.objects.filter(pk=self.cohost.pk).exists())

    def test_a_cohost_of_another_album_is_404_through_this_one(self):
        other = Album.objects.create(name="Alice's other party", user=self.alice)
        theirs = CoHost.objects.create(album=other, user=self.erin)
        self.client.force_login(self.alice)
        url = self.url("cohost_remove", theirs.pk)
        self.assertEqual(self.client.post(url).status_code, 404)
        self.assertTrue(CoHost.objects.filter(pk=theirs.pk).exists())

    def test_the_owner_is_no_cohost_to_remove(self):
        """Nothing addresses the owner: a co-host id that isn't this album's
        (the owner has none) is a 404, and the album keeps its owner."""
        self.client.force_login(self.dana)
        self.assertNoAlbum(self.client.post(self.url("cohost_remove", 0)))
        self.album.refresh_from_db()
        self.assertEqual(self.album.user, self.alice)

    def test_get_is_not_allowed(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(self.remove_url).status_code, 405)


class CoHostLeaveTests(CoHostTestCase):
    def setUp(self):
        super().setUp()
        self.leave_url = self.url("cohost_leave")

    def test_a_cohost_sees_leave_beside_their_own_name_only(self):
        other = User.objects.create_user("gina", password="password")
        theirs = CoHost.objects.create(album=self.album, user=other)
        self.client.force_login(self.dana)
        page = self.client.get(self.url("album_settings"))
        self.assertContains(page, f'action="{self.leave_url}"', count=1)
        self.assertContains(page, "gina")
        self.assertNotContains(page, self.url("cohost_remove", theirs.pk))
        self.assertNotContains(page, self.url("cohost_remove", self.cohost.pk))

    def test_a_cohost_leaves(self):
        self.client.force_login(self.dana)
        response = self.client.post(self.leave_url)
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        home = self.client.get("/")
        self.assertContains(home, "You no longer co-host Alice&#x27;s party")
        self.assertNotContains(home, f"/a/{self.album.code}/")
        self.assertFalse(self.album.cohosts.filter(user=self.dana).exists())
        self.assertNoAlbum(self.client.get(self.url("album_settings")))

    def test_the_owner_and_everyone_else_cannot_leave(self):
        for user in (None, self.bob, self.charlie, self.alice, self.staff):
            with self.subTest(user=user):
                self.login_as(user)
                self.assertEqual(self.client.post(self.leave_url).status_code, 404)
        self.assertTrue(self.album.cohosts.filter(user=self.dana).exists())
        self.album.refresh_from_db()
        self.assertEqual(self.album.user, self.alice)

    def test_leaving_one_album_keeps_the_others(self):
        other = Album.objects.create(name="Bob's party", user=self.bob)
        CoHost.objects.create(album=other, user=self.dana)
        self.client.force_login(self.dana)
        self.client.post(self.leave_url)
        self.assertTrue(other.cohosts.filter(user=self.dana).exists())

    def test_get_is_not_allowed(self):
        self.client.force_login(self.dana)
        self.assertEqual(self.client.get(self.leave_url).status_code, 405)
