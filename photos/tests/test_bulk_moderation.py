from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from albums.tests.base import (
    BaseTestCase,
    TwoAlbumsTestCase,
    bulk_photos,
    store_photo,
    stored_keys,
)
from photos.models import Photo, TakedownRequest


class BulkModerationTests(TwoAlbumsTestCase):
    """The album grid as a form: the owner ticks photos and hides, unhides or deletes them."""

    def setUp(self):
        self.photos = [
            store_photo(
                self.album,
                user=self.charlie,
                color=(40 * i + 10, 0, 0),
                filename=f"party{i}.jpg",
            )
            for i in range(3)
        ]
        self.bobs = store_photo(
            self.other_album, user=self.bob, color=(0, 0, 9), filename="bobs.jpg"
        )
        self.url = reverse("bulk_moderation", args=[self.album.code])

    def post(self, action, photos, **data):
        return self.client.post(
            self.url, {"action": action, "photos": [p.pk for p in photos], **data}
        )

    def hidden(self):
        return set(Photo.objects.filter(hidden=True).values_list("pk", flat=True))

    def test_owner_hides_and_unhides_selected(self):
        self.client.force_login(self.alice)
        first, second, third = self.photos
        response = self.post(
            "hide", [first, second], next=self.album.get_absolute_url() + "?page=1"
        )
        self.assertRedirects(
            response,
            self.album.get_absolute_url() + "?page=1",
            fetch_redirect_response=False,
        )
        self.assertEqual(self.hidden(), {first.pk, second.pk})
        response = self.client.post(
            self.url, {"action": "unhide", "photos": [second.pk, third.pk]}, follow=True
        )
        self.assertContains(
            response, "2 photos visible to everyone with the code again."
        )
        self.assertEqual(self.hidden(), {first.pk})

    def test_staff_may_moderate(self):
        self.client.force_login(self.staff)
        self.assertEqual(self.post("hide", self.photos).status_code, 302)
        self.assertEqual(self.hidden(), {p.pk for p in self.photos})

    def test_delete_asks_first_and_changes_nothing(self):
        self.client.force_login(self.alice)
        keys = stored_keys()
        response = self.post("delete", self.photos[:2])
        self.assertContains(response, "Delete 2 photos?")
        self.assertContains(
            response, '<input type="hidden" name="confirmed" value="1">', html=True
        )
        for photo in self.photos[:2]:
            self.assertContains(
                response,
                f'<input type="hidden" name="photos" value="{photo.pk}">',
                html=True,
            )
        self.assertNotContains(response, f'value="{self.photos[2].pk}"')
        self.assertEqual(Photo.objects.filter(album=self.album).count(), 3)
        self.assertEqual(stored_keys(), keys)

    def test_confirmed_delete_moves_them_to_the_trash_with_their_files(self):
        self.client.force_login(self.alice)
        doomed, kept = self.photos[:2], self.photos[2]
        TakedownRequest.objects.create(photo=doomed[0], reason="me")
        keys = stored_keys()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.post("delete", doomed, confirmed="1")
        self.assertRedirects(
            response, self.album.get_absolute_url(), fetch_redirect_response=False
        )
        self.assertEqual(list(Photo.objects.filter(album=self.album)), [kept])
        self.assertEqual(
            set(
                Photo.all_objects.filter(deleted_at__isnull=False).values_list(
                    "pk", flat=True
                )
            ),
            {p.pk for p in doomed},
        )
        # Rows, take-down requests and files wait for the purge or a restore.
        self.assertTrue(TakedownRequest.objects.exists())
        self.assertEqual(stored_keys(), keys)
        self.assertContains(
            self.client.get(self.album.get_absolute_url()),
            "Moved 2 photos to the trash: restore them from",
        )

    def test_deleting_the_cover_picks_another(self):
        self.album.thumbnail = self.photos[0]
        self.album.save()
        self.client.force_login(self.alice)
        self.post("delete", self.photos[:1], confirmed="1")
        self.album.refresh_from_db()
        self.assertEqual(self.album.thumbnail, self.photos[1])

    def test_ids_of_another_albums_photos_are_ignored(self):
        self.client.force_login(self.alice)
        for action in ("hide", "delete"):
            with self.captureOnCommitCallbacks(execute=True):
                response = self.post(action, [self.photos[0], self.bobs], confirmed="1")
            self.assertEqual(response.status_code, 302)
            self.bobs.refresh_from_db()
            self.assertFalse(self.bobs.hidden)
        self.assertFalse(Photo.objects.filter(pk=self.photos[0].pk).exists())
        self.assertEqual(
            stored_keys(f"albums/{self.other_album.pk}/"),
            sorted(self.bobs.storage_keys),
        )

    def test_confirmation_lists_only_this_albums_photos(self):
        self.client.force_login(self.alice)
        response = self.post("delete", [self.photos[0], self.bobs])
        self.assertContains(response, "Delete 1 photo?")
        self.assertNotContains(response, f'name="photos" value="{self.bobs.pk}"')

    def test_only_other_albums_photos_is_a_clear_400(self):
        self.client.force_login(self.alice)
        for action in ("hide", "delete"):
            response = self.post(action, [self.bobs], confirmed="1")
            self.assertContains(
                response,
                "None of the selected photos is in this album",
                status_code=400,
            )
        self.assertTrue(Photo.objects.filter(pk=self.bobs.pk, hidden=False).exists())

    def test_owner_of_the_other_album_cannot_reach_these_photos_through_theirs(self):
        self.client.force_login(self.bob)
        url = reverse("bulk_moderation", args=[self.other_album.code])
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                url,
                {"action": "delete", "photos": [self.photos[0].pk], "confirmed": "1"},
            )
        self.assertEqual(response.status_code, 400)
        self.assertTrue(Photo.objects.filter(pk=self.photos[0].pk).exists())

    def test_bad_input_is_a_clear_400(self):
        self.client.force_login(self.alice)
        cases = [
            ({"action": "hide"}, "Select at least one photo first."),
            (
                {"action": "burn", "photos": [self.photos[0].pk]},
                "Choose hide, unhide or delete.",
            ),
            (
                {"photos": [self.photos[0].pk]},
                "Choose what to do with the selected photos.",
            ),
            (
                {"action": "hide", "photos": ["1 OR 1=1"]},
                "Photo ids must be whole numbers.",
            ),
        ]
        for data, message in cases:
            self.assertContains(
                self.client.post(self.url, data), message, status_code=400
            )
        self.assertEqual(self.hidden(), set())

    def test_too_many_ids_at_once(self):
        self.client.force_login(self.alice)
        response = self.client.post(
            self.url, {"action": "hide", "photos": list(range(1, 502))}
        )
        self.assertContains(
            response,
            "Select at most 500 photos at a time (you selected 501).",
            status_code=400,
        )

    def test_others_get_404_and_nothing_changes(self):
        keys = stored_keys()
        for user in (None, self.bob, self.charlie):
            if user:
                self.client.force_login(user)
            for action in ("hide", "delete"):
                with self.captureOnCommitCallbacks(execute=True):
                    response = self.post(action, self.photos, confirmed="1")
                self.assertEqual(response.status_code, 404, user)
        self.assertEqual(
            Photo.objects.filter(album=self.album, hidden=False).count(), 3
        )
        self.assertEqual(stored_keys(), keys)

    def test_get_is_refused(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(self.url).status_code, 405)


class AlbumGridFormTests(BaseTestCase):
    """The grid on the album page is a form for the owner only."""

    def setUp(self):
        self.photo = store_photo(self.album, user=self.charlie, filename="dance.jpg")

    def test_owner_gets_a_labelled_checkbox_per_photo_and_the_buttons(self):
        for user in (self.alice, self.staff):
            self.client.force_login(user)
            response = self.client.get(self.album.get_absolute_url())
            self.assertContains(
                response,
                f'action="{reverse("bulk_moderation", args=[self.album.code])}"',
            )
            self.assertContains(
                response,
                '<label class="photo-select">'
                f'<input type="checkbox" name="photos" value="{self.photo.pk}">'
                '<span class="visually-hidden">Select dance.jpg</span></label>',
                html=True,
            )
            for label in ("Hide selected", "Unhide selected", "Delete selected"):
                self.assertContains(response, label)

    def test_others_see_no_checkboxes(self):
        for user in (None, self.bob, self.charlie):
            if user:
                self.client.force_login(user)
            response = self.client.get(self.album.get_absolute_url())
            self.assertContains(response, self.photo.get_absolute_url())
            self.assertNotContains(response, 'type="checkbox"')
            self.assertNotContains(response, "Delete selected")


class CoverQueriesTests(BaseTestCase):
    """The cover rule runs once per album touched, not once per photo."""

    def album_updates(self, queries):
        return [
            q["sql"] for q in queries if q["sql"].startswith('UPDATE "albums_album"')
        ]

    def test_trashing_fifty_photos_updates_the_album_once(self):
        photos = bulk_photos(self.album, 50)
        self.album.thumbnail = photos[0]
        self.album.save()
        self.client.force_login(self.alice)
        url = reverse("bulk_moderation", args=[self.album.code])
        data = {"action": "delete", "photos": [p.pk for p in photos[:-1]]}
        with CaptureQueriesContext(connection) as queries:
            self.client.post(url, {**data, "confirmed": "1"})
        self.assertEqual(Photo.objects.filter(album=self.album).count(), 1)
        # To the trash: one cover refresh (photos.trash.trash_photos).
        self.assertEqual(len(self.album_updates(queries.captured_queries)), 1)
        self.album.refresh_from_db()
        self.assertEqual(self.album.thumbnail, photos[-1])

    def test_deleting_an_account_refreshes_each_album_once(self):
        others = [bulk_photos(self.album, 1, user=self.bob)[0] for _ in range(20)]
        self.album.thumbnail = others[0]
        self.album.save()
        kept = bulk_photos(self.album, 1, user=self.charlie)[0]
        with CaptureQueriesContext(connection) as queries:
            self.client.force_login(self.bob)
            self.client.post(reverse("account_delete"), {"password": "password"})
        self.assertFalse(Photo.objects.filter(user=self.bob).exists())
        self.assertLessEqual(len(self.album_updates(queries.captured_queries)), 2)
        self.album.refresh_from_db()
        self.assertEqual(self.album.thumbnail, kept)
