"""The storage URLs the rest of the code hands to browsers.

Locally (LocalSignedStorage) the `media` view serves an object only for an
unexpired, untampered signed URL; on S3 the URL is a SigV4 pre-signed one.
"""

import time
from datetime import UTC, datetime
from unittest import mock
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from django.conf import settings
from django.core.files.storage import default_storage
from django.test import TestCase, override_settings
from django.urls import reverse

from albums.tests.base import make_image_bytes, stored_keys
from core import storage
from core.storage.local import LocalSignedStorage
from core.storage.presign import DEFAULT_URL_WINDOW
from core.tests.support import local_storage


def split(url):
    """(path, {name: value}) of a URL, for tampering with one part."""
    parts = urlsplit(url)
    return parts.path, {
        name: values[0] for name, values in parse_qs(parts.query).items()
    }


class LocalMediaTestCase(TestCase):
    def setUp(self):
        media_root = self.enterContext(local_storage())
        self.assertIsInstance(default_storage, LocalSignedStorage)
        self.media_root = media_root
        self.data = make_image_bytes()
        self.key = storage.save("albums/1/0123abcd.jpg", self.data, "image/jpeg")
        self.other_key = storage.save(
            "albums/1/4567cdef.jpg", make_image_bytes(color=(1, 2, 3)), "image/jpeg"
        )

    def get(self, path, query):
        return self.client.get(path + "?" + urlencode(query))

    def assertRefused(self, response):
        self.assertEqual(response.status_code, 404)
        self.assertNotEqual(
            b"".join(getattr(response, "streaming_content", [response.content])),
            self.data,
        )

    def test_objects_are_stored_in_the_media_root(self):
        self.assertEqual(stored_keys(), [self.key, self.other_key])
        with open(f"{self.media_root}/{self.key}", "rb") as fh:
            self.assertEqual(fh.read(), self.data)

    def test_a_signed_url_serves_the_object_with_pinned_headers(self):
        response = self.client.get(storage.url(self.key, content_type="image/jpeg"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(b"".join(response.streaming_content), self.data)
        self.assertEqual(response["Content-Type"], "image/jpeg")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["Content-Disposition"], "inline")

    def test_the_content_type_is_the_signed_one_not_a_guess(self):
        html_key = storage.save(
            "albums/1/89ab0123.html", b"<script>alert(1)</script>", "image/png"
        )
        response = self.client.get(storage.url(html_key, content_type="image/png"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "image/png")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")

    def test_download_as_makes_an_attachment_with_the_name(self):
        url = storage.url(self.key, content_type="image/jpeg", download_as="Fête 1.jpg")
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response["Content-Disposition"],
            "attachment; filename=\"F?te 1.jpg\"; filename*=UTF-8''F%C3%AAte%201.jpg",
        )
        self.assertEqual(b"".join(response.streaming_content), self.data)

    def test_the_url_expires(self):
        url = storage.url(self.key, content_type="image/jpeg", expire=60)
        now = time.time()
        with mock.patch("time.time", lambda: now + 55):
            self.assertEqual(self.client.get(url).status_code, 200)
        with mock.patch("time.time", lambda: now + 65):
            self.assertRefused(self.client.get(url))

    def test_an_already_expired_url_is_refused(self):
        self.assertRefused(
            self.client.get(storage.url(self.key, content_type="image/jpeg", expire=-1))
        )

    def test_the_default_expiry_is_storage_url_expiry(self):
        _path, query = split(storage.url(self.key))
        self.assertAlmostEqual(
            int(query["Expires"]), time.time() + settings.STORAGE_URL_EXPIRY, delta=5
        )

    def test_another_key_with_the_same_signature_is_refused(self):
        path, query = split(storage.url(self.key, content_type="image/jpeg"))
        self.assertEqual(self.get(path, query).status_code, 200)
        self.assertRefused(self.get(reverse("media", args=[self.other_key]), query))

    def test_a_changed_expiry_is_refused(self):
        path, query = split(storage.url(self.key, content_type="image/jpeg"))
        self.assertRefused(
            self.get(path, {**query, "Expires": str(int(query["Expires"]) + 3600)})
        )
        self.assertRefused(self.get(path, {**query, "Expires": "never"}))

    def test_a_changed_signature_is_refused(self):
        path, query = split(storage.url(self.key, content_type="image/jpeg"))
        signature = query["Signature"]
        flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
        self.assertRefused(self.get(path, {**query, "Signature": flipped}))
        self.assertRefused(self.get(path, {**query, "Signature": ""}))
        self.assertRefused(
            self.get(path, {k: v for k, v in query.items() if k != "Signature"})
        )

    def test_a_changed_content_type_is_refused(self):
        path, query = split(storage.url(self.key, content_type="image/jpeg"))
        self.assertRefused(
            self.get(path, {**query, "ResponseContentType": "text/html"})
        )
        self.assertRefused(
            self.get(
                path, {k: v for k, v in query.items() if k != "ResponseContentType"}
            )
        )

    def test_a_changed_or_added_disposition_is_refused(self):
        path, query = split(
            storage.url(self.key, content_type="image/jpeg", download_as="a.jpg")
        )
        self.assertRefused(
            self.get(path, {**query, "ResponseContentDisposition": "inline"})
        )
        path, query = split(storage.url(self.key, content_type="image/jpeg"))
        self.assertRefused(
            self.get(
                path,
                {**query, "ResponseContentDisposition": "attachment; filename=x.html"},
            )
        )

    def test_the_folder_is_not_served_without_a_signature(self):
        self.assertRefused(self.client.get(reverse("media", args=[self.key])))
        self.assertEqual(
            self.client.get(reverse("media", args=["albums/1/"])).status_code, 404
        )
        self.assertEqual(self.client.get("/media/").status_code, 404)

    def test_a_signed_url_for_a_missing_object_is_a_404(self):
        response = self.client.get(
            storage.url("albums/1/missing.jpg", content_type="image/jpeg")
        )
        self.assertEqual(response.status_code, 404)

    def test_a_signed_path_outside_the_media_root_is_refused(self):
        response = self.client.get(
            storage.url("../../etc/passwd", content_type="text/plain")
        )
        self.assertIn(response.status_code, (400, 404))
        self.assertNotIn(b"root:", response.content)


class S3MediaTestCase(TestCase):
    """The test settings' default: django-storages on moto's S3."""

    def setUp(self):
        self.data = make_image_bytes()
        self.key = storage.save("albums/1/0123abcd.jpg", self.data, "image/jpeg")

    @override_settings(STORAGE_URL_WINDOW=0)
    def test_the_url_is_sigv4_presigned_with_the_configured_expiry(self):
        url = storage.url(self.key, content_type="image/jpeg")
        parts = urlsplit(url)
        _path, query = split(url)
        self.assertEqual(parts.scheme, "https")
        self.assertEqual(
            parts.path.rsplit("/", 3)[-3:], ["albums", "1", "0123abcd.jpg"]
        )
        self.assertEqual(query["X-Amz-Algorithm"], "AWS4-HMAC-SHA256")
        self.assertEqual(query["X-Amz-Expires"], str(settings.STORAGE_URL_EXPIRY))
        self.assertTrue(
            query["X-Amz-Credential"].endswith("/us-east-1/s3/aws4_request")
        )
        self.assertEqual(query["X-Amz-SignedHeaders"], "host")
        self.assertRegex(query["X-Amz-Signature"], r"^[0-9a-f]{64}$")
        self.assertEqual(query["response-content-type"], "image/jpeg")
        self.assertNotIn("response-content-disposition", query)

    def test_a_windowed_url_stays_valid_at_least_the_configured_expiry(self):
        # URLs are signed as of the start of a time window so pages rendered in
        # the same window reuse them (core/storage/presign.py); none expires sooner
        # than STORAGE_URL_EXPIRY from now, nor later than one window beyond.
        now = time.time()
        _path, query = split(storage.url(self.key, content_type="image/jpeg"))
        signed_at = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(
            tzinfo=UTC
        )
        valid_until = signed_at.timestamp() + int(query["X-Amz-Expires"])
        window = getattr(settings, "STORAGE_URL_WINDOW", DEFAULT_URL_WINDOW)
        self.assertGreaterEqual(valid_until, int(now) + settings.STORAGE_URL_EXPIRY)
        self.assertLessEqual(
            valid_until, now + settings.STORAGE_URL_EXPIRY + window + 1
        )
        self.assertEqual(query["response-content-type"], "image/jpeg")

    def test_download_as_signs_the_disposition(self):
        _path, query = split(
            storage.url(self.key, content_type="image/jpeg", download_as="party.jpg")
        )
        self.assertEqual(
            query["response-content-disposition"],
            "attachment; filename=\"party.jpg\"; filename*=UTF-8''party.jpg",
        )

    def test_s3_serves_the_object_with_the_signed_headers(self):
        # moto answers the pre-signed URL in process (it does not check signatures).
        response = requests.get(
            storage.url(self.key, content_type="image/png", download_as="party.jpg")
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, self.data)
        self.assertEqual(response.headers["Content-Type"], "image/png")
        self.assertTrue(
            response.headers["Content-Disposition"].startswith(
                'attachment; filename="party.jpg"'
            )
        )

    def test_the_local_media_view_serves_nothing_with_s3(self):
        path, query = split(storage.url(self.key, content_type="image/jpeg"))
        self.assertEqual(
            self.client.get(reverse("media", args=[self.key]), query).status_code, 404
        )


class ForgedLocalLinkTestCase(LocalMediaTestCase):
    """A forged link answers 404 through the real view, never 500."""

    def test_a_newline_forgery_of_the_disposition_is_a_404(self):
        path, query = split(
            storage.url(self.key, content_type="image/jpeg", download_as="a.jpg")
        )
        forged = {
            "Expires": query["Expires"],
            "ResponseContentType": "image/jpeg\nResponseContentDisposition="
            + query["ResponseContentDisposition"],
            "Signature": query["Signature"],
        }
        self.assertRefused(self.get(path, forged))

    def test_header_injection_in_a_parameter_is_a_404(self):
        path, query = split(storage.url(self.key, content_type="image/jpeg"))
        query["ResponseContentType"] = "image/jpeg\r\nSet-Cookie: a=b"
        self.assertRefused(self.get(path, query))
