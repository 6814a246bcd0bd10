"""An upload is refused before its body is read (photos.precheck, through
core.middleware.RequestBodyMiddleware): no such album, a locked album, one
that takes no guests, a sender over a rate limit, a body larger than the
upload URL accepts. Django reads a body when request.POST is first asked
for, and the CSRF check asks first (the client here enforces it, as
browsers' requests get it); here reading is made to fail, so each refusal
shows it came first. albums/tests/test_web_server.py does the same over
real HTTP against the production web process."""

from unittest import mock

from django.conf import settings
from django.http import HttpRequest
from django.test import override_settings
from django.urls import reverse

from albums.models import Album
from albums.tests.base import AlbumTestCase, make_image_bytes
from photos.models import Photo
from photos.tests.helpers import JSON, upload

BODY = b"--x\r\n" + b"a" * 200_000
MULTIPART = "multipart/form-data; boundary=x"
TOKEN = "a" * 32  # A CSRF cookie and the same token in the form.


def body_never_read():
    return mock.patch.object(
        HttpRequest,
        "_load_post_and_files",
        side_effect=AssertionError("the body was read"),
    )


class UploadPrecheckTests(AlbumTestCase):
    def setUp(self):
        super().setUp()
        self.client = self.client_class(enforce_csrf_checks=True)
        self.client.cookies["csrftoken"] = TOKEN

    def upload(self):
        return upload(
            self.client,
            self.album,
            "a.jpg",
            make_image_bytes(),
            data={"csrfmiddlewaretoken": TOKEN},
        )

    def post(self, code, **extra):
        return self.client.post(
            reverse("upload", args=[code]), BODY, content_type=MULTIPART, **extra
        )

    def test_no_such_album(self):
        with body_never_read():
            response = self.post("ZZZZZZZZ", **JSON)
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json()["error"], "No album with that code.")

    def test_a_locked_album(self):
        Album.objects.filter(pk=self.album.pk).update(uploads_open=False)
        with body_never_read():
            response = self.post(self.album.code, **JSON)
        self.assertEqual(response.status_code, 403)
        self.assertIn("locked", response.json()["error"])
        with body_never_read():
            page = self.post(self.album.code)
        self.assertContains(page, "This album is locked", status_code=403)

    def test_an_album_that_takes_no_guests(self):
        Album.objects.filter(pk=self.album.pk).update(guest_uploads=False)
        with body_never_read():
            response = self.post(self.album.code, **JSON)
        self.assertEqual(response.status_code, 403)
        self.assertIn("Log in", response.json()["error"])

    def test_a_sender_over_the_rate_limit(self):
        with override_settings(
            RATE_LIMITS={**settings.RATE_LIMITS, "upload-client": (1, 3600)}
        ):
            self.assertEqual(self.upload().status_code, 201)
            with body_never_read():
                response = self.post(self.album.code, **JSON)
        self.assertEqual(response.status_code, 429)
        self.assertIn("Too many uploads", response.json()["error"])

    def test_a_declared_length_over_the_upload_limit(self):
        limit = settings.REQUEST_BODY_LIMITS["upload"]
        self.assertEqual(
            limit,
            settings.PHOTO_MAX_BYTES * settings.DATA_UPLOAD_MAX_NUMBER_FILES
            + settings.REQUEST_BODY_MAX_BYTES,
        )
        with body_never_read():
            response = self.post(self.album.code, CONTENT_LENGTH=str(limit + 1), **JSON)
        self.assertEqual(response.status_code, 413)
        self.assertIn("at most", response.json()["error"])
        self.assertNotIn("Retry-After", response)

    def test_an_upload_that_may_go_on_still_works(self):
        response = self.upload()
        self.assertEqual(response.status_code, 201)
        self.assertEqual(Photo.objects.count(), 1)


class RequestBodyLimitTests(AlbumTestCase):
    def test_a_declared_length_over_the_general_limit_anywhere_else(self):
        with body_never_read():
            response = self.client.post(
                reverse("login"),
                "username=a",
                content_type="application/x-www-form-urlencoded",
                CONTENT_LENGTH=str(settings.REQUEST_BODY_MAX_BYTES + 1),
            )
        self.assertContains(response, "at most 2.5 MB", status_code=413)

    def test_a_body_within_the_limit_goes_on_to_the_csrf_check(self):
        response = self.client_class(enforce_csrf_checks=True).post(
            reverse("login"), {"username": "a", "password": "b"}
        )
        self.assertEqual(response.status_code, 403)  # No CSRF token: read, refused.
