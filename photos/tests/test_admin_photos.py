import html
import itertools
from urllib.parse import urlsplit

import requests
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import escape

from albums.models import Album
from albums.tests.admin_base import AdminTestCase, bulk_photo
from albums.tests.base import store_photo, stored_keys
from photos.models import Photo, Tag

CHANGELIST = reverse("admin:photos_photo_changelist")
TAG_CHANGELIST = reverse("admin:photos_tag_changelist")


def results(response):
    return list(response.context["cl"].result_list)


class PhotoAdminTests(AdminTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.album.code = "K70M1XPA"
        cls.album.save()
        cls.other_album = Album.objects.create(name="Bob's trip", user=cls.bob)

    def setUp(self):
        super().setUp()
        self.photo = store_photo(self.album, user=self.bob, filename="beach.jpg")
        self.guest_photo = store_photo(
            self.album, color=(1, 2, 3), filename="cake.jpg", guest_name="Dora"
        )
        self.elsewhere = store_photo(
            self.other_album,
            user=self.alice,
            color=(4, 5, 6),
            filename="IMG_0001.png",
            content_type="image/png",
        )

    def test_pages_are_for_staff_only(self):
        for url in (
            CHANGELIST,
            reverse("admin:photos_photo_change", args=[self.photo.pk]),
            reverse("admin:photos_photo_delete", args=[self.photo.pk]),
        ):
            with self.subTest(url=url):
                self.assertAdminOnly(url)

    def test_photos_are_not_added_in_the_admin(self):
        # They come through the upload pipeline, which checks and renders them.
        self.assertEqual(
            self.client.get(reverse("admin:photos_photo_add")).status_code, 403
        )

    def test_list_shows_a_working_thumbnail_and_the_details(self):
        response = self.client.get(CHANGELIST)

        self.assertContains(response, "Dora (guest)")
        self.assertContains(response, filesizeformat(self.photo.size))
        self.assertContains(
            response, f'<a href="{CHANGELIST}?album={self.album.pk}"', count=2
        )
        page = response.content.decode()
        start = page.index(
            '<img src="', page.index("Thumbnail of beach.jpg") - 600
        ) + len('<img src="')
        url = html.unescape(page[start : page.index('"', start)])
        self.assertIn("X-Amz-Signature=", url)
        self.assertEqual(
            urlsplit(url).path.rsplit("/", 1)[-1], self.photo.tlink.rsplit("/", 1)[-1]
        )
        fetched = requests.get(
            url, timeout=5
        )  # moto answers pre-signed URLs in-process
        self.assertEqual(fetched.status_code, 200)
        self.assertEqual(fetched.headers["Content-Type"], "image/jpeg")

    def test_search_by_filename_album_code_and_uploader(self):
        for term, expected in [
            ("beach", [self.photo]),
            ("k70m-1xpa", [self.photo, self.guest_photo]),
            ("K7OM IXPA", [self.photo, self.guest_photo]),
            ("k70m1xpa", [self.photo, self.guest_photo]),
            ("bob", [self.photo]),
            ("dora", [self.guest_photo]),
            ("nothing", []),
        ]:
            with self.subTest(term=term):
                response = self.client.get(CHANGELIST, {"q": term})
                self.assertEqual(
                    sorted(results(response), key=lambda p: p.pk), expected
                )

    def test_filter_by_album(self):
        response = self.client.get(CHANGELIST, {"album": self.other_album.pk})
        self.assertEqual(results(response), [self.elsewhere])
        self.assertContains(
            response, escape(self.other_album)
        )  # the filter names the album it shows

    def test_album_filter_ignores_nonsense(self):
        response = self.client.get(CHANGELIST, {"album": "x"})
        self.assertEqual(len(results(response)), 3)

    def test_filter_by_content_type_hidden_and_date(self):
        Photo.objects.filter(pk=self.guest_photo.pk).update(
            hidden=True, created_at="2020-05-01T10:00:00Z"
        )
        for params, expected in [
            ({"content_type": "image/png"}, [self.elsewhere]),
            ({"hidden__exact": "1"}, [self.guest_photo]),
            (
                {
                    "created_at__gte": "2020-05-01 00:00:00+00:00",
                    "created_at__lt": "2020-05-02 00:00:00+00:00",
                },
                [self.guest_photo],
            ),
        ]:
            with self.subTest(params=params):
                self.assertEqual(results(self.client.get(CHANGELIST, params)), expected)

    def test_change_page_shows_display_image_original_and_tags(self):
        Tag.objects.create(
            photo=self.photo, key=Tag.DESCRIPTION, value="Sunset at the beach"
        )
        response = self.client.get(
            reverse("admin:photos_photo_change", args=[self.photo.pk])
        )

        self.assertContains(response, self.photo.display_link.rsplit("/", 1)[-1])
        self.assertContains(response, "Download the original")
        self.assertContains(response, "Sunset at the beach")
        self.assertContains(response, 'name="tags-TOTAL_FORMS"')

    def test_change_page_edits_a_tag_inline(self):
        tag = Tag.objects.create(photo=self.photo, key=Tag.DESCRIPTION, value="old")
        url = reverse("admin:photos_photo_change", args=[self.photo.pk])
        response = self.client.post(
            url,
            {
                "filename": "beach.jpg",
                "album": self.album.pk,
                "user": self.bob.pk,
                "guest_name": "",
                "taken_at_0": "2026-01-01",
                "taken_at_1": "12:00:00",
                "tags-TOTAL_FORMS": "1",
                "tags-INITIAL_FORMS": "1",
                "tags-MIN_NUM_FORMS": "0",
                "tags-MAX_NUM_FORMS": "1000",
                "tags-0-id": tag.pk,
                "tags-0-photo": self.photo.pk,
                "tags-0-key": "description",
                "tags-0-value": "new",
                "link": "albums/1/someone-elses.jpg",
            },
        )
        self.assertRedirects(response, CHANGELIST)
        tag.refresh_from_db()
        self.assertEqual(tag.value, "new")
        link = self.photo.link
        self.photo.refresh_from_db()
        self.assertEqual(self.photo.link, link)  # storage keys are read-only

    def test_hide_and_unhide_actions(self):
        response = self.client.post(
            CHANGELIST,
            {
                "action": "hide",
                "_selected_action": [self.photo.pk, self.guest_photo.pk],
            },
            follow=True,
        )
        self.assertContains(response, "Hid 2 photo(s).")
        self.assertEqual(
            set(Photo.objects.filter(hidden=True)), {self.photo, self.guest_photo}
        )

        self.client.post(
            CHANGELIST, {"action": "unhide", "_selected_action": [self.photo.pk]}
        )
        self.assertEqual(list(Photo.objects.filter(hidden=True)), [self.guest_photo])

    def test_hiding_or_deleting_the_cover_gives_the_album_another(self):
        Album.objects.filter(pk=self.album.pk).update(thumbnail=self.photo)
        self.client.post(
            CHANGELIST, {"action": "hide", "_selected_action": [self.photo.pk]}
        )
        self.album.refresh_from_db()
        self.assertEqual(self.album.thumbnail, self.guest_photo)

        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(
                reverse("admin:photos_photo_delete", args=[self.guest_photo.pk]),
                {"post": "yes"},
            )
        self.album.refresh_from_db()
        self.assertIsNone(self.album.thumbnail)  # the only photo left is hidden

        self.client.post(
            CHANGELIST, {"action": "unhide", "_selected_action": [self.photo.pk]}
        )
        self.album.refresh_from_db()
        self.assertEqual(self.album.thumbnail, self.photo)

    def test_delete_action_removes_the_files(self):
        self.assertContains(
            self.client.get(CHANGELIST),
            "Delete now (skips the trash): selected photos and their files",
        )
        data = {
            "action": "delete_selected",
            "_selected_action": [self.photo.pk, self.elsewhere.pk],
        }
        self.assertContains(
            self.client.post(CHANGELIST, data), "<li>Photos: 2</li>", html=True
        )
        self.assertEqual(len(stored_keys()), 9)  # the confirmation deleted nothing

        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(CHANGELIST, {**data, "post": "yes"})

        self.assertEqual(response.status_code, 302)
        self.assertEqual(list(Photo.objects.all()), [self.guest_photo])
        self.assertEqual(stored_keys(), sorted(self.guest_photo.storage_keys))

    def test_delete_page_removes_the_files(self):
        url = reverse("admin:photos_photo_delete", args=[self.photo.pk])
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(url, {"post": "yes"})

        self.assertRedirects(response, CHANGELIST)
        self.assertFalse(Photo.objects.filter(pk=self.photo.pk).exists())
        self.assertFalse(set(self.photo.storage_keys) & set(stored_keys()))
        self.assertEqual(len(stored_keys()), 6)

    def test_list_queries_do_not_grow_with_rows(self):
        counter = itertools.count()

        def add_photos(n):
            Photo.objects.bulk_create(
                bulk_photo(
                    self.other_album,
                    next(counter),
                    user=self.alice if i % 2 else None,
                    guest_name="G",
                )
                for i in range(n)
            )

        url = CHANGELIST + f"?album={self.other_album.pk}"
        self.assertConstantQueries(url, add_photos, 'alt="Thumbnail of bulk')


class TagAdminTests(AdminTestCase):
    def setUp(self):
        super().setUp()
        self.photo = store_photo(self.album, filename="beach.jpg")
        self.tag = Tag.objects.create(
            photo=self.photo, key=Tag.DESCRIPTION, value="Sunset"
        )

    def test_pages_are_for_staff_only(self):
        for url in (
            TAG_CHANGELIST,
            reverse("admin:photos_tag_change", args=[self.tag.pk]),
        ):
            with self.subTest(url=url):
                self.assertAdminOnly(url)

    def test_search_by_key_value_and_filename(self):
        other = Tag.objects.create(
            photo=store_photo(self.album, color=(1, 1, 1), filename="cake.jpg"),
            key="mood",
            value="happy",
        )
        for term, expected in [
            ("sunset", [self.tag]),
            ("mood", [other]),
            ("cake", [other]),
            ("nothing", []),
        ]:
            with self.subTest(term=term):
                self.assertEqual(
                    results(self.client.get(TAG_CHANGELIST, {"q": term})), expected
                )

    def test_list_queries_do_not_grow_with_rows(self):
        counter = itertools.count()

        def add_tags(n):
            photos = Photo.objects.bulk_create(
                bulk_photo(self.album, next(counter)) for _ in range(n)
            )
            Tag.objects.bulk_create(
                Tag(photo=photo, key="bulktag", value="v") for photo in photos
            )

        self.assertConstantQueries(
            TAG_CHANGELIST + "?key=bulktag", add_tags, '<td class="field-short_value">'
        )
