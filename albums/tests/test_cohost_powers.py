"""What a co-host may do: every host power (settings, cover, new code,
followers, hiding, bulk moderation, take-down requests, the host's view of
the album), but not deleting or merging the album or inviting and removing
co-hosts, where they get the same 404 as a stranger."""

import re

from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from albums.forms import AlbumSettingsForm
from albums.models import Album, CoHost, CoHostInvitation, Subs
from albums.tests.base import store_photo
from albums.tests.cohost_base import CoHostTestCase
from photos.models import Photo, TakedownRequest


def settings_data(album, **changes):
    """The album settings form as it stands, posted back with `changes`:
    whatever fields the form has."""
    form = AlbumSettingsForm(instance=album)
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    data.update(changes)
    return data


def same_page(response, user):
    """The page's HTML without what differs on every render (CSRF tokens),
    with the address (the language switcher's way back) or with who is
    logged in (the header's account link)."""
    html = response.content.decode().replace(f">{user.username}<", ">USER<")
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "csrf", html)
    return re.sub(r'name="next" value="[^"]*"', "next", html)


class CoHostPowersTests(CoHostTestCase):
    def setUp(self):
        super().setUp()
        self.photo = store_photo(self.album, user=self.charlie, filename="cake.jpg")
        self.other = store_photo(
            self.album, user=self.charlie, filename="dance.jpg", color=(9, 90, 9)
        )
        self.client.force_login(self.dana)

    def test_the_settings_are_theirs_but_merge_and_delete(self):
        response = self.client.get(self.url("album_settings"))
        self.assertContains(response, "Settings for Alice&#x27;s party")
        self.assertContains(response, "You co-host Alice&#x27;s party")
        self.assertContains(response, f'href="{self.url("album_cover")}"')
        self.assertContains(response, f'href="{self.url("album_new_code")}"')
        self.assertNotContains(response, "Merge or delete")
        self.assertNotContains(response, self.url("album_merge"))
        self.assertNotContains(response, self.url("album_delete"))

        response = self.client.post(
            self.url("album_settings"), settings_data(self.album, name="Renamed")
        )
        self.assertRedirects(
            response, self.url("album_settings"), fetch_redirect_response=False
        )
        self.album.refresh_from_db()
        self.assertEqual(self.album.name, "Renamed")

    def test_they_set_the_cover(self):
        response = self.client.post(self.url("album_cover"), {"photo": self.other.pk})
        self.assertRedirects(response, self.url("album_settings"))
        self.album.refresh_from_db()
        self.assertEqual(self.album.thumbnail, self.other)

    def test_they_issue_a_new_code_and_keep_the_album(self):
        old = self.album.code
        self.assertEqual(self.client.get(self.url("album_new_code")).status_code, 200)
        response = self.client.post(
            self.url("album_new_code"), {"remove_followers": "1"}
        )
        self.album.refresh_from_db()
        self.assertNotEqual(self.album.code, old)
        self.assertRedirects(
            response, self.url("album_settings"), fetch_redirect_response=False
        )
        self.assertEqual(self.client.get(response.url).status_code, 200)
        # Still a co-host, and the album is on their home page with its new code.
        self.assertContains(self.client.get("/"), f"/a/{self.album.code}/")

    def test_they_remove_a_follower(self):
        follow = Subs.objects.get(album=self.album, user=self.charlie)
        response = self.client.post(self.url("album_follower_remove", follow.pk))
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Subs.objects.filter(pk=follow.pk).exists())

    def test_they_hide_and_unhide_a_photo(self):
        hide = self.url("photo_hide", self.photo.pk)
        response = self.client.post(hide, follow=True)
        self.assertContains(
            response,
            "cake.jpg is hidden: only the hosts, its uploader and staff see it.",
        )
        self.photo.refresh_from_db()
        self.assertTrue(self.photo.hidden)
        # They still see it, and can show it again.
        page = self.client.get(self.photo.viewer_url())
        self.assertContains(page, f'action="{self.url("photo_unhide", self.photo.pk)}"')
        self.client.post(self.url("photo_unhide", self.photo.pk))
        self.photo.refresh_from_db()
        self.assertFalse(self.photo.hidden)

    def test_they_moderate_in_bulk(self):
        response = self.client.post(
            self.url("bulk_moderation"),
            {"action": "hide", "photos": [self.photo.pk, self.other.pk]},
            follow=True,
        )
        self.assertContains(
            response,
            "Hid 2 photos: only the hosts, their uploaders and staff see them.",
        )
        self.assertEqual(Photo.objects.filter(hidden=True).count(), 2)
        response = self.client.post(
            self.url("bulk_moderation"),
            {"action": "delete", "confirmed": "on", "photos": [self.other.pk]},
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Photo.objects.filter(pk=self.other.pk).exists())

    def test_they_answer_takedown_requests(self):
        takedown = TakedownRequest.objects.create(photo=self.photo, reason="Me")
        album_page = self.client.get(self.album.get_absolute_url())
        self.assertContains(album_page, "1 take-down request waiting for you")
        settings_page = self.client.get(self.url("album_settings"))
        self.assertContains(settings_page, "Take-down requests (1)")
        response = self.client.post(self.url("takedown_dismiss", takedown.pk))
        self.assertEqual(response.status_code, 302)
        takedown.refresh_from_db()
        self.assertIsNotNone(takedown.dismissed_at)

    def test_the_album_page_and_json_give_them_the_host_tools(self):
        Photo.objects.filter(pk=self.photo.pk).update(hidden=True)
        page = self.client.get(self.album.get_absolute_url())
        self.assertContains(page, f'href="{self.url("album_settings")}"')
        self.assertContains(page, f'action="{self.url("bulk_moderation")}"')
        self.assertContains(page, 'class="photo-select"', count=2)
        self.assertContains(page, "js/moderation.js")
        self.assertContains(page, "Hidden</span>")
        # No Follow: the album is on their home page anyway.
        self.assertNotContains(page, self.url("album_follow"))

        data = self.client.get(
            reverse("album_photos_json", args=[self.album.code]), {"sort": "taken"}
        ).json()
        self.assertEqual(len(data["photos"]), 2)
        for item in data["photos"]:
            self.assertIn('class="photo-select"', item["tile"])

        photo_page = self.client.get(self.photo.viewer_url())
        self.assertContains(photo_page, "Unhide</button>")

    def test_following_is_no_use_to_them(self):
        response = self.client.post(self.url("album_follow"))
        self.assertRedirects(
            response, self.album.get_absolute_url(), fetch_redirect_response=False
        )
        self.assertFalse(Subs.objects.filter(album=self.album, user=self.dana).exists())

    def test_others_get_no_host_tools(self):
        for user in (self.bob, self.charlie):
            with self.subTest(user=user):
                self.client.force_login(user)
                page = self.client.get(self.album.get_absolute_url())
                self.assertNotContains(page, self.url("album_settings"))
                self.assertNotContains(page, 'class="photo-select"')
                data = self.client.get(
                    reverse("album_photos_json", args=[self.album.code]),
                    {"sort": "taken"},
                ).json()
                for item in data["photos"]:
                    self.assertNotIn('class="photo-select"', item["tile"])

    def test_they_download_the_originals_with_location(self):
        Photo.objects.filter(pk=self.photo.pk).update(
            location_free_link="albums/x/free.jpg", location_free_size=10
        )
        self.photo.refresh_from_db()
        url = reverse("album_photos_json", args=[self.album.code])
        originals = self.photo.size + self.other.size
        self.assertEqual(self.client.get(url).json()["download_size"], originals)
        self.client.force_login(self.bob)
        self.assertEqual(
            self.client.get(url).json()["download_size"], 10 + self.other.size
        )

    def test_the_home_page_lists_what_they_cohost_marked(self):
        Subs.objects.create(album=self.album, user=self.dana)
        mine = Album.objects.create(name="Dana's own", user=self.dana)
        home = self.client.get("/")
        self.assertContains(
            home, 'Alice&#x27;s party <span class="album-role">Co-host</span>'
        )
        self.assertContains(home, "Dana&#x27;s own</span>")
        self.assertNotContains(home, "Dana&#x27;s own <span")
        # Once, under My albums, not again under Following.
        self.assertContains(home, f'href="/a/{self.album.code}/"', count=1)
        self.assertContains(home, f'href="/a/{mine.code}/"', count=1)
        # The owner's home page doesn't mark their own album.
        self.client.force_login(self.alice)
        self.assertNotContains(self.client.get("/"), "album-role")

    def test_they_cannot_delete_merge_or_manage_cohosts(self):
        same_owner = Album.objects.create(name="Alice's other party", user=self.alice)
        invitation = CoHostInvitation.objects.create(album=self.album)
        other_cohost = CoHost.objects.create(album=self.album, user=self.erin)
        calls = [
            ("GET", self.url("album_delete"), {}),
            ("POST", self.url("album_delete"), {}),
            ("GET", self.url("album_merge"), {}),
            ("GET", self.url("album_merge") + f"?other={same_owner.pk}", {}),
            ("POST", self.url("album_merge"), {"other": same_owner.pk}),
            ("POST", self.url("cohost_invite"), {}),
            ("POST", self.url("cohost_invitation_revoke", invitation.pk), {}),
            ("POST", self.url("cohost_remove", other_cohost.pk), {}),
            ("POST", self.url("cohost_remove", self.cohost.pk), {}),
        ]
        for method, url, data in calls:
            with self.subTest(method=method, url=url):
                pages = []
                for user in (self.dana, self.bob):
                    self.client.force_login(user)
                    cache.clear()
                    send = self.client.get if method == "GET" else self.client.post
                    response = send(url, data)
                    self.assertNoAlbum(response)
                    pages.append(same_page(response, user))
                self.assertEqual(pages[0], pages[1])
        self.assertTrue(Album.objects.filter(pk=self.album.pk).exists())
        self.assertTrue(Album.objects.filter(pk=same_owner.pk).exists())
        self.assertEqual(self.album.photos.count(), 2)
        self.assertEqual(CoHostInvitation.objects.count(), 1)
        invitation.refresh_from_db()
        self.assertTrue(invitation.is_usable())
        self.assertEqual(self.album.cohosts.count(), 2)

    def test_another_albums_host_tools_stay_closed(self):
        theirs = Album.objects.create(name="Bob's party", user=self.bob)
        photo = store_photo(theirs, color=(1, 1, 1))
        for method, url in (
            ("GET", reverse("album_settings", args=[theirs.code])),
            ("POST", reverse("photo_hide", args=[theirs.code, photo.pk])),
            ("POST", reverse("album_new_code", args=[theirs.code])),
        ):
            with self.subTest(url=url):
                send = self.client.get if method == "GET" else self.client.post
                self.assertNoAlbum(send(url))
        # Nor reach that album's photo through their own album's code.
        self.assertEqual(
            self.client.post(self.url("photo_hide", photo.pk)).status_code, 404
        )


class CoHostLookupTests(CoHostTestCase):
    @override_settings(
        RATE_LIMITS={
            **__import__("django.conf").conf.settings.RATE_LIMITS,
            "code-lookup-global": (1, 3600),
        }
    )
    def test_a_cohost_keeps_the_album_while_lookups_are_refused(self):
        """As owners and followers do (albums.access._known_code): their account
        has the code."""
        guesser = self.client_class(REMOTE_ADDR="198.51.100.7")
        guesser.get("/a/ZZZZZZZZ/")
        guesser.get("/a/ZZZZZZZY/")
        self.client.force_login(self.erin)
        self.assertEqual(
            self.client.get(self.album.get_absolute_url()).status_code, 429
        )
        self.client.force_login(self.dana)
        self.assertEqual(
            self.client.get(self.album.get_absolute_url()).status_code, 200
        )
