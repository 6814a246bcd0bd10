"""Security headers on every main page, the storage origin in img-src, and
templates that need no 'unsafe-inline'."""

import html
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import django.contrib.admin
from botocore.config import Config
from django.conf import settings
from django.test import TestCase
from django.urls import Resolver404, resolve

from albums.tests.base import BaseTestCase, store_photo
from core import storage
from partyshots.settings import storage_origins

EXPECTED_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}


def parse_csp(header):
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class SecurityHeadersTestCase(BaseTestCase):
    def setUp(self):
        self.photo = store_photo(self.album, user=self.alice)

    def main_pages(self, owner=False):
        """The main pages that exist so far; each view added later joins by its URL."""
        pages = ["/", "/accounts/login/", "/accounts/signup/"]
        album_pages = ["", "share/", f"p/{self.photo.pk}/"] + (
            ["settings/", "merge/", "delete/"] if owner else []
        )
        for page in album_pages:
            path = f"/a/{self.album.code}/{page}"
            try:
                resolve(path)
            except Resolver404:
                continue
            pages.append(path)
        if owner:
            pages.append("/accounts/")
        return pages

    def assert_secure_headers(self, response):
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["Referrer-Policy"], "same-origin")
        self.assertEqual(response["X-Frame-Options"], "DENY")
        csp = response["Content-Security-Policy"]
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("unsafe-eval", csp)
        directives = parse_csp(csp)
        for name, sources in EXPECTED_DIRECTIVES.items():
            self.assertEqual(directives.get(name), sources, name)
        self.assertEqual(directives["img-src"][:2], ["'self'", "data:"])
        # The page's uploads PUT straight to the bucket, and nowhere else.
        self.assertEqual(
            directives["connect-src"], ["'self'", *settings.STORAGE_ORIGINS]
        )
        return directives

    def test_every_main_page_sends_the_headers(self):
        for user in (None, self.alice):
            if user:
                self.client.force_login(user)
            for path in self.main_pages(owner=user is not None):
                with self.subTest(path=path, user=user):
                    response = self.client.get(path)
                    # Logged in, the login and signup pages send you on.
                    self.assertEqual(
                        response.status_code,
                        302
                        if user and path in ("/accounts/login/", "/accounts/signup/")
                        else 200,
                    )
                    self.assert_secure_headers(response)

    def test_error_pages_send_them_too(self):
        response = self.client.get("/a/NOSUCHCODE/")
        self.assertEqual(response.status_code, 404)
        self.assert_secure_headers(response)

    def test_img_src_allows_the_storage_origin_of_real_photo_urls_and_no_other(self):
        photo_url = storage.url("albums/1/example.jpg", content_type="image/jpeg")
        response = self.client.get("/")
        img_src = self.assert_secure_headers(response)["img-src"]
        self.assertIn(origin(photo_url), img_src)
        self.assertEqual(img_src, ["'self'", "data:", *settings.STORAGE_ORIGINS])
        self.assertNotIn("*", " ".join(img_src))

    def test_the_album_page_images_come_from_allowed_origins(self):
        response = self.client.get(f"/a/{self.album.code}/")
        img_src = self.assert_secure_headers(response)["img-src"]
        sources = re.findall(
            r"<img\b[^>]*\ssrc=\"([^\"]+)\"", response.content.decode()
        )
        self.assertTrue(sources, "the album page shows the photo's thumbnail")
        for source in sources:
            if source.startswith(("http://", "https://")):
                self.assertIn(origin(source.replace("&amp;", "&")), img_src)

    def test_on_s3_only_our_jpegs_open_inline_and_originals_are_downloads(self):
        # S3 can't send nosniff: what it serves inline must be our own JPEG renditions.
        response = self.client.get(f"/a/{self.album.code}/p/{self.photo.pk}/")
        page = response.content.decode()
        sources = [
            html.unescape(source)
            for source in re.findall(r"<img\b[^>]*\ssrc=\"([^\"]+)\"", page)
        ]
        renditions = [
            source for source in sources if origin(source) in settings.STORAGE_ORIGINS
        ]
        self.assertTrue(renditions)
        for source in renditions:
            query = parse_qs(urlsplit(source).query)
            self.assertEqual(query["response-content-type"], ["image/jpeg"])
            self.assertNotIn("response-content-disposition", query)
            self.assertTrue(
                urlsplit(source).path.endswith(
                    (f"/{self.photo.tlink}", f"/{self.photo.display_link}")
                ),
                source,
            )
        for user in (self.alice, self.bob, None):
            self.login_as(user)
            download = self.client.get(
                f"/a/{self.album.code}/p/{self.photo.pk}/download/"
            )
            self.assertEqual(download.status_code, 302)
            query = parse_qs(urlsplit(download["Location"]).query)
            self.assertTrue(
                query["response-content-disposition"][0].startswith("attachment;"), user
            )

    def test_data_images_are_only_the_stylesheets_two_icons(self):
        # Why img-src allows data: (partyshots/settings.py, README "Headers"):
        # when these icons go, data: can go too.
        admin_static = Path(django.contrib.admin.__file__).parent / "static"
        roots = [
            Path(settings.BASE_DIR) / "static",
            Path(settings.BASE_DIR) / "templates",
            admin_static,
        ]
        found = []
        for root in roots:
            for path in root.rglob("*"):
                if (
                    path.suffix in (".css", ".js", ".html", ".svg")
                    and "vendor" not in path.parts
                ):
                    for line in path.read_text(
                        encoding="utf-8", errors="replace"
                    ).splitlines():
                        if re.search(r"url\(\s*[\"']?data:|[\"'`]data:image/", line):
                            found.append((path.name, line.split("{", 1)[0].strip()))
        self.assertEqual(
            sorted(found),
            [
                ("site.css", ".empty-state::before"),
                ("site.css", ".upload-locked::before"),
            ],
        )


class StorageOriginsTestCase(TestCase):
    """storage_origins() covers the URLs botocore really signs, for AWS and
    S3-compatible stores, in every addressing style."""

    def test_each_configuration_covers_the_presigned_url(self):
        for bucket in ("partyshots-media", "media.example.org"):
            for region in (None, "us-east-1", "eu-west-1"):
                for endpoint in (
                    None,
                    "http://127.0.0.1:9000",
                    "https://s3.eu-central-003.backblazeb2.com",
                ):
                    for style in (None, "virtual", "path"):
                        with self.subTest(
                            bucket=bucket, region=region, endpoint=endpoint, style=style
                        ):
                            client = boto3.client(
                                "s3",
                                region_name=region,
                                endpoint_url=endpoint,
                                aws_access_key_id="testing",
                                aws_secret_access_key="testing",
                                config=Config(
                                    signature_version="s3v4",
                                    s3={"addressing_style": style or "auto"},
                                ),
                            )
                            url = client.generate_presigned_url(
                                "get_object",
                                Params={"Bucket": bucket, "Key": "albums/1/a.jpg"},
                                ExpiresIn=60,
                            )
                            self.assertIn(
                                origin(url),
                                storage_origins(bucket, endpoint, region, style),
                            )

    def test_virtual_hosted_buckets_allow_only_their_own_host(self):
        self.assertEqual(
            storage_origins("partyshots-media", None, "eu-west-1"),
            [
                "https://partyshots-media.s3.amazonaws.com",
                "https://partyshots-media.s3.eu-west-1.amazonaws.com",
            ],
        )

    def test_local_storage_needs_no_extra_origin(self):
        self.assertEqual(storage_origins(""), [])


# What a strict CSP blocks: inline <script> bodies, <style> blocks, style=
# attributes, on*= handlers and javascript: URLs.
INLINE_CODE = [
    (
        "inline <script>",
        re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE),
    ),
    ("<style> block", re.compile(r"<style\b", re.IGNORECASE)),
    ("style= attribute", re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)),
    ("on*= handler", re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)),
    ("javascript: URL", re.compile(r"javascript:", re.IGNORECASE)),
]


# HTML emails are never served under the site's CSP, and mail apps ignore
# style sheets: their styles are inline on purpose.
NOT_PAGES = Path(settings.BASE_DIR) / "templates" / "emails"


def project_templates():
    roots = [
        Path(settings.BASE_DIR) / "templates",
        *Path(settings.BASE_DIR).glob("*/templates"),
    ]
    return sorted(
        path
        for root in roots
        for path in root.rglob("*")
        if path.is_file()
        and ".venv" not in path.parts
        and not path.is_relative_to(NOT_PAGES)
    )


class TemplatesTestCase(TestCase):
    def test_templates_are_found(self):
        self.assertIn(
            Path(settings.BASE_DIR) / "templates" / "base.html", project_templates()
        )

    def test_no_template_has_inline_script_or_style(self):
        for path in project_templates():
            text = path.read_text(encoding="utf-8")
            for what, pattern in INLINE_CODE:
                for match in pattern.finditer(text):
                    line = text.count("\n", 0, match.start()) + 1
                    self.fail(
                        f"{path.relative_to(settings.BASE_DIR)}:{line}: "
                        f"{what} is blocked by the CSP"
                    )

    def test_the_scanner_catches_what_it_should(self):
        samples = [
            "<script>alert(1)</script>",
            "<SCRIPT type='module'>x</SCRIPT>",
            "<style>p{}</style>",
            '<p style="color:red">',
            '<a onclick="x()">',
            '<a href="javascript:x()">',
            "<body onload='x()'>",
        ]
        for sample in samples:
            with self.subTest(sample=sample):
                self.assertTrue(
                    any(pattern.search(sample) for _what, pattern in INLINE_CODE)
                )
        allowed = [
            "<script src=\"{% static 'js/upload.js' %}\" defer></script>",
            '<p class="styled">',
            "<button>",
            '{% include "x.html" with online=True %}',
        ]
        for sample in allowed:
            with self.subTest(sample=sample):
                self.assertFalse(
                    any(pattern.search(sample) for _what, pattern in INLINE_CODE)
                )
