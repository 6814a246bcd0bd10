"""A drop box: guests only add, and each sees only their own photos until
the reveal; the hosts see everything. Checked for every way photos leave the
album: the album page, a photo's page, photos.json, the ZIP, save.json, the
slideshow (with and without the hosts' slideshow key), the cover, and what
an upload says of a duplicate."""

import datetime
import io
import zipfile

from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from albums.models import Album, CoHost
from albums.tests.base import BaseTestCase, make_image_bytes, store_photo
from photos.models import Photo
from photos.tests.helpers import JSON, remember_upload, upload

WAITING = "Photos will be revealed"
BANNER = "guests see only their own photos"


class DropBoxTestCase(BaseTestCase):
    """alice owns the album, dana co-hosts it; bob (an account) and guest A
    (a browser without one) each added a photo; alice added one; one of
    bob's is hidden by the hosts. Guest B added nothing."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dana = User.objects.create_user("dana", "dana@example.org", "password")
        CoHost.objects.create(album=cls.album, user=cls.dana)

    def setUp(self):
        cache.clear()
        self.guest_a = Client()
        self.guest_b = Client()
        self.by_a = store_photo(self.album, color=(10, 10, 10), filename="a.jpg")
        remember_upload(self.guest_a, self.by_a)
        self.by_bob = store_photo(
            self.album, self.bob, color=(20, 20, 20), filename="bob.jpg"
        )
        self.by_alice = store_photo(
            self.album, self.alice, color=(30, 30, 30), filename="alice.jpg"
        )
        self.hidden = store_photo(
            self.album, self.bob, color=(40, 40, 40), filename="hidden.jpg", hidden=True
        )
        self.reveal_at = timezone.now() + datetime.timedelta(days=1)
        Album.objects.filter(pk=self.album.pk).update(
            mode=Album.DROP_BOX, reveal_at=self.reveal_at
        )
        self.album.refresh_from_db()
        self.everything = {self.by_a, self.by_bob, self.by_alice, self.hidden}
        self.shared = {self.by_a, self.by_bob, self.by_alice}

    def client_for(self, role):
        """A client for a role: "guest_a", "guest_b", "bob", "alice", "dana"."""
        if role == "guest_a":
            return self.guest_a
        if role == "guest_b":
            return self.guest_b
        client = Client()
        client.force_login(getattr(self, role))
        return client

    def reveal(self, when=None):
        """The reveal passes (a date in the past, set in the database)."""
        Album.objects.filter(pk=self.album.pk).update(
            reveal_at=when or timezone.now() - datetime.timedelta(minutes=1)
        )
        self.album.refresh_from_db()

    def url(self, name, *args):
        return reverse(name, args=[self.album.code, *args])

    def json_ids(self, client, query=""):
        response = client.get(self.url("album_photos_json") + query)
        self.assertEqual(response.status_code, 200)
        return {photo["id"] for photo in response.json()["photos"]}


class DropBoxVisibilityTests(DropBoxTestCase):
    # Before the reveal, each role sees: guests and bob their own, the hosts all.
    BEFORE = {
        "guest_a": "by_a",
        "guest_b": None,
        "bob": "by_bob hidden",
        "alice": "by_a by_bob by_alice hidden",
        "dana": "by_a by_bob by_alice hidden",
    }

    def expected(self, role):
        names = self.BEFORE[role]
        return {getattr(self, name).pk for name in (names or "").split()}

    def test_album_page_before_the_reveal(self):
        for role in self.BEFORE:
            with self.subTest(role=role):
                response = self.client_for(role).get(self.album.get_absolute_url())
                self.assertEqual(response.status_code, 200)
                shown = {photo.pk for photo in response.context["page"].object_list}
                self.assertEqual(shown, self.expected(role))
                when = timezone.localtime(self.reveal_at, self.album.tzinfo)
                if role in ("alice", "dana"):
                    self.assertContains(response, BANNER)
                    self.assertContains(response, f'href="{self.url("album_reveal")}"')
                    self.assertNotContains(response, WAITING)
                    self.assertContains(response, f'href="{self.url("slideshow")}"')
                else:
                    self.assertNotContains(response, BANNER)
                    self.assertNotContains(response, self.url("album_reveal"))
                    self.assertContains(
                        response,
                        f'{WAITING} <time datetime="'
                        f'{when.isoformat(timespec="minutes")}">tomorrow at '
                        f"{when:%H:%M}</time>.",
                    )
                    self.assertContains(
                        response,
                        "Only you and the hosts see your photos until they are "
                        "revealed",
                    )
                    # The slideshow is the hosts' until the reveal.
                    self.assertNotContains(response, f'href="{self.url("slideshow")}"')

    def test_without_a_reveal_date_the_hosts_reveal_them(self):
        Album.objects.filter(pk=self.album.pk).update(reveal_at=None)
        response = self.guest_b.get(self.album.get_absolute_url())
        self.assertContains(response, f"{WAITING} when the hosts reveal them.")
        response = self.client_for("alice").get(self.album.get_absolute_url())
        self.assertContains(response, "until you reveal them")

    def test_after_the_reveal_everyone_sees_what_is_not_hidden(self):
        self.reveal()
        for role in self.BEFORE:
            with self.subTest(role=role):
                response = self.client_for(role).get(self.album.get_absolute_url())
                shown = {photo.pk for photo in response.context["page"].object_list}
                expected = {p.pk for p in self.shared}
                if role in ("bob", "alice", "dana"):
                    expected.add(self.hidden.pk)  # their own, or the hosts'
                self.assertEqual(shown, expected)
                self.assertNotContains(response, WAITING)
                self.assertNotContains(response, BANNER)

    def test_see_all_mode_shows_everyone_everything_not_hidden(self):
        Album.objects.filter(pk=self.album.pk).update(
            mode=Album.SEE_ALL, reveal_at=None
        )
        response = self.guest_b.get(self.album.get_absolute_url())
        self.assertEqual(
            {photo.pk for photo in response.context["page"].object_list},
            {p.pk for p in self.shared},
        )
        self.assertNotContains(response, WAITING)

    def test_photo_page_of_another_guest_is_a_404(self):
        cases = [
            ("guest_a", self.by_a, 200),
            ("guest_a", self.by_bob, 404),
            ("guest_b", self.by_a, 404),
            ("bob", self.by_a, 404),
            ("bob", self.hidden, 200),
            ("alice", self.by_a, 200),
            ("dana", self.hidden, 200),
        ]
        for role, photo, status in cases:
            with self.subTest(role=role, photo=photo.filename):
                response = self.client_for(role).get(photo.viewer_url())
                self.assertEqual(response.status_code, status)
        self.reveal()
        response = self.guest_b.get(self.by_a.viewer_url())
        self.assertContains(response, "a.jpg")

    def test_a_guest_can_still_delete_their_own(self):
        response = self.guest_a.post(self.url("photo_delete", self.by_a.pk), **JSON)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Photo.objects.filter(pk=self.by_a.pk).exists())

    def test_photos_json(self):
        for role in self.BEFORE:
            with self.subTest(role=role):
                client = self.client_for(role)
                self.assertEqual(self.json_ids(client), self.expected(role))
                ids = client.get(self.url("album_photos_json") + "?ids=1").json()
                self.assertEqual(set(ids["ids"]), self.expected(role))
        self.reveal()
        self.assertEqual(self.json_ids(self.guest_b), {p.pk for p in self.shared})

    def zip_names(self, client):
        response = client.get(self.url("album_download"))
        self.assertEqual(response.status_code, 200)
        body = b"".join(response.streaming_content)
        return sorted(
            name.split(" ", 2)[2]
            for name in zipfile.ZipFile(io.BytesIO(body)).namelist()
        )

    def test_zip_holds_what_each_may_see(self):
        self.assertEqual(self.zip_names(self.guest_a), ["a.jpg"])
        self.assertEqual(
            self.zip_names(self.client_for("bob")), ["bob.jpg", "hidden.jpg"]
        )
        self.assertEqual(
            self.zip_names(self.client_for("dana")),
            ["a.jpg", "alice.jpg", "bob.jpg", "hidden.jpg"],
        )
        self.reveal()
        self.assertEqual(
            self.zip_names(self.guest_b), ["a.jpg", "alice.jpg", "bob.jpg"]
        )

    def test_zip_is_empty_for_a_guest_with_nothing_of_their_own(self):
        self.assertEqual(self.zip_names(self.guest_b), [])

    def test_save_json_gives_only_their_own(self):
        ids = ",".join(str(photo.pk) for photo in self.everything)
        url = self.url("album_save_json") + f"?ids={ids}"
        got = self.guest_a.get(url).json()["files"]
        self.assertEqual([file["id"] for file in got], [self.by_a.pk])
        self.assertEqual(self.guest_b.get(url).json()["files"], [])
        got = self.client_for("alice").get(url).json()["files"]
        self.assertEqual({file["id"] for file in got}, {p.pk for p in self.everything})
        self.reveal()
        got = self.guest_b.get(url).json()["files"]
        self.assertEqual({file["id"] for file in got}, {p.pk for p in self.shared})


class DropBoxSlideshowTests(DropBoxTestCase):
    def keyed(self, name, key=None):
        return f"{self.url(name)}?key={key or self.album.slideshow_token}"

    def test_guests_get_the_waiting_page(self):
        for role in ("guest_a", "guest_b", "bob"):
            with self.subTest(role=role):
                response = self.client_for(role).get(self.url("slideshow"))
                self.assertContains(response, WAITING, status_code=403)
                self.assertContains(
                    response, "The slideshow starts at the reveal", status_code=403
                )
                self.assertNotContains(response, "data-slideshow ", status_code=403)

    def test_the_hosts_see_every_photo(self):
        for role in ("alice", "dana"):
            with self.subTest(role=role):
                response = self.client_for(role).get(self.url("slideshow"))
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.context["newest"], self.hidden)
                self.assertContains(
                    response, f'data-photos-url="{self.url("album_photos_json")}"'
                )

    def test_the_hosts_slideshow_link_shows_what_is_not_hidden(self):
        response = self.guest_b.get(self.keyed("slideshow"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["newest"], self.by_alice)
        # Its polls carry the key on.
        self.assertContains(
            response, f'data-photos-url="{self.keyed("album_photos_json")}"'
        )
        self.assertEqual(
            self.json_ids(self.guest_b, f"?key={self.album.slideshow_token}"),
            {p.pk for p in self.shared},
        )
        ids = self.guest_b.get(self.keyed("album_photos_json") + "&ids=1").json()
        self.assertEqual(set(ids["ids"]), {p.pk for p in self.shared})
        # Even for a host: hidden photos stay off the party's screen.
        self.assertEqual(
            self.json_ids(
                self.client_for("alice"), f"?key={self.album.slideshow_token}"
            ),
            {p.pk for p in self.shared},
        )

    def test_the_key_goes_on_to_the_next_page(self):
        response = self.guest_b.get(self.keyed("album_photos_json") + "&limit=1")
        next_url = response.json()["next"]
        self.assertIn(f"key={self.album.slideshow_token}", next_url)
        following = self.guest_b.get(next_url).json()
        self.assertEqual(len(following["photos"]), 1)
        response = self.guest_b.get(
            self.keyed("album_photos_json") + "&limit=1&sort=taken"
        )
        self.assertIn(f"key={self.album.slideshow_token}", response.json()["next"])

    def test_a_wrong_key_is_no_key(self):
        wrong = "x" * len(self.album.slideshow_token)
        for key in (wrong, self.album.slideshow_token[:-1], "", self.album.link_token):
            with self.subTest(key=key):
                response = self.guest_b.get(
                    self.keyed("slideshow", key) if key else self.url("slideshow")
                )
                self.assertEqual(response.status_code, 403)
                self.assertEqual(
                    self.json_ids(self.guest_a, f"?key={key}"), {self.by_a.pk}
                )

    def test_after_the_reveal_everyone_has_the_slideshow(self):
        self.reveal()
        response = self.guest_b.get(self.url("slideshow"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["newest"], self.by_alice)

    def test_see_all_album_slideshow_for_everyone(self):
        Album.objects.filter(pk=self.album.pk).update(mode=Album.SEE_ALL)
        self.assertEqual(self.guest_b.get(self.url("slideshow")).status_code, 200)


class DropBoxCoverTests(DropBoxTestCase):
    """The cover is one guest's photo like any other: before the reveal only
    the hosts see it, on the album, on home pages and in link previews."""

    def setUp(self):
        super().setUp()
        Album.objects.filter(pk=self.album.pk).update(thumbnail=self.by_bob)
        self.album.refresh_from_db()

    def test_album_page(self):
        cover_url = self.by_bob.display_url().split("?")[0]
        response = self.guest_b.get(self.album.get_absolute_url())
        self.assertNotContains(response, "data-album-hero")
        self.assertNotContains(response, cover_url)
        response = self.client_for("dana").get(self.album.get_absolute_url())
        self.assertContains(response, "data-album-hero")
        self.reveal()
        response = self.guest_b.get(self.album.get_absolute_url())
        self.assertContains(response, "data-album-hero")

    def test_home_page_of_a_follower_and_of_the_owner(self):
        thumbnail = self.by_bob.thumbnail_url().split("?")[0]
        follower = self.client_for("charlie")
        self.assertNotContains(follower.get("/"), thumbnail)
        self.assertContains(self.client_for("alice").get("/"), thumbnail)
        self.reveal()
        self.assertContains(follower.get("/"), thumbnail)

    def test_link_preview_and_cover_image(self):
        cover = reverse("album_cover_image", args=[self.album.link_token])
        self.assertEqual(self.guest_b.get(cover).status_code, 404)
        page = self.guest_b.get(self.album.get_absolute_url())
        self.assertNotContains(page, cover)
        self.assertContains(page, "revealed later")
        self.reveal()
        self.assertEqual(self.guest_b.get(cover).status_code, 302)
        self.assertContains(self.guest_b.get(self.album.get_absolute_url()), cover)


class DropBoxUploadTests(DropBoxTestCase):
    def test_a_duplicate_of_another_guests_photo_shows_nothing_of_it(self):
        same = make_image_bytes(color=(10, 10, 10))  # guest A's photo's bytes
        response = upload(self.guest_b, self.album, "copy.jpg", same)
        result = response.json()["results"][0]
        self.assertEqual(result["status"], "duplicate")
        self.assertIsNone(result["photo"])
        # Guest A sending it again sees their own.
        response = upload(self.guest_a, self.album, "again.jpg", same)
        self.assertEqual(response.json()["results"][0]["photo"]["id"], self.by_a.pk)

    def test_a_new_upload_is_the_guests_own_and_only_theirs(self):
        response = upload(
            self.guest_b, self.album, "b.jpg", make_image_bytes(color=(90, 1, 1))
        )
        self.assertEqual(response.status_code, 201)
        added = response.json()["results"][0]["photo"]["id"]
        self.assertEqual(self.json_ids(self.guest_b), {added})
        self.assertNotIn(added, self.json_ids(self.guest_a))
        self.assertIn(added, self.json_ids(self.client_for("alice")))
