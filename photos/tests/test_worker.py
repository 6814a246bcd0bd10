"""Uploads processed by a real Celery worker on Redis, against PostgreSQL and
a storage folder both processes share: the photo appears, a task given twice
makes one photo, and a worker killed mid-task leaves the task to the next."""

import os
import signal
import time

import pytest
from django.db import OperationalError, transaction
from django.test import Client

from albums.tests.base import make_image_bytes
from photos.direct_uploads import process_upload
from photos.models import Photo, Upload
from photos.tests import clips
from photos.tests.direct_helpers import send
from photos.tests.worker import celery_worker, enqueue_to

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shared_storage(settings, tmp_path):
    local = {"BACKEND": "core.storage.local.LocalSignedStorage"}
    settings.STORAGES = {**settings.STORAGES, "default": local}
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def wait_for(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def status_of(client, started):
    return client.get(started["status_url"]).json()["status"]


def test_a_worker_processes_an_upload(shared_storage, album):
    client = Client()
    with celery_worker(shared_storage) as worker, enqueue_to(worker):
        finished, started = send(client, album, "IMG_1.jpg", make_image_bytes(800, 600))
        assert finished.status_code == 202
        assert wait_for(lambda: status_of(client, started) == "added"), worker.log()
    photo = Photo.objects.get()
    assert (photo.album_id, photo.width, photo.height) == (album.pk, 800, 600)
    assert (shared_storage / photo.tlink).exists()
    assert not list((shared_storage / "incoming").rglob("*.*"))


def test_a_task_delivered_twice_makes_one_photo(shared_storage, album):
    client = Client()
    with celery_worker(shared_storage) as worker, enqueue_to(worker):
        finished, started = send(client, album, "a.jpg", make_image_bytes())
        upload = Upload.objects.get(token=started["token"])
        # As if a worker died after the work, before its acknowledgement: the
        # same task comes again (here even while the first may still run).
        process_upload.delay(upload.pk)
        process_upload.delay(upload.pk)
        assert wait_for(lambda: status_of(client, started) == "added")
        time.sleep(1)  # the extra deliveries have run too
    assert Photo.objects.count() == 1
    assert Upload.objects.get(pk=upload.pk).status == "added"
    assert not list((shared_storage / "incoming").rglob("*.*"))


def test_a_worker_killed_mid_task_leaves_it_to_the_next(shared_storage, album):
    client = Client()
    # A big PNG: seconds of decoding, time enough to kill the worker's child.
    data = make_image_bytes(6000, 6000, format="PNG")
    with celery_worker(shared_storage) as worker, enqueue_to(worker):
        finished, started = send(client, album, "big.png", data, "image/png")
        assert finished.status_code == 202
        upload = Upload.objects.get(token=started["token"])

        def locked():  # the worker holds the Upload's row while it works
            try:
                with transaction.atomic():
                    Upload.objects.select_for_update(nowait=True).get(pk=upload.pk)
                return False
            except OperationalError:
                return True

        assert wait_for(locked), worker.log()
        children = os.popen(f"pgrep -P {worker.pid}").read().split()
        assert children, "no pool child"
        for pid in children:
            os.kill(int(pid), signal.SIGKILL)
        assert wait_for(lambda: status_of(client, started) == "added", timeout=60)
    assert Photo.objects.count() == 1


def test_a_clip_goes_to_the_video_queue_and_gets_its_copies(shared_storage, album):
    clips.ffmpeg_or_skip()
    client = Client()
    data = clips.read(clips.iphone_hevc())
    with celery_worker(shared_storage) as worker, enqueue_to(worker):
        finished, started = send(client, album, "IMG_0002.MOV", data, "video/quicktime")
        assert finished.status_code == 202
        assert wait_for(lambda: status_of(client, started) == "added"), worker.log()
        assert "photos.tasks.process_video" in worker.log()
    photo = Photo.objects.get()
    assert (photo.video_codec, photo.width, photo.height) == ("hevc", 240, 320)
    assert (shared_storage / photo.link).read_bytes() == data
    assert (shared_storage / photo.playback_link).stat().st_size > 0
    assert not list((shared_storage / "incoming").rglob("*.*"))
