import uuid
from datetime import timedelta
from unittest.mock import ANY

from django.utils import timezone

from albums.models import Album, Subs
from albums.tests.base import AlbumTestCase, store_photo, stored_keys
from photos.models import GuestEmail, Photo


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


class MergeConfirmationTestCase(AlbumTestCase):
    """The chooser asks by GET; the page it leads to says exactly what the
    merge moves and deletes, and only its POST button merges."""

    def setUp(self):
        super().setUp()
        self.url = f"/a/{self.album.code}/merge/"
        self.other = Album.objects.create(name="Alice's afterparty", user=self.alice)
        store_photo(self.album, color=(1, 1, 1))
        store_photo(self.other, color=(1, 1, 1))  # already here: dropped
        self.moving = store_photo(self.other, color=(2, 2, 2))
        store_photo(self.other, color=(3, 3, 3))
        store_photo(
            self.other, color=(4, 4, 4), content_type="video/mp4", filename="toast.mp4"
        )
        self.other.thumbnail = self.moving
        self.other.save()
        Subs.objects.create(album=self.other, user=self.charlie)  # follows both
        Subs.objects.create(album=self.other, user=self.bob)
        self.confirm_url = f"{self.url}?other={self.other.pk}"
        self.client.force_login(self.alice)

    def test_the_chooser_asks_by_get(self):
        response = self.client.get(self.url)
        self.assertContains(response, '<form method="get" class="card">')
        self.assertContains(response, f'<option value="{self.other.pk}">')
        self.assertContains(response, "Next: see what moves")

    def test_the_page_says_what_moves_and_what_is_deleted(self):
        response = self.client.get(self.confirm_url)
        self.assertContains(
            response,
            "<h1>Merge Alice&#x27;s afterparty into Alice&#x27;s party?</h1>",
            html=True,
        )
        text = " ".join(response.content.decode().split())
        self.assertIn(
            "<strong>2 photos and 1 video move</strong> from Alice&#x27;s afterparty",
            text,
        )
        self.assertIn(
            f'from Alice&#x27;s afterparty (<span class="album-code">'
            f"{self.other.display_code}</span>) into Alice&#x27;s party",
            text,
        )
        self.assertIn("1 more is already in Alice&#x27;s party (the same file)", text)
        self.assertIn(
            "<strong>1 follower</strong> of Alice&#x27;s afterparty will follow", text
        )
        self.assertIn("1 more already follows it.", text)
        self.assertIn("Alice&#x27;s afterparty's cover becomes its cover.", text)
        self.assertIn("<strong>Alice&#x27;s afterparty is then deleted</strong>", text)
        self.assertIn(f"http://testserver/l/{self.other.link_token}/", text)
        self.assertIn("any cards printed for it stop working", text)
        self.assertContains(
            response, f'<input type="hidden" name="other" value="{self.other.pk}">'
        )
        self.assertContains(
            response,
            '<button type="submit" class="button button-danger">Merge and delete '
            "Alice&#x27;s afterparty</button>",
            html=True,
        )
        self.assertContains(
            response, f'<a href="/a/{self.album.code}/settings/">Cancel</a>', html=True
        )
        # Nothing has happened yet.
        self.assertEqual(self.other.photos.count(), 4)
        self.assertEqual(self.other.subs.count(), 2)

    def test_what_it_says_is_what_the_merge_does(self):
        preview = self.album.merge_preview(self.other)
        moved, dropped, followers = self.album.merge(self.other)
        self.assertEqual(
            (
                preview["photos"] + preview["videos"],
                preview["dropped"],
                preview["followers"],
            ),
            (moved, dropped, followers),
        )
        self.assertEqual((preview["photos"], preview["videos"]), (2, 1))

    def test_nobody_following_and_a_cover_already_there(self):
        Subs.objects.filter(album=self.other).delete()
        self.album.thumbnail = self.album.photos.get()
        self.album.save()
        text = " ".join(self.client.get(self.confirm_url).content.decode().split())
        self.assertIn("Nobody follows Alice&#x27;s afterparty.", text)
        self.assertNotIn("cover", text)

    def test_only_followers_already_here(self):
        Subs.objects.filter(album=self.other, user=self.bob).delete()
        text = " ".join(self.client.get(self.confirm_url).content.decode().split())
        self.assertIn("Its 1 follower already follows Alice&#x27;s party.", text)

    def test_an_album_that_is_not_one_of_yours_is_refused_with_the_chooser(self):
        bobs = Album.objects.create(name="Bob's", user=self.bob)
        for other in (bobs.pk, self.album.pk, "nonsense", ""):
            with self.subTest(other=other):
                response = self.client.get(self.url, {"other": other})
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, "Next: see what moves", status_code=400)
                self.assertNotContains(response, "Bob&#x27;s", status_code=400)
        self.assertTrue(Album.objects.filter(pk=bobs.pk).exists())

    def test_others_get_404_for_the_page(self):
        for user in (None, self.bob, self.charlie):
            with self.subTest(user=user):
                self.login_as(user)
                self.assertEqual(self.client.get(self.confirm_url).status_code, 404)


class MergeHiddenAndShownTestCase(AlbumTestCase):
    """A drop box before its reveal hides its photos from guests: merged
    with an album that shows them, they'd show or hide with no word. The
    form refuses it, saying what to do; both of one kind merge."""

    def setUp(self):
        super().setUp()
        self.url = f"/a/{self.album.code}/merge/"
        self.other = Album.objects.create(name="Alice's afterparty", user=self.alice)
        self.theirs = store_photo(self.other, color=(5, 5, 5))
        self.client.force_login(self.alice)

    def make_drop_box(self, album, reveal_at=None):
        Album.objects.filter(pk=album.pk).update(
            mode=Album.DROP_BOX, reveal_at=reveal_at
        )
        album.refresh_from_db()

    def assertRefused(self, message):
        for response in (
            self.client.get(self.url, {"other": self.other.pk}),
            self.client.post(self.url, {"other": self.other.pk}),
        ):
            self.assertContains(response, message, status_code=400)
            self.assertNotContains(response, "Merge and delete", status_code=400)
        self.theirs.refresh_from_db()
        self.assertEqual(self.theirs.album, self.other)
        self.assertTrue(Album.objects.filter(pk=self.other.pk).exists())

    def test_the_other_hides_its_photos_and_this_one_doesnt(self):
        self.make_drop_box(self.other)
        self.assertRefused(
            "Alice&#x27;s afterparty keeps its photos hidden from guests until its "
            "reveal, and this album doesn&#x27;t: reveal it first, or make both "
            "albums the same kind."
        )

    def test_this_one_hides_its_photos_and_the_other_doesnt(self):
        self.make_drop_box(self.album, reveal_at=timezone.now() + timedelta(days=1))
        self.assertRefused(
            "This album keeps its photos hidden from guests until its reveal, and "
            "Alice&#x27;s afterparty doesn&#x27;t: reveal this album first, or make "
            "both albums the same kind."
        )

    def test_two_of_a_kind_merge(self):
        for here, there in (
            (None, timezone.now() + timedelta(hours=1)),  # both hidden
            (timezone.now() - timedelta(hours=1), "see all"),  # both shown
        ):
            with self.subTest(here=here, there=there):
                other = Album.objects.create(name="More", user=self.alice)
                photo = store_photo(other, color=(6, 6, 6), sha256=uuid.uuid4().hex * 2)
                self.make_drop_box(self.album, reveal_at=here)
                if there != "see all":
                    self.make_drop_box(other, reveal_at=there)
                response = self.client.get(self.url, {"other": other.pk})
                self.assertContains(response, "Merge and delete")
                self.client.post(self.url, {"other": other.pk})
                photo.refresh_from_db()
                self.assertEqual(photo.album, self.album)


class MergeGuestEmailsTestCase(AlbumTestCase):
    """The addresses guests left on the other album for its link come along,
    for this album's link; one left here already isn't kept twice."""

    def test_they_move_and_the_ones_already_here_stay_once(self):
        other = Album.objects.create(name="Alice's afterparty", user=self.alice)
        GuestEmail.objects.create(album=self.album, email="dana@example.org")
        GuestEmail.objects.create(album=other, email="Dana@Example.org")
        sams = GuestEmail.objects.create(
            album=other, email="sam@example.org", guest_key="k" * 64
        )
        self.client.force_login(self.alice)
        self.client.post(f"/a/{self.album.code}/merge/", {"other": other.pk})
        self.assertFalse(Album.objects.filter(pk=other.pk).exists())
        self.assertEqual(
            sorted(
                GuestEmail.objects.values_list("album", "email", "guest_key", "token")
            ),
            [
                (self.album.pk, "dana@example.org", "", ANY),
                (self.album.pk, "sam@example.org", "k" * 64, sams.token),
            ],
        )
