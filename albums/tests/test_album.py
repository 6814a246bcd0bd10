from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from albums.models import Album
from albums.tests.base import AlbumTestCase, bulk_photos, store_photo


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
        self.assertEqual(deleted.content, never.content)
        self.assertEqual(never.content, garbage.content)

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
        self.assertContains(response, "1 photo ")
        self.assertNotContains(response, "No photos yet")

    def test_description_is_the_alt_text(self):
        photo = store_photo(self.album)
        photo.tags.create(key="description", value="The cake arrives")
        self.assertContains(self.client.get(self.url), 'alt="The cake arrives"')

    def test_sorted_by_date_taken_newest_last_or_by_upload(self):
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
        self.assertEqual(list(by_taken.context["page"].object_list), [early, late])
        by_upload = self.client.get(self.url, {"sort": "uploaded"})
        self.assertEqual(list(by_upload.context["page"].object_list), [late, early])
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
