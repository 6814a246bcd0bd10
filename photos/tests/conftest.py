"""Fixtures for the pytest-style photos tests (the TestCase ones build on
albums.tests.base.BaseTestCase)."""

import pytest
from django.contrib.auth.models import User

from albums.models import Album


@pytest.fixture
def album(db):
    """An album ("Party") of its host's, nobody else in it."""
    return Album.objects.create(name="Party", user=User.objects.create_user("host"))
