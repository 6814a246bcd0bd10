import itertools

from django.contrib.auth.models import User
from django.urls import reverse

from albums.models import Album
from albums.tests.admin_base import AdminTestCase, bulk_photo
from albums.tests.base import store_photo, stored_keys
from photos.models import Photo

CHANGELIST = reverse("admin:auth_user_changelist")


class UserAdminTests(AdminTestCase):
    def test_pages_are_for_staff_only(self):
        for url in (
            CHANGELIST,
            reverse("admin:auth_user_change", args=[self.alice.pk]),
            reverse("admin:auth_user_delete", args=[self.alice.pk]),
        ):
            with self.subTest(url=url):
                self.assertAdminOnly(url)

    def test_list_shows_albums_and_photos_per_user(self):
        second = Album.objects.create(name="Second", user=self.alice)
        for color in [(1, 1, 1), (2, 2, 2), (3, 3, 3)]:
            store_photo(second, user=self.bob, color=color)
        store_photo(self.album, user=self.alice)

        response = self.client.get(CHANGELIST)

        counts = {
            user.username: (user.album_count, user.photo_count)
            for user in response.context["cl"].result_list
        }
        self.assertEqual(counts["alice"], (2, 1))
        self.assertEqual(counts["bob"], (0, 3))
        self.assertEqual(counts["charlie"], (0, 0))
        albums_url = f"/admin/albums/album/?user__id__exact={self.alice.pk}"
        self.assertContains(response, f'<a href="{albums_url}">2</a>', html=True)
        self.assertContains(
            response,
            f'<a href="/admin/photos/photo/?user__id__exact={self.bob.pk}">3</a>',
            html=True,
        )

    def test_count_links_lead_to_that_users_albums_and_photos(self):
        store_photo(self.album, user=self.bob)
        albums = self.client.get(
            reverse("admin:albums_album_changelist"), {"user__id__exact": self.alice.pk}
        )
        self.assertEqual(list(albums.context["cl"].result_list), [self.album])
        photos = self.client.get(
            reverse("admin:photos_photo_changelist"), {"user__id__exact": self.bob.pk}
        )
        self.assertEqual(
            [photo.user for photo in photos.context["cl"].result_list], [self.bob]
        )

    def test_sort_by_photo_count(self):
        store_photo(self.album, user=self.charlie)
        order = self.descending(self.client.get(CHANGELIST), "photos_link")
        response = self.client.get(CHANGELIST, {"o": order})
        self.assertEqual(response.context["cl"].result_list[0], self.charlie)

    def test_delete_page_removes_their_albums_uploads_and_files(self):
        bobs_album = Album.objects.create(name="Bob's", user=self.bob)
        store_photo(self.album, user=self.charlie)  # in alice's album: goes with it
        store_photo(
            bobs_album, user=self.alice, color=(1, 1, 1)
        )  # alice's upload elsewhere: goes
        kept = store_photo(bobs_album, user=self.bob, color=(2, 2, 2))
        url = reverse("admin:auth_user_delete", args=[self.alice.pk])
        self.assertContains(self.client.get(url), "<li>Photos: 2</li>", html=True)

        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(url, {"post": "yes"})

        self.assertRedirects(response, CHANGELIST)
        self.assertFalse(User.objects.filter(username="alice").exists())
        self.assertEqual(list(Photo.objects.all()), [kept])
        self.assertEqual(stored_keys(), sorted(kept.storage_keys))

    def test_list_queries_do_not_grow_with_rows(self):
        counter = itertools.count()

        def add_users(n):
            users = User.objects.bulk_create(
                User(username=f"bulkuser{next(counter)}") for _ in range(n)
            )
            albums = Album.objects.bulk_create(
                Album(name="A", user=user, code=Album.unused_code()) for user in users
            )
            Photo.objects.bulk_create(
                bulk_photo(album, 0, user=album.user) for album in albums
            )

        self.assertConstantQueries(CHANGELIST + "?q=bulkuser", add_users, ">bulkuser")
