"""Moving to the trash (photos.trash): a trashed photo or album leaves every
page, download, slideshow, count and quota at once, and the trash pages show
each person what they may restore."""

import io
import zipfile

from django.test import override_settings
from django.urls import reverse

from albums.models import Album, Subs
from albums.tests.base import store_photo, stored_keys
from photos import trash
from photos.models import Photo
from photos.tests.helpers import upload
from photos.tests.trash_base import TrashTestCase, image


class TrashingAPhotoTests(TrashTestCase):
    def test_the_uploader_trashes_it_and_is_told_until_when(self):
        dave = self.client_of(self.dave)
        response = dave.post(
            reverse("photo_delete", args=[self.album.code, self.daves.pk]), follow=True
        )
        self.daves.refresh_from_db()
        until = trash.until_words(self.album, self.daves.deleted_at)
        self.assertContains(
            response,
            "Moved daves.jpg to the trash: restore it from "
            f'<a href="{self.trash_url}">Trash</a> until {until}.',
            html=True,
        )
        self.assertIsNotNone(self.daves.deleted_at)
        self.assertFalse(self.daves.was_cover)
        # The description stays on its row for a restore.
        self.assertEqual(self.daves.description, "Cake!")

    def test_it_leaves_every_view_at_once(self):
        keys = stored_keys()
        self.trash(self.guests)
        self.assertEqual(stored_keys(), keys)  # the files wait for the purge
        for who, client in (
            ("its guest", self.client),
            ("host", self.client_of(self.alice)),
            ("co-host", self.client_of(self.eve)),
            ("stranger", self.client_of(self.bob)),
        ):
            with self.subTest(who):
                page = client.get(self.album.get_absolute_url())
                self.assertNotContains(page, f'data-photo-id="{self.guests.pk}"')
                self.assertNotContains(page, self.guests.tlink)
                self.assertContains(page, f'data-photo-id="{self.daves.pk}"')
                self.assertContains(page, "2 photos")
                self.assertEqual(
                    client.get(
                        reverse("photo", args=[self.album.code, self.guests.pk])
                    ).status_code,
                    404,
                )
                self.assertEqual(
                    client.get(
                        reverse(
                            "photo_download", args=[self.album.code, self.guests.pk]
                        )
                    ).status_code,
                    404,
                )
                listing = client.get(
                    reverse("album_photos_json", args=[self.album.code])
                ).json()
                self.assertEqual(
                    [item["id"] for item in listing["photos"]],
                    [self.cover.pk, self.daves.pk],
                )
                self.assertEqual(listing["count"], 2)
                self.assertEqual(
                    client.get(
                        reverse("album_photos_json", args=[self.album.code]),
                        {"ids": "1"},
                    ).json(),
                    {"ids": [self.cover.pk, self.daves.pk]},
                )
                saved = client.get(
                    reverse("album_save_json", args=[self.album.code]),
                    {"ids": f"{self.guests.pk},{self.daves.pk}"},
                ).json()
                self.assertEqual([f["id"] for f in saved["files"]], [self.daves.pk])
                zipped = client.get(reverse("album_download", args=[self.album.code]))
                archive = zipfile.ZipFile(
                    io.BytesIO(b"".join(zipped.streaming_content))
                )
                names = [info.filename for info in archive.infolist()]
                self.assertEqual(len(names), 2)
                self.assertFalse([n for n in names if n.endswith("guests.jpg")])
                show = client.get(reverse("slideshow", args=[self.album.code]))
                self.assertNotContains(show, self.guests.display_link)
                self.assertContains(show, self.daves.display_link)

    def test_a_host_trashes_the_cover_and_the_album_gets_another(self):
        alice = self.client_of(self.alice)
        alice.post(
            reverse("bulk_moderation", args=[self.album.code]),
            {"action": "delete", "photos": [self.cover.pk], "confirmed": "1"},
        )
        self.cover.refresh_from_db()
        self.assertTrue(self.cover.was_cover)
        self.album.refresh_from_db()
        self.assertEqual(self.album.thumbnail, self.daves)  # next in album order

    def test_trashing_twice_changes_nothing(self):
        self.trash(self.daves)
        first = self.daves.deleted_at
        self.assertEqual(
            trash.trash_photos(Photo.all_objects.filter(pk=self.daves.pk)), 0
        )
        self.daves.refresh_from_db()
        self.assertEqual(self.daves.deleted_at, first)

    def test_photo_delete_confirmation_says_trash(self):
        page = self.client_of(self.alice).get(
            reverse("photo_delete", args=[self.album.code, self.daves.pk])
        )
        self.assertContains(page, "goes to the trash for 14 days")
        self.assertContains(
            page,
            "the album's hosts can restore it from the album's Trash page until "
            "then, its uploader can't.",
        )
        self.assertContains(page, "Move to the trash")
        own = self.client_of(self.dave).get(
            reverse("photo_delete", args=[self.album.code, self.daves.pk])
        )
        self.assertNotContains(own, "its uploader")


class CountsAndQuotasTests(TrashTestCase):
    def test_home_page_counts_leave_out_the_trash(self):
        alice = self.client_of(self.alice)
        self.assertContains(alice.get("/"), "3 photos")
        self.trash(self.daves)
        home = alice.get("/")
        self.assertContains(home, "2 photos")
        self.assertNotContains(home, "3 photos")
        (album,) = Album.objects.filter(pk=self.album.pk).with_stats()
        self.assertEqual(album.photo_count, 2)
        # The follower's card counts the same.
        self.assertContains(self.client_of(self.charlie).get("/"), "2 photos")

    @override_settings(ALBUM_MAX_PHOTOS=3)
    def test_album_quota_leaves_out_the_trash(self):
        dave = self.client_of(self.dave)
        full = upload(dave, self.album, "new.jpg", image(1))
        self.assertEqual(full.status_code, 403)
        self.assertIn("This album is full", full.json()["results"][0]["message"])
        self.trash(self.cover)
        self.assertEqual(upload(dave, self.album, "new.jpg", image(1)).status_code, 201)

    @override_settings(GUEST_SESSION_MAX_PHOTOS=1)
    def test_guest_quota_leaves_out_the_trash_and_trashed_albums(self):
        # The test client is the guest who added self.guests: at the quota.
        refused = upload(self.client, self.album, "two.jpg", image(2))
        self.assertEqual(refused.status_code, 403)
        self.trash(self.guests)
        self.assertEqual(
            upload(self.client, self.album, "two.jpg", image(2)).status_code, 201
        )
        # Their photo in an album that went to the trash doesn't count either.
        self.assertEqual(
            upload(self.client, self.album, "3.jpg", image(3)).status_code, 403
        )
        self.album.trash()
        other = Album.objects.create(name="Another party", user=self.bob)
        self.assertEqual(upload(self.client, other, "3.jpg", image(3)).status_code, 201)

    @override_settings(GUEST_SESSION_MAX_PHOTOS=1)
    def test_direct_uploads_count_the_same(self):
        start = reverse("upload_start", args=[self.album.code])
        data = {"name": "next.jpg", "size": "1000", "type": "image/jpeg"}
        self.assertEqual(self.client.post(start, data).status_code, 403)
        self.trash(self.guests)
        self.assertEqual(self.client.post(start, data).status_code, 201)


class TrashingAnAlbumTests(TrashTestCase):
    def test_it_leaves_the_home_pages_and_its_code_and_link_open_nothing(self):
        self.album.trash()
        for user in (self.alice, self.eve, self.charlie):
            with self.subTest(user=user):
                client = self.client_of(user)
                self.assertNotContains(
                    client.get("/"), self.album.name.replace("'", "&#x27;")
                )
                self.assertContains(
                    client.get(self.album.get_absolute_url()),
                    "No album with that code.",
                    status_code=404,
                )
        self.assertEqual(self.client.get(self.album.get_link_url()).status_code, 404)
        self.assertEqual(self.client.get(self.trash_url).status_code, 404)
        # Its follows, co-hosts and photos are all still there for a restore.
        self.assertTrue(Subs.objects.filter(album=self.album).exists())
        self.assertEqual(Photo.objects.filter(album=self.album).count(), 3)

    def test_its_photos_in_other_peoples_lists_go_too(self):
        self.album.trash()
        page = self.client_of(self.dave).get(reverse("trash"))
        self.assertNotContains(page, "daves.jpg")


class AlbumTrashPageTests(TrashTestCase):
    def setUp(self):
        super().setUp()
        self.trash(self.cover, self.daves, self.guests)

    def listed(self, response):
        return [
            name
            for name in ("cover.jpg", "daves.jpg", "guests.jpg")
            if f'alt="{name}"' in response.content.decode()
        ]

    def test_each_person_sees_what_they_may_restore(self):
        everything = ["cover.jpg", "daves.jpg", "guests.jpg"]
        for who, client, expected, host in (
            ("owner", self.client_of(self.alice), everything, True),
            ("co-host", self.client_of(self.eve), everything, True),
            ("staff", self.client_of(self.staff), everything, True),
            ("uploader", self.client_of(self.dave), ["daves.jpg"], False),
            ("guest uploader", self.client, ["guests.jpg"], False),
            ("stranger", self.client_of(self.bob), [], False),
            ("follower", self.client_of(self.charlie), [], False),
            ("another guest", self.client_of(None), [], False),
        ):
            with self.subTest(who):
                response = client.get(self.trash_url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(self.listed(response), expected)
                for photo in (self.cover, self.daves, self.guests):
                    if photo.filename in expected:
                        self.assertContains(response, self.restore_url(photo))
                        self.assertContains(
                            response, photo.thumbnail_url().split("?")[0]
                        )
                    else:
                        self.assertNotContains(response, self.restore_url(photo))
                    if host:
                        self.assertContains(response, self.delete_now_url(photo))
                    else:
                        self.assertNotContains(response, self.delete_now_url(photo))
                if not expected:
                    self.assertContains(
                        response, "Nothing of yours is in this album's trash."
                    )

    def test_the_album_page_links_to_it_for_who_has_something_there(self):
        for who, client, count in (
            ("owner", self.client_of(self.alice), 3),
            ("co-host", self.client_of(self.eve), 3),
            ("uploader", self.client_of(self.dave), 1),
            ("guest uploader", self.client, 1),
        ):
            with self.subTest(who):
                page = client.get(self.album.get_absolute_url())
                self.assertContains(page, f'href="{self.trash_url}"')
                self.assertContains(
                    page,
                    f"Trash: {count} deleted photo{'s' if count != 1 else ''} you can "
                    "restore",
                )
        for client in (self.client_of(self.bob), self.client_of(None)):
            self.assertNotContains(
                client.get(self.album.get_absolute_url()), f'href="{self.trash_url}"'
            )


class YourTrashPageTests(TrashTestCase):
    def test_login_required(self):
        response = self.client.get(reverse("trash"))
        self.assertRedirects(
            response, "/accounts/login/?next=/trash/", fetch_redirect_response=False
        )

    def test_your_albums_the_trash_of_albums_you_host_and_your_photos(self):
        mine = Album.objects.create(name="Alice's picnic", user=self.alice)
        store_photo(mine, color=(1, 1, 1))
        mine.trash()
        self.trash(self.daves)
        page = self.client_of(self.alice).get(reverse("trash"))
        self.assertContains(page, "Alice&#x27;s picnic")
        self.assertContains(page, mine.display_code)
        self.assertContains(page, "1 photo · purged ")
        self.assertContains(page, trash.until_words(mine, mine.deleted_at))
        self.assertContains(page, reverse("trash_album_restore", args=[mine.pk]))
        self.assertContains(page, reverse("trash_album_delete", args=[mine.pk]))
        self.assertContains(page, f'href="{self.trash_url}"')
        self.assertContains(page, "1 photo in its trash")
        # The co-host sees the album's trash linked, not alice's own albums.
        cohost = self.client_of(self.eve).get(reverse("trash"))
        self.assertContains(cohost, f'href="{self.trash_url}"')
        self.assertNotContains(cohost, "Alice&#x27;s picnic")
        # The uploader sees their photo with a Restore that comes back here.
        dave = self.client_of(self.dave).get(reverse("trash"))
        self.assertContains(dave, 'alt="daves.jpg"')
        self.assertContains(dave, self.restore_url(self.daves))
        self.assertContains(
            dave, '<input type="hidden" name="next" value="/trash/">', html=True
        )
        self.assertContains(dave, "in Alice&#x27;s party · restorable until")
        self.assertNotContains(
            self.client_of(self.bob).get(reverse("trash")), "daves.jpg"
        )

    def test_home_and_account_pages_link_to_it(self):
        alice = self.client_of(self.alice)
        self.assertContains(alice.get("/"), '<a href="/trash/">Trash</a>', html=True)
        self.assertContains(alice.get(reverse("account")), 'href="/trash/"')


class MergeBringsTheTrashTests(TrashTestCase):
    def test_the_other_albums_trash_moves_into_this_albums(self):
        other = Album.objects.create(name="Afterparty", user=self.alice)
        trashed = store_photo(other, user=self.dave, color=(5, 6, 7), filename="x.jpg")
        # The same file as a photo here: no clash, it waits in the trash.
        twin = store_photo(other, color=(10, 10, 10), filename="twin.jpg")
        trash.trash_photos(Photo.objects.filter(pk__in=[trashed.pk, twin.pk]))
        alice = self.client_of(self.alice)
        confirm = alice.get(
            reverse("album_merge", args=[self.album.code]), {"other": other.pk}
        )
        self.assertContains(confirm, "2 photos in Afterparty's trash move to")
        alice.post(reverse("album_merge", args=[self.album.code]), {"other": other.pk})
        self.assertFalse(Album.all_objects.filter(pk=other.pk).exists())
        moved = Photo.all_objects.filter(pk__in=[trashed.pk, twin.pk])
        self.assertEqual({p.album_id for p in moved}, {self.album.pk})
        self.assertTrue(all(p.deleted_at for p in moved))
        page = self.client_of(self.dave).get(self.trash_url)
        self.assertContains(page, 'alt="x.jpg"')

    def test_a_take_down_removal_deletes_a_trashed_photo_for_good(self):
        from photos.models import TakedownRequest

        request = TakedownRequest.objects.create(photo=self.daves, reason="me")
        self.trash(self.daves)
        settings_page = self.client_of(self.alice).get(
            reverse("album_settings", args=[self.album.code])
        )
        self.assertContains(settings_page, "daves.jpg · in the trash")
        with self.captureOnCommitCallbacks(execute=True):
            self.client_of(self.alice).post(
                reverse("takedown_remove", args=[self.album.code, request.pk])
            )
        self.assertFalse(Photo.all_objects.filter(pk=self.daves.pk).exists())
        self.assertFalse(set(self.daves.storage_keys) & set(stored_keys()))
