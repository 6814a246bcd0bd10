"""core.storage.presign.S3Presigner: its URLs are botocore's, string for string,
and S3 (moto) serves them."""

import datetime
import functools
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import boto3
import requests
from botocore.config import Config
from botocore.credentials import Credentials, ReadOnlyCredentials
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import SimpleTestCase, override_settings
from storages.backends.s3 import S3Storage

from core import storage
from core.storage.presign import S3Presigner, UnsupportedPresign

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
# A window start (aligned to 15 minutes) and a moment inside that window.
SIGNED_AT = datetime.datetime(2026, 12, 3, 13, 45, 0)
NOW = SIGNED_AT.replace(tzinfo=datetime.UTC).timestamp() + 437

KEYS = [
    "albums/1/0123456789abcdef0123456789abcdef.jpg",
    "albums/2/ünïcødé ß.jpg",
    "a b/c  d/e f.jpg",
    "deep/ly/nested/slashes/photo.heic",
    "odd !*'()&$+,;=?#[]@%~.jpg",
    "日本語/写真.png",
    "party 🎉/cake.jpg",
    "./messy/../keys//here.jpg",
    "/leading/slash.jpg",
    ".hidden/name.jpg",
]
PARAMETERS = [
    None,
    {"ResponseContentType": "image/jpeg"},
    {
        "ResponseContentType": "image/heic",
        "ResponseContentDisposition": storage.content_disposition("Ünïcode (1).heic"),
    },
    {
        "ResponseContentDisposition": 'attachment; filename="a+b=c&d.jpg"',
        "ResponseContentType": "image/png",
    },
    {
        "ResponseCacheControl": "private, max-age=3600",
        "ResponseContentType": "image/jpeg",
    },
]
CONFIGS = {
    "us-east-1 virtual host": {"region_name": "us-east-1"},
    "other region": {"region_name": "eu-west-3"},
    "no region": {"region_name": None},
    "path style": {"region_name": "eu-west-1", "addressing_style": "path"},
    "dotted bucket": {"region_name": "eu-central-1", "bucket_name": "my.dotted.bucket"},
    "location prefix": {"region_name": "us-east-1", "location": "media/"},
    "session token": {
        "region_name": "us-east-1",
        "security_token": "FQoGZXIvYXdzE//token+with/odd=chars",
    },
    "endpoint with port": {
        "region_name": "us-east-1",
        "endpoint_url": "http://127.0.0.1:9000",
    },
    "endpoint on default port": {
        "region_name": "us-east-1",
        "endpoint_url": "https://MinIO.example.com:443",
    },
    "S3-compatible (R2)": {
        "region_name": "auto",
        "endpoint_url": "https://abc123.r2.cloudflarestorage.com",
    },
    "endpoint, virtual host, token": {
        "region_name": "us-west-2",
        "endpoint_url": "https://s3.example.net",
        "addressing_style": "virtual",
        "security_token": "session-token",
        "location": "prod",
    },
}


def deployed_client_config(addressing_style=None):
    """settings.AWS_S3_CLIENT_CONFIG (timeouts, retries) as settings.py makes
    it for a setup with this AWS_S3_ADDRESSING_STYLE."""
    return settings.AWS_S3_CLIENT_CONFIG.merge(
        Config(s3={"addressing_style": addressing_style})
    )


def make_backend(**options):
    options = {
        "bucket_name": "partyshots-bench",
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "security_token": None,
        "endpoint_url": None,
        "signature_version": "s3v4",
        # As deployed: the client config with timeouts and retries, which
        # replaces django-storages' own (addressing style included).
        "client_config": deployed_client_config(options.get("addressing_style")),
        **options,
    }
    return S3Storage(**options)


@functools.cache
def configured(name):
    """The backend for one of CONFIGS and its presigner (clients are slow to build)."""
    backend = make_backend(**CONFIGS[name])
    return backend, S3Presigner(backend)


def botocore_at(moment):
    """Freeze the clock botocore signs with."""
    return mock.patch(
        "botocore.auth.get_current_datetime", lambda remove_tzinfo=True: moment
    )


class PresignedUrlIdentityTests(SimpleTestCase):
    def test_url_is_botocore_url_string_for_string(self):
        checked = 0
        for name in CONFIGS:
            backend, presigner = configured(name)
            for key in KEYS:
                for parameters in PARAMETERS:
                    with self.subTest(config=name, key=key, parameters=parameters):
                        now = SIGNED_AT.replace(tzinfo=datetime.UTC).timestamp()
                        try:
                            with botocore_at(SIGNED_AT):
                                expected = backend.url(key, parameters=parameters)
                        except SuspiciousOperation:  # a key outside AWS_LOCATION
                            with self.assertRaises(SuspiciousOperation):
                                presigner.url(key, parameters, window=0, now=now)
                        else:
                            self.assertEqual(
                                presigner.url(key, parameters, window=0, now=now),
                                expected,
                            )
                        checked += 1
        self.assertEqual(checked, len(CONFIGS) * len(KEYS) * len(PARAMETERS))

    def test_windowed_url_is_botocore_url_signed_at_window_start_with_longer_expiry(
        self,
    ):
        for name in CONFIGS:
            backend, presigner = configured(name)
            for key in KEYS[:3]:
                with self.subTest(config=name, key=key), botocore_at(SIGNED_AT):
                    expected = backend.url(
                        key, parameters=PARAMETERS[2], expire=3600 + 900
                    )
                    self.assertEqual(
                        presigner.url(
                            key, PARAMETERS[2], expire=3600, window=900, now=NOW
                        ),
                        expected,
                    )

    def test_explicit_expiry_and_new_day_new_signing_key(self):
        backend, presigner = configured("other region")
        for moment in (
            SIGNED_AT,
            SIGNED_AT + datetime.timedelta(days=1),
            SIGNED_AT + datetime.timedelta(days=40),
        ):
            with self.subTest(moment=moment), botocore_at(moment):
                expected = backend.url(KEYS[1], parameters=PARAMETERS[1], expire=120)
                now = moment.replace(tzinfo=datetime.UTC).timestamp()
                self.assertEqual(
                    presigner.url(
                        KEYS[1], PARAMETERS[1], expire=120, window=0, now=now
                    ),
                    expected,
                )

    def test_window_never_pushes_expiry_past_the_sigv4_maximum(self):
        week = 7 * 24 * 3600
        _backend, presigner = configured("us-east-1 virtual host")
        url = presigner.url(KEYS[0], PARAMETERS[1], expire=week, window=900, now=NOW)
        query = parse_qs(urlsplit(url).query)
        self.assertEqual(query["X-Amz-Expires"], [str(week)])
        self.assertEqual(
            query["X-Amz-Date"], ["20261203T135217Z"]
        )  # signed as of now, not the window

    def test_unusual_setups_are_left_to_django_storages(self):
        for options in (
            {"custom_domain": "photos.example.com"},
            {"querystring_auth": False},
        ):
            with self.subTest(options=options), self.assertRaises(UnsupportedPresign):
                S3Presigner(make_backend(region_name="us-east-1", **options))
        _backend, presigner = configured("us-east-1 virtual host")
        with self.assertRaises(UnsupportedPresign):
            presigner.url(KEYS[0], {"VersionId": "3"})

    def test_refuses_when_its_url_differs_from_botocores(self):
        # botocore puts a two-letter bucket on the global endpoint, whatever
        # the region; the presigner's own rules don't, and the start-up check
        # notices.
        with self.assertRaisesRegex(UnsupportedPresign, "differs"):
            S3Presigner(make_backend(region_name="eu-west-3", bucket_name="ab"))
        with self.assertRaisesRegex(UnsupportedPresign, "differs"):
            S3Presigner(
                make_backend(
                    region_name="eu-west-3",
                    client_config=Config(
                        s3={"addressing_style": "path"}, signature_version="s3v4"
                    ),
                )
            )

    def test_the_deployed_client_config_keeps_the_fast_signer(self):
        # Timeouts and retries change no URL: every setup above is signed
        # with them in its client config, and the fast signer stays on.
        config = settings.AWS_S3_CLIENT_CONFIG
        self.assertEqual((config.connect_timeout, config.read_timeout), (5, 20))
        self.assertEqual(config.retries, {"mode": "standard", "total_max_attempts": 2})
        for name in CONFIGS:
            backend, _presigner = configured(name)
            with self.subTest(config=name):
                self.assertEqual(backend.client_config.read_timeout, 20)
        self.assertIsNotNone(storage.backend().presigner)
        self.assertIs(storage.backend().storage.client_config, config)

    def test_each_url_reads_the_keys_again(self):
        backend, presigner = configured("us-east-1 virtual host")
        now = SIGNED_AT.replace(tzinfo=datetime.UTC).timestamp()
        first = presigner.url(KEYS[0], PARAMETERS[1], window=0, now=now)
        refreshed = ReadOnlyCredentials("AKIDREFRESHED", "new-secret", "new-token")
        with mock.patch.object(
            Credentials, "get_frozen_credentials", return_value=refreshed
        ):
            url = presigner.url(KEYS[0], PARAMETERS[1], window=0, now=now)
        query = parse_qs(urlsplit(url).query)
        self.assertTrue(query["X-Amz-Credential"][0].startswith("AKIDREFRESHED/"))
        self.assertEqual(query["X-Amz-Security-Token"], ["new-token"])
        self.assertNotEqual(url, first)
        self.assertEqual(
            presigner.url(KEYS[0], PARAMETERS[1], window=0, now=now), first
        )


class StorageUrlTests(SimpleTestCase):
    """core.storage.url goes through the fast signer when storage is S3."""

    def test_storage_url_is_django_storages_url_for_the_window(self):
        window = 900
        with mock.patch("time.time", return_value=NOW):
            url = storage.url(
                "albums/7/x y.jpg", content_type="image/jpeg", download_as="Pärty.jpg"
            )
        with botocore_at(SIGNED_AT):
            expected = default_storage.url(
                "albums/7/x y.jpg",
                parameters={
                    "ResponseContentType": "image/jpeg",
                    "ResponseContentDisposition": storage.content_disposition(
                        "Pärty.jpg"
                    ),
                },
                expire=settings.STORAGE_URL_EXPIRY + window,
            )
        self.assertEqual(url, expected)
        self.assertIsNotNone(storage.backend().presigner)

    def test_same_url_within_a_window_new_url_after_it(self):
        def url_at(moment):
            with mock.patch("time.time", return_value=moment):
                return storage.url("albums/7/thumb.jpg", content_type="image/jpeg")

        start = NOW - NOW % 900
        self.assertEqual(url_at(start), url_at(start + 899))
        self.assertNotEqual(url_at(start + 899), url_at(start + 900))

    @override_settings(STORAGE_URL_WINDOW=0)
    def test_window_off_signs_as_of_now(self):
        with mock.patch("time.time", return_value=NOW):
            url = storage.url("albums/7/thumb.jpg", content_type="image/jpeg")
        query = parse_qs(urlsplit(url).query)
        self.assertEqual(query["X-Amz-Date"], ["20261203T135217Z"])
        self.assertEqual(query["X-Amz-Expires"], [str(settings.STORAGE_URL_EXPIRY)])

    def test_custom_domain_goes_through_django_storages(self):
        options = {"custom_domain": "photos.example.com", "querystring_auth": False}
        with override_settings(
            STORAGES={
                **settings.STORAGES,
                "default": {
                    "BACKEND": "storages.backends.s3.S3Storage",
                    "OPTIONS": options,
                },
            }
        ):
            self.assertIsNone(storage.backend().presigner)
            url = storage.url("albums/7/thumb.jpg", content_type="image/jpeg")
        self.assertEqual(
            url,
            "https://photos.example.com/albums/7/thumb.jpg?ResponseContentType=image%2Fjpeg",
        )


def test_moto_serves_fast_presigned_urls_over_http(s3_endpoint):
    """A real HTTP GET of the URL: the right object, with the signed
    response overrides applied."""
    backend = make_backend(
        region_name="us-east-1", endpoint_url=s3_endpoint, bucket_name="presign-http"
    )
    boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=s3_endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    ).create_bucket(Bucket="presign-http")
    presigner = S3Presigner(backend)
    for key in (
        "albums/1/plain.jpg",
        "albums/2/ünï cødé+plus.jpg",
        "a b/日本語 🎉.png",
    ):
        content = f"bytes of {key}".encode()
        backend.save(key, ContentFile(content))
        url = presigner.url(
            key,
            {
                "ResponseContentType": "image/jpeg",
                "ResponseContentDisposition": storage.content_disposition(
                    "Pärty photo.jpg"
                ),
            },
        )
        assert url.startswith(s3_endpoint + "/presign-http/")
        response = requests.get(url, timeout=10)
        assert response.status_code == 200, (key, response.text)
        assert response.content == content
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["Content-Disposition"] == storage.content_disposition(
            "Pärty photo.jpg"
        )
    missing = presigner.url("albums/1/missing.jpg")
    assert requests.get(missing, timeout=10).status_code == 404
