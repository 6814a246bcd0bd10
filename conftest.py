"""Shared fixtures. The environment for tests is set in pytest.ini: production
settings with storage on an in-process moto S3."""

import contextlib
import os

import boto3
import pytest
from moto import mock_aws

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
    settings.STATIC_ROOT = None


@pytest.fixture(scope="session", autouse=True)
def moto_s3():
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=TEST_BUCKET)
        yield


@pytest.fixture(autouse=True)
def empty_bucket(moto_s3):
    """Each test starts with an empty bucket, so it can assert what it stored."""
    bucket = boto3.resource("s3", region_name="us-east-1").Bucket(TEST_BUCKET)
    bucket.objects.all().delete()
    yield


@pytest.fixture(autouse=True)
def clear_cache():
    """Rate-limit counters live in the cache: no test inherits another's."""
    from django.core.cache import cache

    # A test may point the cache at a dead server.
    with contextlib.suppress(Exception):
        cache.clear()
    yield
