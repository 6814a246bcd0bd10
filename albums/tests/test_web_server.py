"""The production web process (the Procfile's `python -m partyshots.server`:
granian with core.asgi in front of Django): its settings, and the real thing
on loopback, with one process and one Django thread, against slow, idle and
oversized requests. Bodies refused before they are read are shown by
sending the headers alone and getting the answer."""

import contextlib
import importlib.util
import json
import os
import select
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

from albums.tests.base import make_image_bytes
from core.tests.support import free_port, wait_until_listening
from partyshots import server as web

PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
TOKEN = "a" * 32  # A CSRF cookie, and the same token in a form.


def load_bench():
    """bench/run.py, for its slow-client attacks (one definition of them)."""
    spec = importlib.util.spec_from_file_location(
        "partyshots_bench", settings.BASE_DIR / "bench" / "run.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class WebServerConfigTests(SimpleTestCase):
    def printed_config(self, **env):
        environ = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("WEB_") and key != "PORT"
        }
        result = subprocess.run(
            [PYTHON, "-m", "partyshots.server", "--print-config"],
            cwd=settings.BASE_DIR,
            env={**environ, **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout)

    def test_the_procfile_starts_the_web_server(self):
        procfile = (settings.BASE_DIR / "Procfile").read_text().splitlines()
        self.assertIn("web: python -m partyshots.server", procfile)

    def test_the_settings_come_from_the_environment(self):
        config = self.printed_config(
            WEB_CONCURRENCY="3",
            WEB_THREADS="6",
            WEB_HEADER_TIMEOUT="7",
            WEB_MAX_CONNECTIONS="300",
            WEB_GRACEFUL_TIMEOUT="20",
            PORT="5123",
        )
        self.assertEqual(config["workers"], 3)
        self.assertEqual(config["threads"], 6)
        self.assertEqual(config["header_timeout"], 7)
        self.assertEqual(config["max_connections"], 300)
        self.assertEqual(config["graceful_timeout"], 20)
        self.assertEqual((config["host"], config["port"]), ("0.0.0.0", 5123))

    def test_the_defaults(self):
        config = self.printed_config()
        self.assertEqual(config["workers"], min(2 * os.cpu_count() + 1, 8))
        self.assertEqual(config["threads"], 4)
        self.assertEqual(config["header_timeout"], 10)
        self.assertEqual(config["max_connections"], 500)
        self.assertEqual(config["backlog"], 1024)
        self.assertEqual(config["graceful_timeout"], 30)
        self.assertEqual(config["http1_buffer"], 64 * 1024)
        self.assertEqual(config["port"], 8000)

    def test_granian_gets_them(self):
        from granian.constants import HTTPModes, Interfaces

        options = web.granian_options(web.config({"WEB_CONCURRENCY": "2"}))
        self.assertEqual(options["target"], "partyshots.asgi:application")
        self.assertEqual(options["interface"], Interfaces.ASGI)
        self.assertEqual(options["http"], HTTPModes.http1)
        self.assertFalse(options["websockets"])
        self.assertEqual(options["workers"], 2)
        self.assertEqual(options["backpressure"], 500)
        self.assertEqual(options["http1_settings"].header_read_timeout, 10_000)
        self.assertEqual(options["http1_settings"].max_buffer_size, 64 * 1024)
        self.assertTrue(options["respawn_failed_workers"])
        self.assertEqual(options["workers_kill_timeout"], 30)


def raw_request(port, head, body=b"", timeout=5):
    """Send `head` (and `body`), then read until the server closes or goes
    quiet: (status line, headers and body as bytes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head + body)
        return read_response(sock)


def read_response(sock):
    data = b""
    with contextlib.suppress(TimeoutError, ConnectionResetError):
        while chunk := sock.recv(65536):
            data += chunk
            if b"\r\n\r\n" in data and is_complete(data):
                break
    return data


def is_complete(data):
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def status_of(response):
    return int(response.split(b" ", 2)[1]) if response else None


def body_of(response):
    return response.partition(b"\r\n\r\n")[2]


def head(method, path, *headers):
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *headers, "", ""]
    return "\r\n".join(lines).encode()


def closed_within(sock, seconds):
    """Whether the server closes `sock` within `seconds` (it answers or not)."""
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
        return True
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


class WebServerTests(SimpleTestCase):
    """One production web process (1 process, 1 Django thread, 2 s timeouts,
    256 KB general body limit) on its own SQLite database and local storage,
    with an open album, a locked one and one that takes no guests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = tempfile.TemporaryDirectory()
        cls.addClassCleanup(cls.folder.cleanup)
        folder = Path(cls.folder.name)
        cls.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
            "MEDIA_ROOT": str(folder / "media"),
            "STATIC_ROOT": str(folder / "static"),
            "AWS_STORAGE_BUCKET_NAME": "",
            "REDIS_URL": "",
            "CELERY_BROKER_URL": "",
            "LOG_LEVEL": "WARNING",
            "WEB_CONCURRENCY": "1",
            "WEB_THREADS": "1",
            "WEB_HEADER_TIMEOUT": "2",
            "REQUEST_BODY_TIMEOUT": "2",
            "REQUEST_MAX_KB": "256",
        }
        setup = (
            "import django, json; django.setup()\n"
            "from django.core.management import call_command\n"
            "call_command('migrate', verbosity=0)\n"
            "call_command('collectstatic', interactive=False, verbosity=0)\n"
            "from django.contrib.auth.models import User\n"
            "from albums.models import Album\n"
            "host = User.objects.create_user('host')\n"
            "codes = [Album.objects.create(name=name, user=host, **fields).code\n"
            "         for name, fields in [('open', {}),\n"
            "                              ('locked', {'uploads_open': False}),\n"
            "                              ('members', {'guest_uploads': False})]]\n"
            "print(json.dumps(codes))\n"
        )
        result = subprocess.run(
            [PYTHON, "-c", setup],
            cwd=settings.BASE_DIR,
            env={**cls.env, "DJANGO_SETTINGS_MODULE": "partyshots.settings"},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        cls.open, cls.locked, cls.members = json.loads(
            result.stdout.strip().splitlines()[-1]
        )
        cls.port = cls.start(
            [PYTHON, "-m", "partyshots.server", "--bind", "127.0.0.1:{port}"]
        )

    @classmethod
    def start(cls, command):
        port = free_port()
        cls.log = log = tempfile.TemporaryFile()  # noqa: SIM115 (closed at class cleanup)
        cls.addClassCleanup(log.close)
        server = subprocess.Popen(
            [part.format(port=port) for part in command],
            cwd=settings.BASE_DIR,
            env=cls.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        cls.addClassCleanup(server.wait, 40)
        cls.addClassCleanup(server.terminate)
        if not wait_until_listening(port, 60):
            log.seek(0)
            raise AssertionError(f"the server did not start: {log.read()[-3000:]!r}")
        # The first request waits for the process to be ready.
        raw_request(port, head("GET", "/static/none", "Connection: close"), timeout=30)
        return port

    def upload_head(self, code, length, *headers):
        return head(
            "POST",
            f"/a/{code}/upload/",
            f"Content-Length: {length}",
            "Content-Type: multipart/form-data; boundary=x",
            "Accept: application/json",
            f"Cookie: csrftoken={TOKEN}",
            *headers,
        )

    def test_a_body_over_the_limit_is_refused_from_its_headers_alone(self):
        start = time.monotonic()
        response = raw_request(
            self.port,
            head(
                "POST",
                "/accounts/login/",
                "Content-Type: application/x-www-form-urlencoded",
                "Content-Length: 100000000",
            ),
        )
        self.assertEqual(status_of(response), 413, response[:300])
        self.assertIn(b"at most 256 KB", response)
        self.assertLess(time.monotonic() - start, 2)

    def test_a_chunked_body_past_the_limit_is_cut_off_with_413(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(
                head(
                    "POST",
                    "/accounts/login/",
                    "Content-Type: application/x-www-form-urlencoded",
                    "Transfer-Encoding: chunked",
                )
            )
            sent = 0
            chunk = b"4000\r\n" + b"a" * 0x4000 + b"\r\n"
            # Send until the answer comes (at most 4 MB), as a client would.
            while sent < 4 * 1024 * 1024 and not select.select([sock], [], [], 0)[0]:
                sock.sendall(chunk)
                sent += 0x4000
                time.sleep(0.001)
            response = read_response(sock)
        self.assertEqual(status_of(response), 413, response[:300])
        self.assertLess(sent, 2 * 1024 * 1024)

    def test_an_upload_to_no_album_is_refused_before_its_body(self):
        response = raw_request(self.port, self.upload_head("ZZZZZZZZ", 30_000_000))
        self.assertEqual(status_of(response), 404, response[:300])
        self.assertEqual(
            json.loads(body_of(response)), {"error": "No album with that code."}
        )

    def test_an_upload_to_a_locked_album_is_refused_before_its_body(self):
        response = raw_request(self.port, self.upload_head(self.locked, 30_000_000))
        self.assertEqual(status_of(response), 403, response[:300])
        self.assertIn("locked", json.loads(body_of(response))["error"])

    def test_a_guest_upload_to_a_members_album_is_refused_before_its_body(self):
        response = raw_request(self.port, self.upload_head(self.members, 30_000_000))
        self.assertEqual(status_of(response), 403, response[:300])

    def upload_body(self, name="party.jpg"):
        image = make_image_bytes(color=tuple(uuid.uuid4().bytes[:3]))
        return (
            b"--x\r\nContent-Disposition: form-data; "
            b'name="csrfmiddlewaretoken"\r\n\r\n' + TOKEN.encode() + b"\r\n"
            b"--x\r\nContent-Disposition: form-data; "
            b'name="photos"; filename="' + name.encode() + b'"\r\n'
            b"Content-Type: image/jpeg\r\n\r\n" + image + b"\r\n--x--\r\n"
        )

    def test_an_upload_still_works(self):
        body = self.upload_body()
        response = raw_request(
            self.port, self.upload_head(self.open, len(body)), body, timeout=30
        )
        self.assertEqual(status_of(response), 201, response[:2000])
        (result,) = json.loads(body_of(response))["results"]
        self.assertEqual(result["status"], "added")

    def test_a_large_upload_is_read_after_its_checks(self):
        body = self.upload_body() + b"\r\n" * 100_000  # Past SMALL_BODY.
        body = body.replace(b"--x--\r\n", b"") + b"--x--\r\n"
        response = raw_request(
            self.port, self.upload_head(self.open, len(body)), body, timeout=30
        )
        self.assertIn(status_of(response), (200, 201), response[:2000])

    def test_a_trickling_upload_holds_no_thread(self):
        # One Django thread: were it waiting for this body, nothing else would run.
        slow = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        self.addCleanup(slow.close)
        slow.sendall(self.upload_head(self.open, 1_000_000) + b"--x\r\n")
        for _ in range(3):
            time.sleep(0.4)
            slow.sendall(b"abc")
            start = time.monotonic()
            response = raw_request(
                self.port, head("GET", f"/a/{self.open}/", "Connection: close")
            )
            self.assertEqual(status_of(response), 200, response[:300])
            self.assertLess(time.monotonic() - start, 2)

    def test_a_body_that_stops_arriving_is_dropped_with_408(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall(self.upload_head(self.open, 1_000_000) + b"--x\r\n" * 100)
            start = time.monotonic()
            response = read_response(sock)
            self.assertEqual(status_of(response), 408, response[:300])
            self.assertTrue(closed_within(sock, 3))
        self.assertLess(time.monotonic() - start, 6)

    def test_idle_and_trickling_connections_are_closed_after_the_header_timeout(self):
        idle = socket.create_connection(("127.0.0.1", self.port))
        self.addCleanup(idle.close)
        trickler = socket.create_connection(("127.0.0.1", self.port))
        self.addCleanup(trickler.close)
        trickler.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        start = time.monotonic()
        for index in range(8):
            time.sleep(0.5)
            try:
                trickler.sendall(f"X-Slow-{index}: 1\r\n".encode())
            except OSError:
                break
        self.assertTrue(closed_within(trickler, 1))
        self.assertTrue(closed_within(idle, 1))
        self.assertLess(time.monotonic() - start, 5)

    def test_a_kept_alive_connection_is_closed_when_idle(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(head("GET", "/static/none"))
            self.assertEqual(status_of(read_response(sock)), 404)
            start = time.monotonic()
            self.assertTrue(closed_within(sock, 4))
        self.assertLess(time.monotonic() - start, 4)

    def test_the_client_address_is_the_peer_not_x_forwarded_for(self):
        # TRUSTED_PROXY_COUNT is 0 here: core.ratelimit must see the peer.
        raw_request(
            self.port,
            head(
                "POST",
                "/accounts/login/",
                "Content-Length: 100000000",
                "X-Forwarded-For: 198.51.100.7",
            ),
        )
        time.sleep(0.2)
        self.log.seek(0)
        lines = [
            line
            for line in self.log.read().decode().splitlines()
            if "request body over" in line
        ]
        self.assertTrue(lines)
        self.assertTrue(lines[-1].endswith("from 127.0.0.1"), lines[-1])

    def test_the_album_page_stays_answered_during_the_three_attacks(self):
        bench = load_bench()
        for attack in ("slow uploads", "header tricklers", "idle connections"):
            row = bench.slow_client_phase(
                self.port, self.open, attack, seconds=2.5, ramp=1.0
            )
            self.assertEqual(row["answered"], row["probes"], row)
            self.assertLessEqual(row["p95_ms"], 1000, row)


class GunicornControlTests(SimpleTestCase):
    """The control: gunicorn's threaded worker, the web process before,
    gives the trickling upload its thread, so with one thread nothing else is
    answered (as measured with bench/run.py --server gunicorn)."""

    def test_a_trickling_upload_held_gunicorns_only_thread(self):
        if not Path(GUNICORN).exists():
            self.skipTest("gunicorn is not installed (requirements-dev.txt)")
        port = free_port()
        server = subprocess.Popen(
            [GUNICORN, "partyshots.wsgi", "--bind", f"127.0.0.1:{port}"]
            + ["--worker-class", "gthread", "--workers", "1", "--threads", "1"],
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.addCleanup(server.wait, 10)
        self.addCleanup(server.terminate)
        self.assertTrue(wait_until_listening(port, 30), "gunicorn did not start")
        slow = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.addCleanup(slow.close)
        # With a CSRF cookie the CSRF check reads the body for the form's token.
        slow.sendall(
            head(
                "POST",
                "/accounts/login/",
                f"Cookie: csrftoken={TOKEN}",
                "Content-Type: application/x-www-form-urlencoded",
                "Content-Length: 1000000",
            )
            + b"username="
        )
        time.sleep(0.5)
        slow.sendall(b"ali")
        with socket.create_connection(("127.0.0.1", port), timeout=3) as other:
            other.sendall(head("GET", "/no-such-page/", "Connection: close"))
            with self.assertRaises(TimeoutError):
                other.recv(100)
