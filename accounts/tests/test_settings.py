"""partyshots/settings.py read from a controlled environment, in a fresh
interpreter each time (settings are read once per process)."""

import json
import secrets
import subprocess
import sys

from django.conf import settings
from django.test import SimpleTestCase

PROJECT_DIR = settings.BASE_DIR

# What a fresh process reports about its settings and default storage.
REPORT = """
import json, django
django.setup()
from django.conf import settings
from django.core.files.storage import default_storage
default_storage._setup()
backend = default_storage._wrapped
names = ["DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
         "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_PROXY_SSL_HEADER",
         "STORAGE_URL_EXPIRY", "EMAIL_BACKEND"]
report = {name: getattr(settings, name, None) for name in names}
report["storage_class"] = f"{type(backend).__module__}.{type(backend).__name__}"
for attr in ("signature_version", "default_acl", "file_overwrite", "querystring_auth",
             "querystring_expire", "bucket_name", "endpoint_url", "region_name", "location"):
    report["storage_" + attr] = getattr(backend, attr, None)
report["storage_location"] = str(report["storage_location"])
print(json.dumps(report))
"""


def run(args, **env):
    """Run the project's Python with only PATH and the given variables set."""
    environment = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "partyshots.settings",
        **env,
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def report(**env):
    result = run(["-c", REPORT], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def production_env(**env):
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "photos.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://photos.example.com",
        "AWS_STORAGE_BUCKET_NAME": "partyshots-prod",
        **env,
    }


class SecretKeyTestCase(SimpleTestCase):
    def test_production_without_secret_key_refuses_to_start(self):
        for env in ({}, {"DEBUG": "0"}, {"DEBUG": "0", "SECRET_KEY": ""}):
            with self.subTest(env=env):
                result = run(["manage.py", "check"], **env)
                self.assertNotEqual(result.returncode, 0)
                self.assertIn(
                    "ImproperlyConfigured: SECRET_KEY is not set.", result.stderr
                )
                self.assertIn("set DEBUG=1 for local development", result.stderr)

    def test_debug_starts_without_a_secret_key(self):
        result = run(["manage.py", "check"], DEBUG="1")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("System check identified no issues", result.stdout)

    def test_debug_is_off_unless_set(self):
        self.assertIs(report(SECRET_KEY="x" * 50)["DEBUG"], False)
        self.assertIs(report(DEBUG="1")["DEBUG"], True)


class StorageSettingsTestCase(SimpleTestCase):
    def test_a_bucket_gives_s3_with_sigv4_no_acl_no_overwrite_and_short_urls(self):
        values = report(DEBUG="1", AWS_STORAGE_BUCKET_NAME="my-photos")
        self.assertEqual(values["storage_class"], "storages.backends.s3.S3Storage")
        self.assertEqual(values["storage_bucket_name"], "my-photos")
        self.assertEqual(values["storage_signature_version"], "s3v4")
        self.assertIsNone(values["storage_default_acl"])
        self.assertIs(values["storage_file_overwrite"], False)
        self.assertIs(values["storage_querystring_auth"], True)
        self.assertEqual(values["storage_querystring_expire"], 3600)
        self.assertEqual(
            values["storage_querystring_expire"], values["STORAGE_URL_EXPIRY"]
        )

    def test_the_expiry_endpoint_and_region_come_from_the_environment(self):
        values = report(
            DEBUG="1",
            AWS_STORAGE_BUCKET_NAME="my-photos",
            STORAGE_URL_EXPIRY="600",
            AWS_S3_ENDPOINT_URL="https://s3.example.net",
            AWS_S3_REGION_NAME="eu-central-1",
        )
        self.assertEqual(values["STORAGE_URL_EXPIRY"], 600)
        self.assertEqual(values["storage_querystring_expire"], 600)
        self.assertEqual(values["storage_endpoint_url"], "https://s3.example.net")
        self.assertEqual(values["storage_region_name"], "eu-central-1")

    def test_no_bucket_gives_the_local_signed_storage(self):
        values = report(DEBUG="1", MEDIA_ROOT="/tmp/partyshots-settings-test-media")
        self.assertEqual(
            values["storage_class"], "core.storage.local.LocalSignedStorage"
        )
        self.assertEqual(
            values["storage_location"], "/tmp/partyshots-settings-test-media"
        )

    def test_email_goes_to_the_console_unless_an_smtp_host_is_set(self):
        self.assertEqual(
            report(DEBUG="1")["EMAIL_BACKEND"],
            "django.core.mail.backends.console.EmailBackend",
        )
        self.assertEqual(
            report(DEBUG="1", EMAIL_HOST="smtp.example.net")["EMAIL_BACKEND"],
            "django.core.mail.backends.smtp.EmailBackend",
        )


class SecuritySettingsTestCase(SimpleTestCase):
    def test_production_security_is_on_when_debug_is_off(self):
        values = report(**production_env())
        self.assertIs(values["SESSION_COOKIE_SECURE"], True)
        self.assertIs(values["CSRF_COOKIE_SECURE"], True)
        self.assertIs(values["SECURE_SSL_REDIRECT"], True)
        self.assertGreaterEqual(values["SECURE_HSTS_SECONDS"], 31536000)
        self.assertIs(values["SECURE_HSTS_INCLUDE_SUBDOMAINS"], True)
        self.assertEqual(
            values["SECURE_PROXY_SSL_HEADER"], ["HTTP_X_FORWARDED_PROTO", "https"]
        )

    def test_the_proxy_ssl_header_can_be_turned_off(self):
        self.assertIsNone(
            report(**production_env(SECURE_PROXY_SSL_HEADER="0"))[
                "SECURE_PROXY_SSL_HEADER"
            ]
        )

    def test_development_is_not_forced_to_https(self):
        values = report(DEBUG="1")
        self.assertFalse(values["SESSION_COOKIE_SECURE"])
        self.assertFalse(values["SECURE_SSL_REDIRECT"])
        self.assertFalse(values["SECURE_HSTS_SECONDS"])

    def test_check_deploy_passes_with_production_settings(self):
        result = run(
            ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            **production_env(),
        )
        self.assertEqual(result.returncode, 0, result.stderr + result.stdout)
        self.assertIn("System check identified no issues", result.stdout)

    def test_check_deploy_fails_with_a_weak_secret_key(self):
        # The same check, shown to catch a bad setting.
        result = run(
            ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            **production_env(SECRET_KEY="short"),
        )
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("security.W009", result.stderr)
