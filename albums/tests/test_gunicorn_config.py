"""gunicorn.conf.py, as the Procfile's `gunicorn partyshots.wsgi` reads it, and
a real gunicorn showing that a trickling upload holds a thread, not the worker."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class GunicornConfigTestCase(SimpleTestCase):
    def resolved_config(self, **env):
        result = subprocess.run(
            [GUNICORN, "partyshots.wsgi", "--print-config"],
            cwd=settings.BASE_DIR,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        config = {}
        for line in result.stdout.splitlines():
            name, _, value = line.partition("=")
            config[name.strip()] = value.strip()
        return config

    def test_the_procfile_command_picks_up_the_settings(self):
        config = self.resolved_config(WEB_CONCURRENCY="3")
        self.assertEqual(config["workers"], "3")
        self.assertEqual(config["worker_class"], "gthread")
        self.assertEqual(config["threads"], "4")
        self.assertEqual(config["timeout"], "60")
        self.assertEqual(config["graceful_timeout"], "30")
        self.assertEqual(config["keepalive"], "5")
        self.assertEqual(config["limit_request_line"], "4094")
        self.assertEqual(config["limit_request_fields"], "50")
        self.assertEqual(config["max_requests"], "1000")
        self.assertEqual(config["max_requests_jitter"], "100")

    def test_workers_default_to_twice_the_cores_plus_one_capped(self):
        env = {
            key: value for key, value in os.environ.items() if key != "WEB_CONCURRENCY"
        }
        result = subprocess.run(
            [GUNICORN, "partyshots.wsgi", "--print-config"],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        workers = next(
            line for line in result.stdout.splitlines() if line.startswith("workers ")
        )
        self.assertEqual(int(workers.split("=")[1]), min(2 * os.cpu_count() + 1, 8))

    def answer_during_a_trickling_upload(self, *worker_args):
        """The start of gunicorn's answer to a GET sent while another client
        trickles a form post into the same single worker (None if none came in 3s)."""
        port = free_port()
        server = subprocess.Popen(
            [
                GUNICORN,
                "partyshots.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                *worker_args,
            ],
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.addCleanup(server.wait, 10)
        self.addCleanup(server.terminate)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                self.assertLess(time.monotonic(), deadline, "gunicorn did not start")
                time.sleep(0.1)

        slow = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.addCleanup(slow.close)
        # With a CSRF cookie the CSRF check reads the body for the form's
        # token, so whoever serves this post waits for the body to arrive.
        slow.sendall(
            b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Cookie: csrftoken=" + b"a" * 32 + b"\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 1000000\r\n\r\nusername="
        )
        time.sleep(0.5)
        slow.sendall(b"ali")

        with socket.create_connection(("127.0.0.1", port), timeout=3) as other:
            other.sendall(
                b"GET /no-such-page/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            )
            try:
                return other.recv(100)
            except TimeoutError:
                return None

    def test_a_trickling_upload_holds_a_thread_not_the_worker(self):
        reply = self.answer_during_a_trickling_upload("--threads", "2")
        self.assertIsNotNone(reply, "the trickling upload held up the whole worker")
        # Any answer will do (without collectstatic, pages using static files are 500s here).
        self.assertTrue(reply.startswith(b"HTTP/1.1 "), reply)

    def test_the_sync_worker_would_be_held_up(self):
        # The control: without threads the second client waits for the first.
        self.assertIsNone(
            self.answer_during_a_trickling_upload(
                "--threads", "1", "--worker-class", "sync"
            )
        )
