from django.urls import reverse

from albums.tests.base import BaseTestCase, make_image_bytes
from photos.forms import DESCRIPTION_MAX_LENGTH
from photos.models import Tag
from photos.tests.helpers import add_photo, upload


class PhotoDescriptionTests(BaseTestCase):
    def setUp(self):
        self.photo = add_photo(self.album, make_image_bytes(), user=self.bob)
        self.url = reverse("photo_description", args=[self.album.code, self.photo.pk])

    def test_uploader_adds_edits_and_clears(self):
        self.client.force_login(self.bob)
        response = self.client.post(self.url, {"description": "  First dance "})
        self.assertRedirects(
            response, self.photo.viewer_url(), fetch_redirect_response=False
        )
        self.assertEqual(
            Tag.objects.get(photo=self.photo, key="description").value, "First dance"
        )
        self.assertContains(self.client.get(self.photo.viewer_url()), "First dance")
        self.client.post(self.url, {"description": "Second dance"})
        self.assertEqual(Tag.objects.get(photo=self.photo).value, "Second dance")
        self.client.post(self.url, {"description": ""})
        self.assertFalse(Tag.objects.exists())

    def test_album_owner_may_describe(self):
        self.client.force_login(self.alice)
        self.client.post(self.url, {"description": "Host's note"})
        self.assertEqual(Tag.objects.get().value, "Host's note")

    def test_guest_describes_own_upload(self):
        response = upload(
            self.client, self.album, "g.jpg", make_image_bytes(color=(3, 3, 3))
        )
        photo_id = response.json()["results"][0]["photo"]["id"]
        url = reverse("photo_description", args=[self.album.code, photo_id])
        self.assertEqual(self.client.post(url, {"description": "Me"}).status_code, 302)

    def test_others_refused(self):
        self.assertEqual(
            self.client.post(self.url, {"description": "x"}).status_code, 403
        )
        self.client.force_login(self.charlie)
        self.assertEqual(
            self.client.post(self.url, {"description": "x"}).status_code, 403
        )
        self.assertFalse(Tag.objects.exists())

    def test_too_long_is_a_clear_error(self):
        self.client.force_login(self.bob)
        response = self.client.post(
            self.url, {"description": "x" * (DESCRIPTION_MAX_LENGTH + 1)}
        )
        self.assertContains(
            response, f"at most {DESCRIPTION_MAX_LENGTH} characters", status_code=400
        )
        response = self.client.post(
            self.url,
            {"description": "x" * (DESCRIPTION_MAX_LENGTH + 1)},
            HTTP_ACCEPT="application/json",
        )
        self.assertIn("at most", response.json()["error"])
        self.assertFalse(Tag.objects.exists())

    def test_get_not_allowed(self):
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(self.url).status_code, 405)
