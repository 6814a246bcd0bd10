"""Restoring from the trash (photos.trash): who may, what comes back (the
description, the hide state, the cover if still free), and the clear
refusals (the same file again, a full album, restored or purged already)."""

from django.test import override_settings
from django.urls import reverse

from albums.models import Album, Subs
from albums.tests.base import store_photo, stored_keys
from photos import trash
from photos.models import Photo
from photos.tests.helpers import upload
from photos.tests.trash_base import TrashTestCase, image


class WhoMayRestoreTests(TrashTestCase):
    def setUp(self):
        super().setUp()
        self.trash(self.daves, self.guests)

    def assertRestored(self, photo, response, next_url=None):
        self.assertRedirects(
            response, next_url or self.trash_url, fetch_redirect_response=False
        )
        photo.refresh_from_db()
        self.assertIsNone(photo.deleted_at)
        self.assertTrue(Photo.objects.filter(pk=photo.pk).exists())

    def test_the_hosts_restore_any_photo(self):
        for user in (self.alice, self.eve, self.staff):
            with self.subTest(user=user):
                client = self.client_of(user)
                for photo in (self.daves, self.guests):
                    self.assertRestored(photo, client.post(self.restore_url(photo)))
                self.trash(self.daves, self.guests)

    def test_the_uploader_restores_their_own(self):
        dave = self.client_of(self.dave)
        self.assertEqual(dave.post(self.restore_url(self.guests)).status_code, 404)
        response = dave.post(self.restore_url(self.daves), follow=True)
        self.assertContains(response, "Restored daves.jpg: it is back in")
        self.assertContains(
            response,
            f'href="{reverse("photo", args=[self.album.code, self.daves.pk])}"',
        )
        photo_page = dave.get(reverse("photo", args=[self.album.code, self.daves.pk]))
        self.assertContains(photo_page, "Cake!")  # its description came back

    def test_a_guest_restores_their_own_by_their_cookie(self):
        self.assertEqual(
            self.client.post(self.restore_url(self.daves)).status_code, 404
        )
        self.assertRestored(
            self.guests, self.client.post(self.restore_url(self.guests))
        )
        self.assertContains(
            self.client.get(self.album.get_absolute_url()),
            f'data-photo-id="{self.guests.pk}"',
        )

    def test_others_get_404_and_nothing_changes(self):
        for who, client in (
            ("stranger", self.client_of(self.bob)),
            ("follower", self.client_of(self.charlie)),
            ("another guest", self.client_of(None)),
        ):
            with self.subTest(who):
                for photo in (self.daves, self.guests):
                    self.assertEqual(
                        client.post(self.restore_url(photo)).status_code, 404
                    )
                    self.assertEqual(
                        client.get(self.delete_now_url(photo)).status_code, 404
                    )
        self.assertEqual(Photo.all_objects.filter(deleted_at__isnull=False).count(), 2)

    def test_get_is_refused(self):
        response = self.client_of(self.alice).get(self.restore_url(self.daves))
        self.assertEqual(response.status_code, 405)

    def test_a_photo_of_another_album_is_404_through_this_one(self):
        other = Album.objects.create(name="Bob's", user=self.bob)
        elsewhere = store_photo(other, user=self.dave, color=(1, 2, 3))
        trash.trash_photos(Photo.objects.filter(pk=elsewhere.pk))
        for user in (self.alice, self.dave):
            response = self.client_of(user).post(
                reverse("album_trash_restore", args=[self.album.code, elsewhere.pk])
            )
            self.assertEqual(response.status_code, 404)

    def test_from_your_trash_page_back_to_it(self):
        response = self.client_of(self.dave).post(
            self.restore_url(self.daves), {"next": "/trash/"}
        )
        self.assertRestored(self.daves, response, next_url="/trash/")
        response = self.client_of(self.alice).post(
            self.restore_url(self.guests), {"next": "https://evil.example/"}
        )
        self.assertRestored(self.guests, response)  # an outside next is ignored

    def test_twice_is_404_the_second_time(self):
        alice = self.client_of(self.alice)
        alice.post(self.restore_url(self.daves))
        self.assertEqual(alice.post(self.restore_url(self.daves)).status_code, 404)


class WhatComesBackTests(TrashTestCase):
    def album_cover(self):
        self.album.refresh_from_db()
        return self.album.thumbnail

    def test_the_cover_comes_back_while_the_cover_is_the_automatic_one(self):
        self.trash(self.cover)
        self.assertTrue(self.cover.was_cover)
        self.assertEqual(self.album_cover(), self.daves)  # the rule's pick meanwhile
        response = self.client_of(self.alice).post(
            self.restore_url(self.cover), follow=True
        )
        self.assertContains(response, "It is the album&#x27;s cover again.")
        self.assertEqual(self.album_cover(), self.cover)
        self.cover.refresh_from_db()
        self.assertFalse(self.cover.was_cover)

    def test_a_cover_the_hosts_picked_since_stays(self):
        self.trash(self.cover)
        self.client_of(self.eve).post(
            reverse("album_cover", args=[self.album.code]), {"photo": self.guests.pk}
        )
        self.assertEqual(self.album_cover(), self.guests)
        response = self.client_of(self.alice).post(
            self.restore_url(self.cover), follow=True
        )
        self.assertNotContains(response, "cover again")
        self.assertEqual(self.album_cover(), self.guests)

    def test_an_album_left_without_a_cover_gets_one_back(self):
        self.trash(self.cover, self.daves, self.guests)
        self.assertIsNone(self.album_cover())
        self.client_of(self.dave).post(self.restore_url(self.daves))
        self.assertEqual(
            self.album_cover(), self.daves
        )  # not the cover before, but free

    def test_description_and_hide_state_come_back(self):
        Photo.objects.filter(pk=self.daves.pk).update(hidden=True)
        self.trash(self.daves)
        response = self.client_of(self.dave).post(
            self.restore_url(self.daves), follow=True
        )
        self.assertContains(response, "It is still hidden")
        self.daves.refresh_from_db()
        self.assertTrue(self.daves.hidden)
        self.assertEqual(self.daves.description, "Cake!")
        self.assertNotContains(
            self.client_of(self.bob).get(self.album.get_absolute_url()),
            f'data-photo-id="{self.daves.pk}"',
        )
        self.assertContains(
            self.client_of(self.dave).get(self.album.get_absolute_url()),
            f'data-photo-id="{self.daves.pk}"',
        )
        # Nor did it take the cover, hidden.
        self.assertEqual(self.album_cover(), self.cover)


class RefusedRestoreTests(TrashTestCase):
    def test_the_same_file_added_again_meanwhile(self):
        self.trash(self.guests)
        # The same bytes as self.guests, from someone else: added anew.
        again = upload(
            self.client_of(self.bob),
            self.album,
            "again.jpg",
            open_bytes(self.guests),
        )
        self.assertEqual(again.status_code, 201)
        response = self.client.post(self.restore_url(self.guests))
        self.assertContains(
            response,
            "guests.jpg can&#x27;t come back: the same file was added to Alice&#x27;s "
            "party again since it was deleted",
            status_code=409,
        )
        self.assertContains(response, 'alt="guests.jpg"', status_code=409)
        self.guests.refresh_from_db()
        self.assertIsNotNone(self.guests.deleted_at)
        # Once that copy goes, it can come back.
        copy = Photo.objects.get(filename="again.jpg")
        trash.trash_photos(Photo.objects.filter(pk=copy.pk))
        self.assertEqual(
            self.client.post(self.restore_url(self.guests)).status_code, 302
        )

    @override_settings(ALBUM_MAX_PHOTOS=3)
    def test_a_full_album(self):
        self.trash(self.daves)
        self.assertEqual(
            upload(
                self.client_of(self.bob), self.album, "new.jpg", image(7)
            ).status_code,
            201,
        )
        response = self.client_of(self.alice).post(self.restore_url(self.daves))
        self.assertContains(
            response,
            "daves.jpg can&#x27;t come back: This album is full, so nothing more can "
            "be added (the most is 3 photos and videos).",
            status_code=409,
        )
        self.assertFalse(Photo.objects.filter(pk=self.daves.pk).exists())

    def test_restore_photo_refuses_a_photo_out_of_the_trash(self):
        with self.assertRaises(trash.Refused):
            trash.restore_photo(self.daves)


class TrashedByAHostTests(TrashTestCase):
    """A host removing someone else's photo: only the hosts may undo it."""

    def delete_url(self, photo):
        return reverse("photo_delete", args=[self.album.code, photo.pk])

    def assertOnlyTheHostsRestore(self, photo, uploader):
        """`uploader` (a client) neither sees nor restores `photo`; a host
        does, and then it is an ordinary photo again."""
        photo.refresh_from_db()
        self.assertIsNotNone(photo.deleted_at)
        self.assertTrue(photo.trashed_by_host)
        page = uploader.get(self.trash_url)
        self.assertNotContains(page, self.restore_url(photo))
        self.assertContains(page, "Nothing of yours is in this album's trash.")
        self.assertNotContains(
            uploader.get(self.album.get_absolute_url()), "deleted photo you can"
        )
        self.assertEqual(uploader.post(self.restore_url(photo)).status_code, 404)
        photo.refresh_from_db()
        self.assertIsNotNone(photo.deleted_at)
        # The hosts see and restore it; restored, the flag is gone.
        eve = self.client_of(self.eve)
        self.assertContains(eve.get(self.trash_url), self.restore_url(photo))
        self.assertEqual(eve.post(self.restore_url(photo)).status_code, 302)
        photo.refresh_from_db()
        self.assertIsNone(photo.deleted_at)
        self.assertFalse(photo.trashed_by_host)

    def test_a_host_deletes_an_accounts_photo(self):
        alice = self.client_of(self.alice)
        self.assertEqual(alice.post(self.delete_url(self.daves)).status_code, 302)
        dave = self.client_of(self.dave)
        self.assertNotContains(dave.get(reverse("trash")), "daves.jpg")
        self.assertOnlyTheHostsRestore(self.daves, dave)
        # Once restored, its uploader deleting it may restore it again.
        self.assertEqual(dave.post(self.delete_url(self.daves)).status_code, 302)
        self.daves.refresh_from_db()
        self.assertFalse(self.daves.trashed_by_host)
        self.assertContains(dave.get(reverse("trash")), "daves.jpg")
        self.assertEqual(dave.post(self.restore_url(self.daves)).status_code, 302)

    def test_a_co_host_deletes_a_guests_photo_by_bulk_moderation(self):
        self.client_of(self.eve).post(
            reverse("bulk_moderation", args=[self.album.code]),
            {"action": "delete", "photos": [self.guests.pk], "confirmed": "1"},
        )
        self.assertOnlyTheHostsRestore(self.guests, self.client)

    def test_staff_move_it_to_the_trash_in_the_admin(self):
        from django.contrib.auth.models import User

        User.objects.filter(pk=self.staff.pk).update(is_superuser=True)
        response = self.client_of(self.staff).post(
            reverse("admin:photos_photo_changelist"),
            {"action": "move_to_trash", "_selected_action": [self.daves.pk]},
            follow=True,
        )
        self.assertContains(
            response,
            "Moved 1 photo(s) to the trash: their albums&#x27; hosts can restore "
            "them for 14 days (their uploaders can&#x27;t).",
        )
        self.assertOnlyTheHostsRestore(self.daves, self.client_of(self.dave))

    def test_the_uploader_deleting_their_own_may_restore_it(self):
        self.client.post(self.delete_url(self.guests))  # the guest, their own
        self.client_of(self.alice).post(self.delete_url(self.cover))  # hers
        for photo in (self.guests, self.cover):
            photo.refresh_from_db()
            self.assertIsNotNone(photo.deleted_at)
            self.assertFalse(photo.trashed_by_host)
        self.assertContains(self.client.get(self.trash_url), "guests.jpg")
        self.assertEqual(
            self.client.post(self.restore_url(self.guests)).status_code, 302
        )

    def test_a_host_deleting_it_after_the_uploader_checked_wins(self):
        # The uploader's restore checked restorable(), then a host restored
        # and deleted it again: restore_photo refuses under its lock.
        Photo.objects.filter(pk=self.daves.pk).update(
            deleted_at=self.daves.created_at, trashed_by_host=True
        )
        with self.assertRaises(trash.Refused) as refused:
            trash.restore_photo(self.daves, as_host=False)
        self.assertEqual(
            refused.exception.message,
            "daves.jpg is no longer in the trash: restored already, or deleted "
            "for good.",
        )
        self.assertEqual(trash.restore_photo(self.daves).deleted_at, None)


@override_settings(GUEST_SESSION_MAX_PHOTOS=1)
class GuestQuotaRestoreTests(TrashTestCase):
    """A guest can't get past their quota by deleting, adding and restoring."""

    def test_a_guest_at_their_quota_cant_restore(self):
        self.client.post(
            reverse("photo_delete", args=[self.album.code, self.guests.pk])
        )
        self.assertEqual(
            upload(self.client, self.album, "new.jpg", image(9)).status_code, 201
        )
        response = self.client.post(self.restore_url(self.guests))
        self.assertContains(
            response,
            "guests.jpg can&#x27;t come back: You have added 1 photo or video as a "
            "guest, the most one guest may add. Log in to add more.",
            status_code=409,
        )
        self.guests.refresh_from_db()
        self.assertIsNotNone(self.guests.deleted_at)
        # Once the other goes, it may come back.
        self.trash(Photo.objects.get(filename="new.jpg"))
        self.assertEqual(
            self.client.post(self.restore_url(self.guests)).status_code, 302
        )

    def test_the_hosts_restore_it_whatever_the_guests_quota(self):
        self.trash(self.guests)
        self.assertEqual(
            upload(self.client, self.album, "new.jpg", image(9)).status_code, 201
        )
        response = self.client_of(self.eve).post(self.restore_url(self.guests))
        self.assertEqual(response.status_code, 302)
        self.guests.refresh_from_db()
        self.assertIsNone(self.guests.deleted_at)

    def test_an_accounts_photo_has_no_guest_quota(self):
        self.trash(self.daves)
        self.assertEqual(
            self.client_of(self.dave).post(self.restore_url(self.daves)).status_code,
            302,
        )


class AlbumRestoreTests(TrashTestCase):
    def setUp(self):
        super().setUp()
        self.trash(self.daves)  # deleted before the album went: stays in its trash
        self.client_of(self.alice).post(reverse("album_delete", args=[self.album.code]))
        self.url = reverse("trash_album_restore", args=[self.album.pk])

    def test_the_owner_restores_it_with_everything(self):
        keys = stored_keys()
        alice = self.client_of(self.alice)
        page = alice.get(reverse("trash"))
        self.assertContains(page, self.url)
        response = alice.post(self.url, follow=True)
        self.assertRedirects(response, self.album.get_absolute_url())
        self.assertContains(
            response,
            f"Restored Alice&#x27;s party: its code {self.album.display_code}, its "
            "link and its photos work again.",
        )
        self.assertEqual(
            set(Photo.objects.filter(album=self.album)), {self.cover, self.guests}
        )
        self.assertIsNotNone(Photo.all_objects.get(pk=self.daves.pk).deleted_at)
        self.album.refresh_from_db()
        self.assertEqual(self.album.thumbnail, self.cover)
        self.assertEqual(stored_keys(), keys)
        # Its code, link, followers and co-hosts work again.
        self.assertEqual(self.client.get(self.album.get_link_url()).status_code, 302)
        self.assertTrue(
            Subs.objects.filter(album=self.album, user=self.charlie).exists()
        )
        self.assertContains(self.client_of(self.charlie).get("/"), "Alice&#x27;s party")
        self.assertEqual(
            self.client_of(self.eve)
            .get(reverse("album_settings", args=[self.album.code]))
            .status_code,
            200,
        )

    def test_only_its_owner_restores_it(self):
        for user in (self.eve, self.staff, self.bob, self.dave):
            with self.subTest(user=user):
                self.assertEqual(self.client_of(user).post(self.url).status_code, 404)
                self.assertEqual(
                    self.client_of(user)
                    .get(reverse("trash_album_delete", args=[self.album.pk]))
                    .status_code,
                    404,
                )
        anonymous = self.client.post(self.url)
        self.assertRedirects(
            anonymous,
            f"/accounts/login/?next={self.url}",
            fetch_redirect_response=False,
        )
        self.assertIsNotNone(Album.all_objects.get(pk=self.album.pk).deleted_at)
        self.assertEqual(self.client_of(self.alice).get(self.url).status_code, 405)

    def test_a_live_album_is_not_in_the_trash(self):
        alice = self.client_of(self.alice)
        alice.post(self.url)
        self.assertEqual(alice.post(self.url).status_code, 404)


class AdminTrashTests(TrashTestCase):
    def setUp(self):
        super().setUp()
        self.admin = self.client_of(self.staff)
        from django.contrib.auth.models import User

        User.objects.filter(pk=self.staff.pk).update(is_superuser=True)

    def test_photos_list_shows_the_trash_filters_and_acts(self):
        changelist = reverse("admin:photos_photo_changelist")
        self.admin.post(
            changelist,
            {"action": "move_to_trash", "_selected_action": [self.daves.pk]},
        )
        self.daves.refresh_from_db()
        self.assertIsNotNone(self.daves.deleted_at)
        listing = self.admin.get(changelist)
        self.assertContains(listing, "daves.jpg")
        self.assertContains(listing, "Move selected photos to the trash")
        self.assertContains(
            listing, "Delete now (skips the trash): selected photos and their files"
        )
        trashed = self.admin.get(changelist, {"trashed": "1"})
        self.assertContains(trashed, "daves.jpg")
        self.assertNotContains(trashed, "guests.jpg")
        self.assertNotContains(
            self.admin.get(changelist, {"trashed": "0"}), "daves.jpg"
        )
        self.assertEqual(
            self.admin.get(
                reverse("admin:photos_photo_change", args=[self.daves.pk])
            ).status_code,
            200,
        )
        self.admin.post(
            changelist,
            {"action": "restore_from_trash", "_selected_action": [self.daves.pk]},
        )
        self.daves.refresh_from_db()
        self.assertIsNone(self.daves.deleted_at)

    def test_albums_list_shows_the_trash_filters_and_acts(self):
        changelist = reverse("admin:albums_album_changelist")
        self.admin.post(
            changelist,
            {"action": "move_to_trash", "_selected_action": [self.album.pk]},
        )
        self.album.refresh_from_db()
        self.assertIsNotNone(self.album.deleted_at)
        trashed = self.admin.get(changelist, {"trashed": "1"})
        self.assertContains(trashed, "Alice&#x27;s party")
        self.assertContains(trashed, "In the trash, purged")
        self.assertContains(
            trashed,
            "Delete now (skips the trash): selected albums with their photos and files",
        )
        self.admin.post(
            changelist,
            {"action": "restore_from_trash", "_selected_action": [self.album.pk]},
        )
        self.album.refresh_from_db()
        self.assertIsNone(self.album.deleted_at)


def open_bytes(photo):
    """The stored original of `photo`."""
    from core import storage

    return b"".join(storage.iter_objects([photo.link])[0])
