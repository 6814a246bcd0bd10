"""Helpers for tests that race real threads against each other on PostgreSQL
(as CI runs them): each thread a Django test client with its own database
connection. SQLite's shared in-memory test database refuses a second writer
at once ("database table is locked") instead of making it wait, and has no
row locks to test."""

import contextlib
import threading
import time

from django.db import connection, connections
from django.db.models.signals import pre_delete
from django.test import skipUnlessDBFeature

from albums.models import Album

# Row locks (SELECT ... FOR UPDATE): PostgreSQL.
needs_row_locks = skipUnlessDBFeature("has_select_for_update")


def in_thread(function, *args, **kwargs):
    """Start `function` on a thread of its own (closing its database
    connection at the end); returns (thread, result), result a dict that gets
    "value" or "error"."""
    result = {}

    def run():
        try:
            result["value"] = function(*args, **kwargs)
        except BaseException as error:  # noqa: BLE001 (reported by the test)
            result["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def waiting_for_a_lock():
    """How many other connections to this database are waiting for a lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def wait_until(condition, timeout=20):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


@contextlib.contextmanager
def paused_album_delete():
    """While deleting an album, once its photos are collected and before any
    row goes: set `collected` and wait for `go`. Yields (collected, go)."""
    collected, go = threading.Event(), threading.Event()

    def pause(sender, instance, **kwargs):
        collected.set()
        go.wait(timeout=30)

    pre_delete.connect(pause, sender=Album, weak=False)
    try:
        yield collected, go
    finally:
        pre_delete.disconnect(pause, sender=Album)
        go.set()


def upload_while_deleting(test, album, delete):
    """A guest's upload to `album` reaches the moment it adds its photo just
    as `delete()` (the host's request deleting the album or the account) has
    collected the album's photos. Returns (delete's response, the upload's).

    Before the fix the upload's photo went in between (no lock stopped it)
    and the delete then failed on its foreign key: a 500 for the host, and
    the album stayed. Now the delete holds the album's row, the upload waits
    for it and finds no album."""
    from unittest import mock

    from django.core.files.uploadedfile import SimpleUploadedFile

    from albums.tests.base import make_image_bytes
    from core import storage

    guest = test.client_class()
    guest.get(album.get_absolute_url())  # as a guest does: the page, then uploads
    real_save = storage.save
    with paused_album_delete() as (collected, go):

        def save_when_collected(*args, **kwargs):
            collected.wait(timeout=30)
            return real_save(*args, **kwargs)

        with mock.patch("core.storage.save", save_when_collected):
            uploading, upload = in_thread(
                guest.post,
                f"/a/{album.code}/upload/",
                {"photos": SimpleUploadedFile("late.jpg", make_image_bytes())},
                HTTP_ACCEPT="application/json",
            )
            deleting, deleted = in_thread(delete)
            test.assertTrue(collected.wait(timeout=30))
            # The upload stores its files, then adds its row or waits for the
            # album's lock.
            wait_until(lambda: not uploading.is_alive() or waiting_for_a_lock())
            go.set()
            deleting.join(timeout=30)
            uploading.join(timeout=30)
    for result in (deleted, upload):
        if "error" in result:
            raise result["error"]
    return deleted["value"], upload["value"]
