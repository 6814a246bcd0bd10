from django.contrib.auth.models import User
from django.test import TransactionTestCase
from django.urls import reverse

from albums.models import Album, Subs
from albums.tests.base import BaseTestCase, store_photo, stored_keys
from albums.tests.races import needs_row_locks, upload_while_deleting
from photos.models import Photo


class AccountDeleteTestCase(BaseTestCase):
    url = reverse("account_delete")

    def setUp(self):
        # alice: her party album (2 photos, one added by charlie), an empty
        # second album, and 1 upload to bob's album; bob has his own photo.
        self.second_album = Album.objects.create(name="Alice's hike", user=self.alice)
        self.bob_album = Album.objects.create(name="Bob's wedding", user=self.bob)
        self.alice_photo = store_photo(self.album, user=self.alice, color=(1, 2, 3))
        self.charlie_photo = store_photo(self.album, user=self.charlie, color=(4, 5, 6))
        self.alice_upload = store_photo(
            self.bob_album, user=self.alice, color=(7, 8, 9)
        )
        self.bob_photo = store_photo(self.bob_album, user=self.bob, color=(10, 11, 12))
        self.bob_album.thumbnail = self.alice_upload
        self.bob_album.save()
        Subs.objects.create(album=self.bob_album, user=self.alice)

    def test_anonymous_visitors_are_sent_to_log_in(self):
        self.assertRedirects(
            self.client.get(self.url), f"{reverse('login')}?next={self.url}"
        )
        self.assertRedirects(
            self.client.post(self.url, {"password": "password"}),
            f"{reverse('login')}?next={self.url}",
        )
        self.assertTrue(User.objects.filter(pk=self.alice.pk).exists())

    def test_it_says_exactly_what_will_go(self):
        self.client.force_login(self.alice)
        response = self.client.get(self.url)
        self.assertContains(response, "2 albums with 2 photos in them")
        self.assertContains(response, "Alice&#x27;s party (2 photos)")
        self.assertContains(response, "Alice&#x27;s hike (0 photos)")
        self.assertContains(response, "1 photo you uploaded to other people's albums")
        self.assertNotContains(response, "Bob&#x27;s wedding")
        self.assertContains(response, '<label for="id_password">')

    def test_the_summary_counts_a_user_with_nothing(self):
        self.client.force_login(self.staff)
        response = self.client.get(self.url)
        self.assertContains(response, "0 albums with 0 photos in them")
        self.assertContains(response, "0 photos you uploaded to other people's albums")

    def test_a_wrong_password_deletes_nothing(self):
        self.client.force_login(self.alice)
        keys_before = stored_keys()
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            response = self.client.post(self.url, {"password": "wrong"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(
            response, "That is not your password. Your account has not been deleted."
        )
        self.assertEqual(callbacks, [])
        self.assertTrue(User.objects.filter(pk=self.alice.pk).exists())
        self.assertEqual(Photo.objects.count(), 4)
        self.assertEqual(stored_keys(), keys_before)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.alice.pk)

    def test_get_deletes_nothing(self):
        self.client.force_login(self.alice)
        self.client.get(self.url, {"password": "password"})
        self.assertTrue(User.objects.filter(pk=self.alice.pk).exists())

    def test_the_right_password_deletes_the_user_their_albums_photos_and_files(self):
        self.client.force_login(self.alice)
        alice_keys = set(
            self.alice_photo.storage_keys
            + self.charlie_photo.storage_keys
            + self.alice_upload.storage_keys
        )
        bob_keys = set(self.bob_photo.storage_keys)
        self.assertEqual(set(stored_keys()), alice_keys | bob_keys)

        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(self.url, {"password": "password"})

        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.assertFalse(User.objects.filter(pk=self.alice.pk).exists())
        self.assertFalse(Album.objects.filter(user_id=self.alice.pk).exists())
        self.assertEqual(list(Photo.objects.all()), [self.bob_photo])
        self.assertFalse(Subs.objects.filter(user_id=self.alice.pk).exists())
        self.bob_album.refresh_from_db()
        self.assertEqual(
            self.bob_album.thumbnail, self.bob_photo
        )  # alice's photo was the cover
        # alice's objects (and those of the photos in her albums) are gone; bob's remain.
        self.assertEqual(set(stored_keys()), bob_keys)
        # Logged out, with a message saying so.
        self.assertNotIn("_auth_user_id", self.client.session)
        response = self.client.get(reverse("home"))
        self.assertContains(
            response, "The account alice and everything in it has been deleted."
        )
        self.assertContains(response, "Log in")

    def test_files_are_deleted_only_after_the_commit(self):
        self.client.force_login(self.alice)
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            self.client.post(self.url, {"password": "password"})
        self.assertFalse(User.objects.filter(pk=self.alice.pk).exists())
        self.assertEqual(len(stored_keys()), 12)  # nothing deleted yet
        for callback in callbacks:
            callback()
        self.assertEqual(set(stored_keys()), set(self.bob_photo.storage_keys))


@needs_row_locks
class AccountDeleteRaceTestCase(TransactionTestCase):
    """Deleting an account while a guest uploads to one of its albums, with
    real threads."""

    def test_an_upload_into_an_album_of_an_account_being_deleted_gets_no_album(self):
        host = User.objects.create_user("host", password="password")
        album = Album.objects.create(name="Party", user=host)
        store_photo(album, color=(1, 2, 3))
        host_client = self.client_class()
        host_client.force_login(host)

        deleted, upload = upload_while_deleting(
            self,
            album,
            lambda: host_client.post(
                reverse("account_delete"), {"password": "password"}
            ),
        )
        self.assertRedirects(deleted, "/", fetch_redirect_response=False)
        self.assertFalse(User.objects.filter(pk=host.pk).exists())
        self.assertFalse(Album.objects.exists())
        self.assertFalse(Photo.objects.exists())
        self.assertEqual(upload.status_code, 404)
        self.assertEqual(
            upload.json()["results"][0]["message"], "late.jpg: No album with that code."
        )
        self.assertEqual(stored_keys(), [])
