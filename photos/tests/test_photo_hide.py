from django.urls import reverse

from albums.tests.base import BaseTestCase, TwoAlbumsTestCase, store_photo
from photos.models import Photo
from photos.tests.helpers import JSON, remember_upload


class PhotoHideTests(TwoAlbumsTestCase):
    """Hiding and unhiding one photo: the album's owner and staff only."""

    def setUp(self):
        self.photo = store_photo(self.album, user=self.charlie, filename="charlie.jpg")
        self.hide_url = reverse("photo_hide", args=[self.album.code, self.photo.pk])
        self.unhide_url = reverse("photo_unhide", args=[self.album.code, self.photo.pk])

    def assertHidden(self, hidden):
        self.photo.refresh_from_db()
        self.assertIs(self.photo.hidden, hidden)

    def test_owner_hides_then_unhides(self):
        self.client.force_login(self.alice)
        response = self.client.post(self.hide_url)
        self.assertRedirects(response, self.photo.get_absolute_url())
        self.assertHidden(True)
        self.assertContains(
            self.client.get(self.photo.get_absolute_url()),
            f'action="{self.unhide_url}"',
        )
        response = self.client.post(self.unhide_url, follow=True)
        self.assertContains(
            response, "charlie.jpg is visible to everyone with the code again."
        )
        self.assertHidden(False)

    def test_staff_may_hide(self):
        self.client.force_login(self.staff)
        self.assertEqual(self.client.post(self.hide_url).status_code, 302)
        self.assertHidden(True)

    def test_guest_stranger_and_uploader_get_404_and_nothing_changes(self):
        for user in (None, self.bob, self.charlie):
            if user:
                self.client.force_login(user)
            self.assertEqual(self.client.post(self.hide_url).status_code, 404, user)
            self.assertHidden(False)
        self.photo.hidden = True
        self.photo.save()
        for user in (None, self.bob, self.charlie):
            self.login_as(user)
            self.assertEqual(self.client.post(self.unhide_url).status_code, 404, user)
            self.assertHidden(True)

    def test_guest_uploader_session_cannot_hide(self):
        guest_photo = store_photo(self.album, guest_name="Eve", color=(1, 2, 3))
        remember_upload(self.client, guest_photo)
        response = self.client.post(
            reverse("photo_hide", args=[self.album.code, guest_photo.pk])
        )
        self.assertEqual(response.status_code, 404)
        guest_photo.refresh_from_db()
        self.assertFalse(guest_photo.hidden)

    def test_photo_of_another_album_is_404(self):
        bobs = store_photo(self.other_album, user=self.bob, color=(9, 9, 9))
        self.client.force_login(self.alice)
        response = self.client.post(
            reverse("photo_hide", args=[self.album.code, bobs.pk])
        )
        self.assertEqual(response.status_code, 404)
        bobs.refresh_from_db()
        self.assertFalse(bobs.hidden)

    def test_get_is_refused(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(self.hide_url).status_code, 405)
        self.assertHidden(False)

    def test_back_to_a_page_of_this_site_only(self):
        self.client.force_login(self.alice)
        album_page = self.album.get_absolute_url() + "?sort=uploaded"
        response = self.client.post(self.hide_url, {"next": album_page})
        self.assertRedirects(response, album_page, fetch_redirect_response=False)
        response = self.client.post(self.unhide_url, {"next": "https://evil.example/"})
        self.assertRedirects(response, self.photo.get_absolute_url())

    def test_json_answer(self):
        self.client.force_login(self.alice)
        self.assertEqual(
            self.client.post(self.hide_url, **JSON).json(),
            {"id": self.photo.pk, "hidden": True},
        )

    def test_hiding_the_cover_picks_a_visible_one(self):
        second = store_photo(self.album, color=(7, 7, 7), filename="second.jpg")
        self.album.thumbnail = self.photo
        self.album.save()
        self.client.force_login(self.alice)
        self.client.post(self.hide_url)
        self.album.refresh_from_db()
        self.assertEqual(self.album.thumbnail, second)

    def test_unhiding_gives_a_coverless_album_its_cover_back(self):
        self.photo.hidden = True
        self.photo.save()
        self.client.force_login(self.alice)
        self.client.post(self.unhide_url)
        self.album.refresh_from_db()
        self.assertEqual(self.album.thumbnail, self.photo)

    def test_viewer_shows_the_hide_button_to_the_owner_only(self):
        url = self.photo.get_absolute_url()
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(url), f'action="{self.hide_url}"')
        for user in (self.bob, self.charlie):
            self.client.force_login(user)
            self.assertNotContains(self.client.get(url), self.hide_url)


class HiddenPhotoVisibilityTests(BaseTestCase):
    """Once hidden, a photo is gone for everyone but the owner, its uploader and staff."""

    def setUp(self):
        self.visible = store_photo(self.album, user=self.alice, filename="visible.jpg")
        self.photo = store_photo(
            self.album, user=self.charlie, filename="secret.jpg", color=(3, 3, 3)
        )
        self.client.force_login(self.alice)
        self.client.post(reverse("photo_hide", args=[self.album.code, self.photo.pk]))
        self.client.logout()

    def json_ids(self):
        response = self.client.get(reverse("album_photos_json", args=[self.album.code]))
        return [item["id"] for item in response.json()["photos"]]

    def test_absent_for_a_guest_and_a_stranger(self):
        for user in (None, self.bob):
            if user:
                self.client.force_login(user)
            self.assertNotContains(
                self.client.get(self.album.get_absolute_url()),
                self.photo.get_absolute_url(),
            )
            self.assertEqual(self.json_ids(), [self.visible.pk])
            self.assertEqual(
                self.client.get(self.photo.get_absolute_url()).status_code, 404
            )

    def test_present_for_owner_uploader_and_staff(self):
        for user in (self.alice, self.charlie, self.staff):
            self.client.force_login(user)
            response = self.client.get(self.album.get_absolute_url())
            self.assertContains(response, self.photo.get_absolute_url())
            self.assertContains(response, '<span class="badge">Hidden</span>')
            self.assertCountEqual(self.json_ids(), [self.visible.pk, self.photo.pk])

    def test_present_for_the_guest_session_that_uploaded_it(self):
        guest_photo = store_photo(self.album, guest_name="Eve", color=(4, 4, 4))
        Photo.objects.filter(pk=guest_photo.pk).update(hidden=True)
        remember_upload(self.client, guest_photo)
        self.assertCountEqual(self.json_ids(), [self.visible.pk, guest_photo.pk])
