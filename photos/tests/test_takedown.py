from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from albums.tests.base import TwoAlbumsTestCase, store_photo
from photos.models import Photo, TakedownRequest
from photos.tests.helpers import JSON

TWO_PER_HOUR = {**settings.RATE_LIMITS, "takedown-client": (2, 3600)}


class PhotoTakedownTests(TwoAlbumsTestCase):
    """Anyone who can see a photo can ask the album's host to take it down."""

    def setUp(self):
        self.photo = store_photo(self.album, user=self.charlie, filename="group.jpg")
        self.url = reverse("photo_takedown", args=[self.album.code, self.photo.pk])

    def test_viewer_offers_the_request_to_guests_and_strangers(self):
        for user in (None, self.bob):
            if user:
                self.client.force_login(user)
            response = self.client.get(self.photo.get_absolute_url())
            self.assertContains(response, "This is me, please remove it")
            self.assertContains(response, f'action="{self.url}"')
            self.assertContains(
                response, '<label for="id_reason">Why? (optional)</label>', html=True
            )

    def test_viewer_offers_no_request_to_owner_and_uploader(self):
        for user in (self.alice, self.charlie):
            self.client.force_login(user)
            self.assertNotContains(
                self.client.get(self.photo.get_absolute_url()), self.url
            )

    def test_form_page(self):
        response = self.client.get(self.url)
        self.assertContains(response, "Ask for this photo to be taken down")
        self.assertFalse(TakedownRequest.objects.exists())

    def test_guest_with_the_code_asks(self):
        response = self.client.post(
            self.url,
            {"reason": "  I'm the one on the left.  "},
            REMOTE_ADDR="203.0.113.7",
        )
        self.assertRedirects(
            response, self.photo.get_absolute_url(), fetch_redirect_response=False
        )
        takedown = TakedownRequest.objects.get()
        self.assertEqual(takedown.photo, self.photo)
        self.assertEqual(takedown.reason, "I'm the one on the left.")
        self.assertIsNone(takedown.user)
        self.assertIsNone(takedown.dismissed_at)
        self.assertRegex(takedown.ip_hash, r"^[0-9a-f]{64}$")
        self.assertNotIn("203.0.113.7", takedown.ip_hash)
        response = self.client.get(self.photo.get_absolute_url())
        self.assertContains(
            response, "The album&#x27;s host has been asked to take this photo down."
        )
        self.assertContains(
            response, "You asked the album's host to take this photo down."
        )
        self.assertNotContains(response, f'action="{self.url}"')

    def test_the_same_address_gives_the_same_hash_and_another_a_different_one(self):
        self.client.post(self.url, REMOTE_ADDR="203.0.113.7")
        self.client.logout()  # a new session
        self.client.post(self.url, REMOTE_ADDR="203.0.113.7")
        self.client.logout()
        self.client.post(self.url, REMOTE_ADDR="198.51.100.1")
        first, second, third = TakedownRequest.objects.order_by("pk").values_list(
            "ip_hash", flat=True
        )
        self.assertEqual(first, second)
        self.assertNotEqual(first, third)

    def test_reason_is_optional(self):
        self.assertEqual(self.client.post(self.url).status_code, 302)
        self.assertEqual(TakedownRequest.objects.get().reason, "")

    def test_a_user_is_recorded(self):
        self.client.force_login(self.bob)
        self.client.post(self.url, {"reason": "me"})
        self.assertEqual(TakedownRequest.objects.get().user, self.bob)

    def test_same_session_is_not_stored_twice(self):
        self.assertEqual(self.client.post(self.url, **JSON).status_code, 201)
        response = self.client.post(self.url, {"reason": "again"}, **JSON)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(), {"requested": self.photo.pk, "duplicate": True}
        )
        response = self.client.post(self.url, follow=True)
        self.assertContains(
            response, "You have already asked for this photo to be taken down"
        )
        self.assertEqual(TakedownRequest.objects.count(), 1)

    def test_same_user_in_another_session_is_not_stored_twice_while_pending(self):
        self.client.force_login(self.bob)
        self.client.post(self.url)
        self.client.logout()
        self.client.force_login(self.bob)
        self.client.post(self.url)
        self.assertEqual(TakedownRequest.objects.count(), 1)

    def test_another_guest_is_stored(self):
        self.client.post(self.url)
        self.client.logout()
        self.client.post(self.url)
        self.assertEqual(TakedownRequest.objects.count(), 2)

    def test_too_long_a_reason_is_a_clear_400(self):
        response = self.client.post(self.url, {"reason": "x" * 501})
        self.assertContains(
            response, "Keep the reason to 500 characters (it has 501).", status_code=400
        )
        response = self.client.post(self.url, {"reason": "x" * 501}, **JSON)
        self.assertEqual(response.status_code, 400)
        self.assertIn("500 characters", response.json()["error"])
        self.assertFalse(TakedownRequest.objects.exists())

    def test_a_photo_one_cannot_see_is_404(self):
        hidden = store_photo(
            self.album, user=self.charlie, color=(1, 99, 1), hidden=True
        )
        bobs = store_photo(self.other_album, user=self.bob, color=(9, 9, 9))
        for photo in (hidden, bobs):
            response = self.client.post(
                reverse("photo_takedown", args=[self.album.code, photo.pk])
            )
            self.assertEqual(response.status_code, 404)
        self.assertEqual(
            self.client.post(
                reverse("photo_takedown", args=["ZZZZ9999", self.photo.pk])
            ).status_code,
            404,
        )
        self.assertFalse(TakedownRequest.objects.exists())

    @override_settings(RATE_LIMITS=TWO_PER_HOUR)
    def test_rate_limited_per_client(self):
        photos = [
            self.photo,
            store_photo(self.album, color=(2, 200, 2)),
            store_photo(self.album, color=(3, 3, 200)),
        ]
        for photo in photos[:2]:
            response = self.client.post(
                reverse("photo_takedown", args=[self.album.code, photo.pk])
            )
            self.assertEqual(response.status_code, 302)
        self.client.logout()  # a fresh session doesn't escape the limit
        response = self.client.post(
            reverse("photo_takedown", args=[self.album.code, photos[2].pk])
        )
        self.assertContains(
            response,
            "Too many take-down requests from your connection.",
            status_code=429,
        )
        self.assertIn("Retry-After", response)
        self.assertEqual(TakedownRequest.objects.count(), 2)
        response = self.client.post(
            reverse("photo_takedown", args=[self.album.code, photos[2].pk]),
            REMOTE_ADDR="198.51.100.1",
        )
        self.assertEqual(response.status_code, 302)  # another client has its own count

    @override_settings(RATE_LIMITS=TWO_PER_HOUR)
    def test_reading_the_form_is_not_counted(self):
        for _ in range(3):
            self.assertEqual(self.client.get(self.url).status_code, 200)
        self.assertEqual(self.client.post(self.url).status_code, 302)

    def test_the_photo_stays_until_the_host_acts(self):
        self.client.post(self.url)
        self.assertTrue(Photo.objects.filter(pk=self.photo.pk, hidden=False).exists())
