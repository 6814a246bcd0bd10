"""A guest's photos are theirs by their browser's guest cookie, recorded on
each photo's row (photos.guests), not in a list in the session: uploads sent
at the same moment can't lose one another's."""

import threading
from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import RequestFactory, TransactionTestCase, skipUnlessDBFeature
from django.urls import reverse

from albums.models import Album
from albums.tests.base import BaseTestCase, make_image_bytes
from photos import guests
from photos.models import Photo
from photos.tests.helpers import JSON, guest_token
from photos.views import upload

SessionStore = import_module(settings.SESSION_ENGINE).SessionStore


class ParallelUploadSessionTests(BaseTestCase):
    """A phone uploads several files at once: requests that loaded the guest's
    session before the others saved it."""

    def request(self, session_key, cookie, color):
        file = SimpleUploadedFile(
            f"{color}.jpg", make_image_bytes(color=color), content_type="image/jpeg"
        )
        request = RequestFactory().post(
            reverse("upload", args=[self.album.code]),
            {"photos": file},
            HTTP_ACCEPT="application/json",
            HTTP_COOKIE=f"{guests.COOKIE_NAME}={cookie}",
        )
        request._dont_enforce_csrf_checks = True  # as the test client does
        request.user = AnonymousUser()
        request.session = SessionStore(session_key)
        list(request.session.items())  # loaded now, as a request does when it begins
        return request

    def test_overlapping_uploads_keep_every_photo_the_guests(self):
        self.client.get(self.album.get_absolute_url())  # the page gives the cookie
        token = guest_token(self.client)
        cookie = self.client.cookies[guests.COOKIE_NAME].value
        session = SessionStore()
        session["guest_name"] = "Dana"
        session.save()
        # Three requests start (and load the session) before any has answered,
        # and save their sessions in the worst order: the last to finish first.
        requests = [
            self.request(session.session_key, cookie, color)
            for color in ((255, 0, 0), (0, 0, 255), (0, 255, 0))
        ]
        for request in requests:
            self.assertEqual(upload(request, self.album.code).status_code, 201)
        for request in reversed(requests):
            request.session.save()
        photos = list(self.album.photos.order_by("pk"))
        self.assertEqual(len(photos), 3)
        key = guests.key_for_token(token)
        self.assertEqual([photo.guest_key for photo in photos], [key] * 3)
        # The browser that sent them may delete every one of them.
        for photo in photos:
            self.assertTrue(photo.can_edit(AnonymousUser(), key))
            response = self.client.post(
                reverse("photo_delete", args=[self.album.code, photo.pk]), **JSON
            )
            self.assertEqual(response.json()["deleted"], photo.pk)
        self.assertFalse(self.album.photos.exists())

    def test_an_upload_without_the_cookie_gives_one(self):
        response = self.client.post(
            reverse("upload", args=[self.album.code]),
            {"photos": SimpleUploadedFile("a.jpg", make_image_bytes())},
            **JSON,
        )
        self.assertEqual(response.status_code, 201)
        cookie = response.cookies[guests.COOKIE_NAME]
        self.assertTrue(cookie["httponly"])
        self.assertTrue(cookie["secure"])  # DEBUG is off
        self.assertEqual(cookie["samesite"], "Lax")
        self.assertEqual(cookie["max-age"], guests.MAX_AGE)
        photo = Photo.objects.get()
        self.assertEqual(
            photo.guest_key, guests.key_for_token(guest_token(self.client))
        )
        self.assertNotEqual(photo.guest_key, guest_token(self.client))
        # The next upload keeps the same cookie (renewed), so the same guest.
        self.client.post(
            reverse("upload", args=[self.album.code]),
            {"photos": SimpleUploadedFile("b.jpg", make_image_bytes(color=(1, 2, 3)))},
            **JSON,
        )
        self.assertEqual(
            set(Photo.objects.values_list("guest_key", flat=True)), {photo.guest_key}
        )

    def test_the_album_page_gives_the_cookie_before_any_upload(self):
        response = self.client.get(self.album.get_absolute_url())
        self.assertIn(guests.COOKIE_NAME, response.cookies)
        # Once: a page seen again doesn't set it again.
        again = self.client.get(self.album.get_absolute_url())
        self.assertNotIn(guests.COOKIE_NAME, again.cookies)

    def test_a_forged_cookie_is_no_one(self):
        photo_key = guests.key_for_token("a" * 43)
        self.client.cookies[guests.COOKIE_NAME] = "a" * 43  # unsigned
        self.client.post(
            reverse("upload", args=[self.album.code]),
            {"photos": SimpleUploadedFile("a.jpg", make_image_bytes())},
            **JSON,
        )
        self.assertNotEqual(Photo.objects.get().guest_key, photo_key)

    def test_accounts_record_no_guest_key(self):
        guest_token(self.client)
        self.client.force_login(self.bob)
        self.client.post(
            reverse("upload", args=[self.album.code]),
            {"photos": SimpleUploadedFile("a.jpg", make_image_bytes())},
            **JSON,
        )
        photo = Photo.objects.get()
        self.assertEqual((photo.user, photo.guest_key), (self.bob, ""))


@skipUnlessDBFeature("has_select_for_update")
class ParallelUploadThreadTests(TransactionTestCase):
    """A guest's phone uploads 3 files at a time, for real: 36 photos from
    three threads, each with its own database connection. On PostgreSQL (as
    CI runs): SQLite's shared in-memory test database refuses a second writer
    at once ("database table is locked") instead of letting it wait."""

    def test_every_photo_of_a_guest_uploading_three_at_a_time_stays_hers(self):
        host = User.objects.create_user("host")
        album = Album.objects.create(name="Party", user=host)
        page = self.client.get(album.get_absolute_url())
        cookies = page.cookies
        colors = iter(range(36))
        lock = threading.Lock()
        statuses = []
        start = threading.Barrier(3)

        def phone_slot():
            client = self.client_class()
            client.cookies = cookies
            try:
                start.wait(timeout=30)
                while True:
                    with lock:
                        number = next(colors, None)
                    if number is None:
                        return
                    response = client.post(
                        reverse("upload", args=[album.code]),
                        {
                            "photos": SimpleUploadedFile(
                                f"{number}.jpg",
                                make_image_bytes(color=(number * 7, 80, 40)),
                            ),
                            "guest_name": "Dana",
                        },
                        **JSON,
                    )
                    statuses.append((response.status_code, response.content))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=phone_slot) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual([status for status, _body in statuses], [201] * 36, statuses)
        self.client.cookies = cookies
        for photo in album.photos.all():
            response = self.client.post(
                reverse("photo_delete", args=[album.code, photo.pk]), **JSON
            )
            self.assertEqual(response.status_code, 200, photo.filename)
        self.assertFalse(album.photos.exists())
