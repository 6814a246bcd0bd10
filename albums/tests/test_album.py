from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from albums.models import Album
from albums.tests.base import AlbumTestCase, bulk_photos, same_page, store_photo
from photos import downloads
from photos.models import Photo


class AlbumPageTestCase(AlbumTestCase):
    def setUp(self):
        super().setUp()
        self.url = f"/a/{self.album.code}/"

    def test_every_role_sees_the_album(self):
        for user in (None, self.bob, self.charlie, self.alice, self.staff):
            with self.subTest(user=user):
                self.login_as(user)
                response = self.client.get(self.url)
                self.assertContains(response, "Alice&#x27;s party")
                self.assertContains(response, self.album.display_code)
                self.assertContains(response, f"/a/{self.album.code}/share/")

    def test_non_canonical_code_redirects(self):
        code = self.album.code
        for typed in (
            code.lower(),
            f"{code[:4]}-{code[4:]}",
            code.replace("0", "O").replace("1", "I"),
        ):
            if typed == code:
                continue
            with self.subTest(typed=typed):
                self.assertRedirects(self.client.get(f"/a/{typed}/"), self.url)

    def test_unknown_and_deleted_codes_give_the_same_404(self):
        album = Album.objects.create(name="Gone", user=self.bob)
        code = album.code
        album.delete()
        deleted = self.client.get(f"/a/{code}/")
        never = self.client.get("/a/ZZZZZZZZ/")
        garbage = self.client.get("/a/nonsense/")
        for response in (deleted, never, garbage):
            self.assertContains(response, "No album with that code.", status_code=404)
        self.assertEqual(same_page(deleted.content), same_page(never.content))
        self.assertEqual(same_page(never.content), same_page(garbage.content))

    def test_empty_state(self):
        response = self.client.get(self.url)
        self.assertContains(response, "No photos yet — be the first to add one.")
        self.assertContains(response, "0 photos")

    def test_grid_links_thumbnails_to_the_viewer(self):
        photo = store_photo(self.album, user=self.bob, filename="cake.jpg")
        response = self.client.get(self.url)
        self.assertContains(response, f'href="/a/{self.album.code}/p/{photo.pk}/"')
        self.assertContains(response, photo.tlink)
        self.assertContains(response, 'width="64" height="48"')
        self.assertContains(response, 'alt="Photo by bob, taken')
        self.assertContains(response, ">1 photo<")
        self.assertNotContains(response, "No photos yet")

    def test_description_is_the_alt_text(self):
        photo = store_photo(self.album)
        photo.tags.create(key="description", value="The cake arrives")
        self.assertContains(self.client.get(self.url), 'alt="The cake arrives"')

    def test_sorted_newest_first_by_date_taken_or_by_upload(self):
        now = timezone.now()
        early = store_photo(
            self.album,
            color=(1, 2, 3),
            taken_at=now - timezone.timedelta(hours=2),
            created_at=now,
        )
        late = store_photo(
            self.album,
            color=(4, 5, 6),
            taken_at=now - timezone.timedelta(hours=1),
            created_at=now - timezone.timedelta(hours=1),
        )
        by_taken = self.client.get(self.url)
        self.assertEqual(list(by_taken.context["page"].object_list), [late, early])
        by_upload = self.client.get(self.url, {"sort": "uploaded"})
        self.assertEqual(list(by_upload.context["page"].object_list), [early, late])
        self.assertEqual(
            self.client.get(self.url, {"sort": "bogus"}).context["sort"], "taken"
        )

    def test_pagination(self):
        bulk_photos(self.album, 130)
        first = self.client.get(self.url)
        self.assertEqual(len(first.context["page"].object_list), 60)
        self.assertContains(first, "Page 1 of 3")
        self.assertContains(first, "130 photos")
        self.assertContains(first, "?sort=taken&amp;page=2")
        last = self.client.get(self.url, {"page": 3})
        self.assertEqual(len(last.context["page"].object_list), 10)
        self.assertEqual(
            self.client.get(self.url, {"page": "x"}).context["page"].number, 1
        )

    def test_hidden_photos_only_for_owner_uploader_and_staff(self):
        hidden = store_photo(self.album, user=self.bob, hidden=True)
        for user, sees in (
            (None, False),
            (self.charlie, False),
            (self.bob, True),
            (self.alice, True),
            (self.staff, True),
        ):
            with self.subTest(user=user):
                self.login_as(user)
                response = self.client.get(self.url)
                self.assertEqual(hidden in response.context["page"].object_list, sees)
                self.assertEqual(hidden.tlink in response.content.decode(), sees)

    def test_follow_button_for_logged_in_non_owners(self):
        self.assertNotContains(self.client.get(self.url), "Follow</button>")
        self.client.force_login(self.bob)
        self.assertContains(
            self.client.get(self.url), f'action="/a/{self.album.code}/follow/"'
        )
        self.client.force_login(self.charlie)
        self.assertContains(
            self.client.get(self.url), f'action="/a/{self.album.code}/unfollow/"'
        )
        self.client.force_login(self.alice)
        response = self.client.get(self.url)
        self.assertNotContains(response, "/follow/")
        self.assertNotContains(response, "/unfollow/")

    def test_settings_link_only_for_owner_and_staff(self):
        settings_url = f"/a/{self.album.code}/settings/"
        for user, sees in (
            (None, False),
            (self.bob, False),
            (self.charlie, False),
            (self.alice, True),
            (self.staff, True),
        ):
            with self.subTest(user=user):
                self.login_as(user)
                self.assertEqual(
                    settings_url in self.client.get(self.url).content.decode(), sees
                )

    def test_download_all_link_when_there_are_photos(self):
        self.assertNotContains(self.client.get(self.url), "Download all")
        store_photo(self.album)
        self.assertContains(
            self.client.get(self.url), f'href="/a/{self.album.code}/download/"'
        )

    def test_upload_form_or_the_reason_why_not(self):
        self.assertContains(
            self.client.get(self.url), f'action="/a/{self.album.code}/upload/"'
        )
        self.album.guest_uploads = False
        self.album.save()
        self.assertContains(self.client.get(self.url), "Log in to upload")
        self.album.uploads_open = False
        self.album.save()
        self.client.force_login(self.bob)
        self.assertContains(self.client.get(self.url), "This album is locked")

    def test_query_count_does_not_grow_with_photos(self):
        def page_queries():
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(self.url)
            self.assertEqual(response.status_code, 200)
            return len(queries)

        self.client.force_login(self.charlie)
        bulk_photos(self.album, 10, user=self.bob)
        few = page_queries()
        bulk_photos(self.album, 190, user=self.charlie)
        many = page_queries()
        self.assertEqual(few, many)
        with self.assertNumQueries(many):
            self.client.get(self.url, {"sort": "uploaded", "page": 2})


class HostedByTestCase(AlbumTestCase):
    """The header says who hosts the album: the name the host chose, never
    the username."""

    def test_the_chosen_name_and_not_the_username(self):
        Album.objects.filter(pk=self.album.pk).update(host_name="Alice & Tom")
        for user in (None, self.bob, self.alice):
            with self.subTest(user=user):
                self.login_as(user)
                response = self.client.get(self.album.get_absolute_url())
                self.assertContains(
                    response,
                    '<span class="album-host">Hosted by Alice &amp; Tom</span>',
                    html=True,
                )
                self.assertNotContains(response, "by alice")

    def test_no_name_chosen_shows_none(self):
        response = self.client.get(self.album.get_absolute_url())
        self.assertNotContains(response, "Hosted by")
        self.assertNotContains(response, "by alice")


class DownloadSizeTestCase(AlbumTestCase):
    """The "Download all" link says about how much it is, for the person
    asking: the originals, or the location-free copies where they get those,
    as the ZIP (photos.views.album_download) gives them; counted in the
    page's one aggregate query."""

    MB = 1024 * 1024

    def setUp(self):
        super().setUp()
        self.url = f"/a/{self.album.code}/"
        # bob's photo has a location-free copy; charlie's has no location; a
        # guest's has a copy whose size was never recorded; one is hidden.
        (self.bobs,) = bulk_photos(
            self.album,
            1,
            user=self.bob,
            size=300 * self.MB,
            location_free_link="x/bob_nogps.jpg",
            location_free_size=100 * self.MB,
        )
        bulk_photos(self.album, 1, user=self.charlie, size=20 * self.MB)
        bulk_photos(
            self.album,
            1,
            guest_key="k" * 64,
            size=4 * self.MB,
            location_free_link="x/guest_nogps.jpg",
        )
        bulk_photos(self.album, 1, user=self.alice, size=7 * self.MB, hidden=True)

    def label(self, user):
        self.login_as(user)
        response = self.client.get(self.url)
        text = response.content.decode()
        start = text.index("Download all")
        return text[start : text.index("</a>", start)].replace("\xa0", " ")

    def test_each_person_sees_what_they_would_download(self):
        for user, expected in (
            (self.alice, "Download all (331.0 MB)"),  # owner: every original
            (self.bob, "Download all (324.0 MB)"),  # his own original
            (self.charlie, "Download all (124.0 MB)"),  # bob's without location
            (self.staff, "Download all (131.0 MB)"),  # staff is no owner: copies
            (None, "Download all (124.0 MB)"),
        ):
            with self.subTest(user=user):
                self.assertEqual(self.label(user), expected)

    def test_an_album_that_keeps_location_gives_originals_to_all(self):
        Album.objects.filter(pk=self.album.pk).update(keep_location=True)
        self.assertEqual(self.label(None), "Download all (324.0 MB)")

    def test_in_gigabytes(self):
        bulk_photos(self.album, 3, user=self.charlie, size=300 * self.MB)
        self.assertEqual(self.label(self.charlie), "Download all (1.0 GB)")

    def test_it_agrees_with_what_the_zip_holds_photo_by_photo(self):
        album = Album.objects.get(pk=self.album.pk)
        for user, guest_key in (
            (self.alice, ""),
            (self.bob, ""),
            (self.charlie, ""),
            (self.staff, ""),
            (AnonymousUser(), ""),
            (AnonymousUser(), "k" * 64),
        ):
            for keep_location in (False, True):
                with self.subTest(user=user, guest=bool(guest_key), keep=keep_location):
                    album.keep_location = keep_location
                    photos = Photo.objects.visible_in(album, user, guest_key)
                    total = photos.aggregate(
                        size=downloads.download_size(album, user, guest_key)
                    )["size"]
                    each = [
                        photo.download_size_for(user, guest_key) for photo in photos
                    ]
                    self.assertEqual(
                        total,
                        sum(
                            size if size is not None else photo.size
                            for photo, size in zip(photos, each, strict=True)
                        ),
                    )

    def test_no_link_without_photos(self):
        Album.objects.get(pk=self.album.pk).photos.all().delete()
        self.assertNotContains(self.client.get(self.url), "Download all")
