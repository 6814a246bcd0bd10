"""The web tier is stateless: two production web processes behind one
address and one worker, sharing PostgreSQL, Redis (sessions' cache, limits,
the broker) and the bucket. An upload started on one and finished on the
other is processed by the worker, and the photo shows on both."""

import contextlib
import os
import subprocess
import sys
import time
from http.cookies import SimpleCookie

import pytest
import requests
from django.contrib.auth.models import User

from albums.models import Album
from albums.tests.base import make_image_bytes
from core.tests.support import free_port, stop_process_group, wait_until_listening
from photos.models import Photo
from photos.tests.worker import BROKER, celery_worker, database_url

pytestmark = pytest.mark.django_db(transaction=True)


class Browser:
    """requests with the cookies kept by hand: the site's cookies are Secure,
    and these servers speak plain HTTP on loopback."""

    def __init__(self):
        self.cookies = {}

    def request(self, method, url, **kwargs):
        headers = kwargs.pop("headers", {})
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if "csrftoken" in self.cookies:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
        response = requests.request(
            method, url, headers=headers, timeout=30, allow_redirects=False, **kwargs
        )
        for header in response.raw.headers.getlist("Set-Cookie"):
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response


@contextlib.contextmanager
def web_instance(env, log):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "partyshots.server", "--bind", f"127.0.0.1:{port}"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        assert wait_until_listening(port, timeout=60), "web instance did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process_group(process)


def test_an_upload_started_on_one_instance_finishes_on_the_other(settings, tmp_path):
    album = Album.objects.create(name="Party", user=User.objects.create_user("host"))
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": BROKER,
        "AWS_STORAGE_BUCKET_NAME": "",
        "MEDIA_ROOT": str(tmp_path),
        "SECRET_KEY": settings.SECRET_KEY,
        "SECURE_SSL_REDIRECT": "0",
        "WEB_CONCURRENCY": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        env=env,
        check=True,
    )
    data = make_image_bytes(800, 600)
    with (
        open(tmp_path / "web.log", "w") as log,
        celery_worker(tmp_path, extra_env={"REDIS_URL": BROKER}) as worker,
        web_instance({**env, **worker.env, "MEDIA_ROOT": str(tmp_path)}, log) as first,
        web_instance({**env, **worker.env, "MEDIA_ROOT": str(tmp_path)}, log) as second,
    ):
        guest = Browser()
        page = f"/a/{album.code}/"
        assert guest.request("GET", first + page).status_code == 200
        started = guest.request(
            "POST",
            first + f"/a/{album.code}/uploads/",
            json={"name": "IMG_1.jpg", "size": len(data), "type": "image/jpeg"},
            headers={"Referer": first + page},
        )
        assert started.status_code == 201, started.text
        started = started.json()
        # The other instance signs the part, takes it, and finishes the upload.
        signed = guest.request(
            "POST", second + started["sign_url"], json={"part": 1}
        ).json()
        sent = guest.request(
            "PUT", second + signed["url"], data=data, headers=signed["headers"]
        )
        assert sent.status_code == 200, sent.text
        finished = guest.request("POST", second + started["finish_url"])
        assert finished.status_code == 202, finished.text
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status = guest.request("GET", first + started["status_url"]).json()
            if status["status"] != "processing":
                break
            time.sleep(0.2)
        assert status["status"] == "added", (tmp_path / "web.log").read_text()
        photo = Photo.objects.get()
        for instance in (first, second):
            listed = requests.get(f"{instance}/a/{album.code}/photos.json", timeout=10)
            assert [item["id"] for item in listed.json()["photos"]] == [photo.pk]
