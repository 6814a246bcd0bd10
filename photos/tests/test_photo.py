import datetime

from django.urls import reverse
from django.utils import timezone, translation

from albums.tests.base import BaseTestCase, make_image_bytes
from photos.models import Tag
from photos.tests.helpers import add_photo, remember_upload


class PhotoViewerTests(BaseTestCase):
    def setUp(self):
        self.photo = add_photo(
            self.album, make_image_bytes(), "party.jpg", user=self.bob
        )
        Tag.objects.create(photo=self.photo, key=Tag.DESCRIPTION, value="Cake time")
        self.url = reverse("photo", args=[self.album.code, self.photo.pk])

    def test_shows_display_image_description_uploader_and_download(self):
        response = self.client.get(self.url)
        self.assertContains(response, "Cake time")
        self.assertContains(response, "By bob")
        self.assertContains(
            response, reverse("photo_download", args=[self.album.code, self.photo.pk])
        )
        self.assertContains(
            response, self.photo.display_link.split("/")[-1]
        )  # the signed display URL
        self.assertNotContains(response, "Delete")
        self.assertNotContains(response, "Save description")

    def test_a_guest_without_a_name_is_a_guest_inside_the_sentence(self):
        photo = add_photo(self.album, make_image_bytes(color=(9, 9, 9)), "g.jpg")
        url = reverse("photo", args=[self.album.code, photo.pk])
        # Alone, it starts with a capital: the slideshow's caption.
        with translation.override("en"):
            self.assertEqual(photo.uploader_name, "A guest")
        self.assertContains(self.client.get(url), "By a guest")
        german = self.client.get(url, HTTP_ACCEPT_LANGUAGE="de")
        self.assertContains(german, "Von einem Gast")

    def test_editors_get_delete_and_description_form(self):
        for user in (self.bob, self.alice, self.staff):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                response = self.client.get(self.url)
                self.assertContains(
                    response,
                    reverse("photo_delete", args=[self.album.code, self.photo.pk]),
                )
                self.assertContains(response, "Save description")
        self.client.force_login(self.charlie)
        self.assertNotContains(self.client.get(self.url), "Save description")

    def test_guest_who_uploaded_it_gets_delete(self):
        guest_photo = add_photo(
            self.album, make_image_bytes(color=(1, 2, 3)), "g.jpg", guest_name="Dana"
        )
        remember_upload(self.client, guest_photo)
        response = self.client.get(
            reverse("photo", args=[self.album.code, guest_photo.pk])
        )
        self.assertContains(response, "By Dana")
        self.assertContains(response, "Delete")

    def test_previous_and_next_follow_date_taken_newest_first(self):
        now = timezone.now()
        self.photo.taken_at = now
        self.photo.save()
        earlier = add_photo(self.album, make_image_bytes(color=(9, 9, 9)), "e.jpg")
        earlier.taken_at = now - datetime.timedelta(hours=1)
        earlier.save()
        later = add_photo(self.album, make_image_bytes(color=(8, 8, 8)), "l.jpg")
        later.taken_at = now + datetime.timedelta(hours=1)
        later.save()
        # As the album page shows them: the newer one before, the older after.
        response = self.client.get(self.url)
        self.assertEqual(response.context["previous"], later)
        self.assertEqual(response.context["next"], earlier)
        self.assertIsNone(
            self.client.get(
                reverse("photo", args=[self.album.code, earlier.pk])
            ).context["next"]
        )

    def test_hidden_photo_only_for_owner_uploader_and_staff(self):
        self.photo.hidden = True
        self.photo.save()
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        for user in (self.alice, self.bob, self.staff):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.url).status_code, 200)

    def test_photo_of_another_album_is_404(self):
        from albums.models import Album

        other = Album.objects.create(name="Other", user=self.bob)
        self.assertEqual(
            self.client.get(
                reverse("photo", args=[other.code, self.photo.pk])
            ).status_code,
            404,
        )

    def test_unknown_album_is_404(self):
        self.assertEqual(
            self.client.get(
                reverse("photo", args=["ZZZZZZZZ", self.photo.pk])
            ).status_code,
            404,
        )
