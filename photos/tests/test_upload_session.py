from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from albums.tests.base import BaseTestCase, make_image_bytes
from photos.views import SESSION_PHOTO_IDS, upload

SessionStore = import_module(settings.SESSION_ENGINE).SessionStore


class ParallelUploadSessionTests(BaseTestCase):
    """A phone uploads several files at once: requests that loaded the guest's
    session before the others saved it must not drop their photo ids."""

    def request(self, session_key, color):
        file = SimpleUploadedFile(
            f"{color}.jpg", make_image_bytes(color=color), content_type="image/jpeg"
        )
        request = RequestFactory().post(
            reverse("upload", args=[self.album.code]),
            {"photos": file},
            HTTP_ACCEPT="application/json",
        )
        request.user = AnonymousUser()
        request.session = SessionStore(session_key)
        list(request.session.items())  # loaded now, as a request does when it begins
        return request

    def test_overlapping_uploads_keep_every_photo_id(self):
        session = SessionStore()
        session["guest_name"] = "Dana"
        session.save()
        # Both requests start (and load the session) before either has answered.
        first, second = (
            self.request(session.session_key, (255, 0, 0)),
            self.request(session.session_key, (0, 0, 255)),
        )
        self.assertEqual(upload(first, self.album.code).status_code, 201)
        first.session.save()
        self.assertEqual(upload(second, self.album.code).status_code, 201)
        second.session.save()
        stored = SessionStore(session.session_key)[SESSION_PHOTO_IDS]
        self.assertEqual(stored, sorted(self.album.photos.values_list("pk", flat=True)))
        self.assertEqual(len(stored), 2)
