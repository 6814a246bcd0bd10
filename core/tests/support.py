"""What tests of every app share to reach servers on loopback and to point the
default storage elsewhere: a free port, waiting for a server to listen and
stopping it, moto's S3 server over real HTTP, and the storage settings for it
or for a local folder.

The pytest fixtures built on these live in the top-level conftest.py
(s3_endpoint, s3_over_http); bench/run.py uses the server helpers too, so
nothing here imports pytest. Knows nothing of the apps: core must not import
albums, photos or accounts.
"""

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

S3_REGION = "us-east-1"


def in_ci():
    """CI=true (or 1, yes): a missing browser or server is a broken setup there,
    a reason to skip elsewhere."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def xdist_worker_number():
    """0, 1, ... in pytest-xdist's workers gw0, gw1, ... (`pytest -n 2`, as
    `./dev test` runs); 0 in a run without xdist. For what two workers must not
    share: a Redis database, say."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))


def free_port():
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_listening(port, timeout=30):
    """Whether something accepts connections on 127.0.0.1:`port` within
    `timeout` seconds (a server started in another process)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)


def celery_worker_command(queue):
    """The Procfile's worker with one process child on `queue`, as tests and
    benchmarks start it (its figures are per worker process)."""
    return [
        sys.executable, "-m", "celery", "-A", "partyshots", "worker",
        "-Q", queue, "--concurrency", "1", "--without-gossip", "--without-mingle",
    ]  # fmt: skip


def stop_process_group(process, timeout=20):
    """Stop a server started with start_new_session=True, and whatever it
    started: SIGTERM to its process group, SIGKILL if it has not exited within
    `timeout` seconds."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def s3_server():
    """moto's S3 server (ThreadedMotoServer) on a free loopback port in this
    process, yielding its endpoint URL. It shares moto's backend state with the
    in-process mock (mock_aws), so buckets made through either are in both."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # logs every request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_storages(storages, endpoint, bucket):
    """`storages` (settings.STORAGES) with the default storage on the S3 server
    at `endpoint`, path-style, in `bucket`."""
    return {
        **storages,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "endpoint_url": endpoint,
                "bucket_name": bucket,
                "region_name": S3_REGION,
                "addressing_style": "path",
            },
        },
    }


@contextlib.contextmanager
def local_storage():
    """The default storage on LocalSignedStorage in a new temporary MEDIA_ROOT,
    yielded, and removed afterwards. In a TestCase:
    `media_root = self.enterContext(local_storage())`."""
    from django.conf import settings
    from django.test import override_settings

    with (
        tempfile.TemporaryDirectory() as media_root,
        override_settings(
            STORAGES={
                **settings.STORAGES,
                "default": {"BACKEND": "core.storage.local.LocalSignedStorage"},
            },
            MEDIA_ROOT=media_root,
        ),
    ):
        yield media_root


def run_coroutine(coroutine):
    """asyncio.run() in a thread of its own: a test process that also drives
    Playwright's sync API (the browser tests, in any order under xdist) has
    an event loop running in its main thread, where asyncio.run() refuses."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
