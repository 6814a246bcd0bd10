import itertools

from django.contrib.auth.models import User
from django.urls import reverse

from albums.models import Album, Subs
from albums.tests.admin_base import AdminTestCase, bulk_photo
from albums.tests.base import store_photo, stored_keys
from photos.models import Photo

CHANGELIST = reverse("admin:albums_album_changelist")
SUBS_CHANGELIST = reverse("admin:albums_subs_changelist")


def sloppy_typings(code):
    """How a guest might type K7QM2XPA: k7qm-2xpa, ' k7qm 2xpa ', with O for 0 and I for 1."""
    spaced = f" {code[:4].lower()} {code[4:].lower()} "
    return [
        code,
        f"{code[:4]}-{code[4:]}".lower(),
        spaced,
        code.replace("0", "O").replace("1", "I").lower(),
    ]


class AlbumAdminTests(AdminTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # A code with a 0 and a 1 in it, so the typing confusions are exercised.
        cls.album.code = "K70M1XPA"
        cls.album.save()
        cls.bobs_album = Album.objects.create(
            name="Bob's trip", user=cls.bob, uploads_open=False
        )

    def test_pages_are_for_staff_only(self):
        for url in (
            CHANGELIST,
            reverse("admin:albums_album_change", args=[self.album.pk]),
            reverse("admin:albums_album_delete", args=[self.album.pk]),
            reverse("admin:albums_album_add"),
        ):
            with self.subTest(url=url):
                self.assertAdminOnly(url)

    def test_list_shows_counts_owner_code_and_link(self):
        store_photo(self.album, user=self.alice, color=(1, 2, 3))
        store_photo(self.album, user=self.bob, color=(4, 5, 6))
        Subs.objects.create(album=self.album, user=self.bob)

        response = self.client.get(CHANGELIST)

        row = next(
            r for r in response.context["cl"].result_list if r.pk == self.album.pk
        )
        self.assertEqual((row.photo_count, row.follower_count), (2, 2))
        self.assertContains(response, "K70M-1XPA")
        self.assertContains(
            response,
            f'<a href="/admin/photos/photo/?album={self.album.pk}">2</a>',
            html=True,
        )
        self.assertContains(response, f'href="{self.album.get_absolute_url()}"')
        self.assertContains(response, "alice")

    def test_counts_do_not_multiply_each_other(self):
        # 3 photos × 2 followers joined would count 6 of each.
        for color in [(1, 1, 1), (2, 2, 2), (3, 3, 3)]:
            store_photo(self.album, color=color)
        Subs.objects.create(album=self.album, user=self.bob)

        response = self.client.get(CHANGELIST)

        row = next(
            r for r in response.context["cl"].result_list if r.pk == self.album.pk
        )
        self.assertEqual((row.photo_count, row.follower_count), (3, 2))

    def test_sort_by_photo_count(self):
        store_photo(self.bobs_album)
        store_photo(self.bobs_album, color=(9, 9, 9))
        store_photo(self.album)
        empty = Album.objects.create(name="Empty", user=self.alice)
        order = self.descending(self.client.get(CHANGELIST), "photos_link")

        response = self.client.get(CHANGELIST, {"o": order})

        self.assertEqual(
            list(response.context["cl"].result_list),
            [self.bobs_album, self.album, empty],
        )

    def test_search_by_code_however_typed(self):
        for typed in sloppy_typings("K70M1XPA"):
            with self.subTest(typed=typed):
                response = self.client.get(CHANGELIST, {"q": typed})
                self.assertEqual(list(response.context["cl"].result_list), [self.album])

    def test_search_by_name_and_owner(self):
        for term, expected in [
            ("trip", [self.bobs_album]),
            ("alice", [self.album]),
            ("nothing", []),
        ]:
            with self.subTest(term=term):
                response = self.client.get(CHANGELIST, {"q": term})
                self.assertEqual(list(response.context["cl"].result_list), expected)

    def test_search_by_code_keeps_the_filters(self):
        response = self.client.get(
            CHANGELIST, {"q": "k70m-1xpa", "uploads_open__exact": "0"}
        )
        self.assertEqual(list(response.context["cl"].result_list), [])

    def test_filter_by_uploads_open_and_date(self):
        response = self.client.get(CHANGELIST, {"uploads_open__exact": "0"})
        self.assertEqual(list(response.context["cl"].result_list), [self.bobs_album])
        Album.objects.filter(pk=self.bobs_album.pk).update(
            created_at="2020-01-01T12:00:00Z"
        )
        response = self.client.get(
            CHANGELIST,
            {
                "created_at__gte": "2020-01-01 00:00:00+00:00",
                "created_at__lt": "2020-01-02 00:00:00+00:00",
            },
        )
        self.assertEqual(list(response.context["cl"].result_list), [self.bobs_album])

    def test_lock_and_unlock_actions(self):
        selected = [self.album.pk, self.bobs_album.pk]
        response = self.client.post(
            CHANGELIST,
            {"action": "lock_uploads", "_selected_action": selected},
            follow=True,
        )
        self.assertContains(response, "Locked 2 album(s)")
        self.assertEqual(Album.objects.filter(uploads_open=True).count(), 0)

        response = self.client.post(
            CHANGELIST,
            {"action": "unlock_uploads", "_selected_action": [self.album.pk]},
        )
        self.assertEqual(response.status_code, 302)
        self.album.refresh_from_db()
        self.bobs_album.refresh_from_db()
        self.assertEqual(
            (self.album.uploads_open, self.bobs_album.uploads_open), (True, False)
        )

    def test_delete_action_removes_photos_and_their_files(self):
        store_photo(self.album, color=(1, 1, 1))
        store_photo(self.album, color=(2, 2, 2))
        kept = store_photo(self.bobs_album)
        self.assertContains(
            self.client.get(CHANGELIST),
            "Delete now (skips the trash): selected albums with their photos and files",
        )
        data = {"action": "delete_selected", "_selected_action": [self.album.pk]}
        confirmation = self.client.post(CHANGELIST, data)
        self.assertContains(confirmation, "<li>Photos: 2</li>", html=True)
        self.assertEqual(len(stored_keys()), 9)

        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(CHANGELIST, {**data, "post": "yes"})

        self.assertEqual(response.status_code, 302)
        self.assertFalse(Album.objects.filter(pk=self.album.pk).exists())
        self.assertEqual(list(Photo.objects.all()), [kept])
        self.assertEqual(stored_keys(), sorted(kept.storage_keys))

    def test_delete_page_removes_photos_and_their_files(self):
        photo = store_photo(self.album)
        kept = store_photo(self.bobs_album)
        url = reverse("admin:albums_album_delete", args=[self.album.pk])
        self.assertContains(self.client.get(url), photo.filename)

        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(url, {"post": "yes"})

        self.assertRedirects(response, CHANGELIST)
        self.assertFalse(Photo.objects.filter(pk=photo.pk).exists())
        self.assertEqual(stored_keys(), sorted(kept.storage_keys))

    def test_change_page_edits_and_keeps_code(self):
        url = reverse("admin:albums_album_change", args=[self.album.pk])
        page = self.client.get(url)
        self.assertContains(page, "K70M-1XPA")
        self.assertRedirects(
            self.client.get(view_on_site(page)),
            "http://testserver/a/K70M1XPA/",
            fetch_redirect_response=False,
        )
        response = self.client.post(
            url,
            {
                "name": "Renamed",
                "user": self.alice.pk,
                "thumbnail": "",
                "uploads_open": "on",
                "guest_uploads": "on",
                # The co-host and invitation inlines, left as they are.
                "cohosts-TOTAL_FORMS": "0",
                "cohosts-INITIAL_FORMS": "0",
                "invitations-TOTAL_FORMS": "0",
                "invitations-INITIAL_FORMS": "0",
            },
        )
        self.assertRedirects(response, CHANGELIST)
        self.album.refresh_from_db()
        self.assertEqual(
            (self.album.name, self.album.code, self.album.keep_location),
            ("Renamed", "K70M1XPA", False),
        )

    def test_add_page_creates_album_with_a_code(self):
        response = self.client.post(
            reverse("admin:albums_album_add"),
            {"name": "Staff party", "user": self.bob.pk},
        )
        self.assertEqual(response.status_code, 302)
        album = Album.objects.get(name="Staff party")
        self.assertEqual(len(album.code), 8)

    def test_list_queries_do_not_grow_with_rows(self):
        counter = itertools.count()

        def add_albums(n):
            owners = User.objects.bulk_create(
                User(username=f"owner{next(counter)}") for _ in range(n)
            )
            albums = Album.objects.bulk_create(
                Album(name="Bulk album", user=owner, code=Album.unused_code())
                for owner in owners
            )
            Photo.objects.bulk_create(
                bulk_photo(album, i) for album in albums for i in range(2)
            )
            Subs.objects.bulk_create(
                Subs(album=album, user=self.bob) for album in albums
            )

        self.assertConstantQueries(CHANGELIST, add_albums, ">Bulk album<")


def view_on_site(page):
    """The change page's "View on site" link."""
    content = page.content.decode()
    start = content.index('href="/admin/r/') + len('href="')
    return content[start : content.index('"', start)]


class SubsAdminTests(AdminTestCase):
    def test_pages_are_for_staff_only(self):
        follow = Subs.objects.get()
        for url in (
            SUBS_CHANGELIST,
            reverse("admin:albums_subs_change", args=[follow.pk]),
        ):
            with self.subTest(url=url):
                self.assertAdminOnly(url)

    def test_search_by_code_name_and_username(self):
        other = Album.objects.create(name="Other", user=self.bob)
        Subs.objects.create(album=other, user=self.alice)
        charlie_follows = Subs.objects.get(user=self.charlie)
        for term, expected in [
            (self.album.display_code.lower(), [charlie_follows]),
            ("charlie", [charlie_follows]),
            ("party", [charlie_follows]),
            ("nobody", []),
        ]:
            with self.subTest(term=term):
                response = self.client.get(SUBS_CHANGELIST, {"q": term})
                self.assertEqual(list(response.context["cl"].result_list), expected)

    def test_list_queries_do_not_grow_with_rows(self):
        counter = itertools.count()

        def add_follows(n):
            users = User.objects.bulk_create(
                User(username=f"bulkfollower{next(counter)}") for _ in range(n)
            )
            Subs.objects.bulk_create(
                Subs(album=self.album, user=user) for user in users
            )

        self.assertConstantQueries(SUBS_CHANGELIST, add_follows, ">bulkfollower")
