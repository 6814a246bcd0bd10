from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from albums.tests.admin_base import AdminTestCase
from albums.tests.base import TwoAlbumsTestCase, store_photo, stored_keys
from photos.models import Photo, TakedownRequest


class TakedownResolveTests(TwoAlbumsTestCase):
    """The owner sees pending take-down requests on the settings page and removes
    the photo or dismisses them."""

    def setUp(self):
        self.photo = store_photo(self.album, user=self.charlie, filename="group.jpg")
        self.kept = store_photo(
            self.album, user=self.charlie, filename="kept.jpg", color=(10, 200, 10)
        )
        self.takedown = TakedownRequest.objects.create(
            photo=self.photo, reason="I'm on the left"
        )
        self.second = TakedownRequest.objects.create(photo=self.photo, reason="Me too")
        self.settings_url = reverse("album_settings", args=[self.album.code])
        self.remove_url = reverse(
            "takedown_remove", args=[self.album.code, self.takedown.pk]
        )
        self.dismiss_url = reverse(
            "takedown_dismiss", args=[self.album.code, self.takedown.pk]
        )

    def test_owner_sees_pending_requests_with_thumbnail_reason_and_actions(self):
        TakedownRequest.objects.create(
            photo=self.kept, reason="Old one", dismissed_at=timezone.now()
        )
        self.client.force_login(self.alice)
        response = self.client.get(self.settings_url)
        self.assertContains(response, "Take-down requests (2)")
        self.assertContains(response, "&ldquo;I&#x27;m on the left&rdquo;", html=False)
        self.assertContains(response, self.photo.thumbnail_url().replace("&", "&amp;"))
        self.assertContains(response, f'action="{self.remove_url}"')
        self.assertContains(response, f'action="{self.dismiss_url}"')
        self.assertNotContains(response, "Old one")

    def test_no_section_without_requests(self):
        TakedownRequest.objects.all().delete()
        self.client.force_login(self.alice)
        self.assertNotContains(self.client.get(self.settings_url), "Take-down requests")

    def test_album_page_tells_the_owner_only(self):
        self.client.force_login(self.alice)
        self.assertContains(
            self.client.get(self.album.get_absolute_url()),
            "2 take-down requests waiting for you",
        )
        for user in (self.bob, self.charlie):
            self.client.force_login(user)
            self.assertNotContains(
                self.client.get(self.album.get_absolute_url()), "take-down request"
            )

    def test_remove_deletes_the_photo_its_requests_and_its_files(self):
        self.client.force_login(self.alice)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(self.remove_url)
        self.assertRedirects(response, self.settings_url, fetch_redirect_response=False)
        self.assertFalse(Photo.objects.filter(pk=self.photo.pk).exists())
        self.assertFalse(TakedownRequest.objects.exists())
        self.assertEqual(stored_keys(), sorted(self.kept.storage_keys))
        self.assertContains(
            self.client.get(self.settings_url), "Removed group.jpg, with its files"
        )

    def test_removing_the_cover_picks_another(self):
        self.album.thumbnail = self.photo
        self.album.save()
        self.client.force_login(self.alice)
        self.client.post(self.remove_url)
        self.album.refresh_from_db()
        self.assertEqual(self.album.thumbnail, self.kept)

    def test_dismiss_keeps_the_photo_and_closes_only_that_request(self):
        self.client.force_login(self.alice)
        response = self.client.post(self.dismiss_url, follow=True)
        self.assertContains(
            response, "Dismissed the request for group.jpg; the photo stays."
        )
        self.assertContains(response, "Take-down requests (1)")
        self.takedown.refresh_from_db()
        self.assertIsNotNone(self.takedown.dismissed_at)
        self.assertEqual(list(TakedownRequest.objects.pending()), [self.second])
        self.assertTrue(Photo.objects.filter(pk=self.photo.pk).exists())

    def test_a_dismissed_request_cannot_be_acted_on_again(self):
        self.client.force_login(self.alice)
        self.client.post(self.dismiss_url)
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(self.client.post(self.remove_url).status_code, 404)
        self.assertTrue(Photo.objects.filter(pk=self.photo.pk).exists())

    def test_staff_may_act(self):
        self.client.force_login(self.staff)
        self.assertEqual(self.client.get(self.settings_url).status_code, 200)
        self.assertEqual(self.client.post(self.remove_url).status_code, 302)
        self.assertFalse(Photo.objects.filter(pk=self.photo.pk).exists())

    def test_guest_stranger_and_uploader_get_404_and_nothing_changes(self):
        keys = stored_keys()
        for user in (None, self.bob, self.charlie):
            if user:
                self.client.force_login(user)
            self.assertEqual(self.client.get(self.settings_url).status_code, 404)
            for url in (self.remove_url, self.dismiss_url):
                with self.captureOnCommitCallbacks(execute=True):
                    self.assertEqual(
                        self.client.post(url).status_code, 404, (user, url)
                    )
        self.assertEqual(TakedownRequest.objects.pending().count(), 2)
        self.assertEqual(stored_keys(), keys)

    def test_a_request_of_another_album_is_404_through_this_one(self):
        bobs = store_photo(self.other_album, user=self.bob, color=(9, 9, 9))
        bobs_request = TakedownRequest.objects.create(photo=bobs)
        self.client.force_login(self.alice)
        for name in ("takedown_remove", "takedown_dismiss"):
            with self.captureOnCommitCallbacks(execute=True):
                response = self.client.post(
                    reverse(name, args=[self.album.code, bobs_request.pk])
                )
            self.assertEqual(response.status_code, 404)
        bobs_request.refresh_from_db()
        self.assertIsNone(bobs_request.dismissed_at)
        self.assertTrue(Photo.objects.filter(pk=bobs.pk).exists())
        self.assertNotContains(self.client.get(self.settings_url), bobs.filename + " ·")

    def test_get_is_refused(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(self.remove_url).status_code, 405)
        self.assertEqual(self.client.get(self.dismiss_url).status_code, 405)


class TakedownAdminTests(AdminTestCase):
    def setUp(self):
        super().setUp()
        self.photo = store_photo(self.album, user=self.charlie, filename="group.jpg")
        TakedownRequest.objects.create(photo=self.photo, reason="Please remove me")
        TakedownRequest.objects.create(
            photo=self.photo, reason="Dealt with", dismissed_at=timezone.now()
        )

    def test_index_shows_the_pending_count(self):
        response = self.client.get(reverse("admin:index"))
        self.assertContains(response, "1 take-down request pending")
        self.assertContains(
            response, reverse("admin:photos_takedownrequest_changelist") + "?pending=1"
        )

    def test_changelist_lists_and_filters(self):
        url = reverse("admin:photos_takedownrequest_changelist")
        response = self.client.get(url)
        self.assertContains(response, "Take-down requests: 1 pending")
        self.assertContains(response, "Please remove me")
        self.assertContains(response, escape(str(self.album)))
        response = self.client.get(url + "?pending=1")
        self.assertContains(response, "Please remove me")
        self.assertNotContains(response, "Dealt with")
        self.assertContains(
            self.client.get(url + f"?q={self.album.display_code.lower()}"),
            "Please remove me",
        )

    def test_changelist_queries_do_not_grow_with_rows(self):
        url = reverse("admin:photos_takedownrequest_changelist")
        self.queries_for(url)  # warm per-process caches
        _response, few = self.queries_for(url)
        TakedownRequest.objects.bulk_create(
            TakedownRequest(photo=self.photo, reason=f"r{i}") for i in range(30)
        )
        response, many = self.queries_for(url)
        self.assertContains(response, "r29")
        self.assertEqual(many, few)

    def test_dismiss_action(self):
        url = reverse("admin:photos_takedownrequest_changelist")
        ids = list(TakedownRequest.objects.values_list("pk", flat=True))
        self.client.post(url, {"action": "dismiss", "_selected_action": ids})
        self.assertFalse(TakedownRequest.objects.pending().exists())

    def test_requests_only_come_from_the_site(self):
        self.assertEqual(
            self.client.get(reverse("admin:photos_takedownrequest_add")).status_code,
            403,
        )

    def test_others_are_sent_to_the_login(self):
        self.client.logout()
        self.client.force_login(self.bob)
        response = self.client.get(reverse("admin:photos_takedownrequest_changelist"))
        self.assertEqual(response.status_code, 302)
