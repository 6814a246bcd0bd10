"""A real Celery worker for tests: `celery -A partyshots worker` in a process
of its own, on the machine's Redis, against the test database and a local
storage folder shared with the test (so both see the same rows and files)."""

import contextlib
import os
import pathlib
import subprocess
import tempfile
import time
import uuid

import pytest
import redis
from django.conf import settings
from django.db import connection

from core.tests.support import (
    celery_worker_command,
    in_ci,
    stop_process_group,
    xdist_worker_number,
)

# A Redis database of each pytest-xdist worker's own (14, 13, ...): it is flushed.
BROKER = os.environ.get(
    "TEST_CELERY_BROKER_URL", f"redis://127.0.0.1:6379/{14 - xdist_worker_number()}"
)


def unavailable(reason):
    if in_ci():
        pytest.fail(f"{reason}, and CI is set")
    pytest.skip(reason)


def database_url():
    """The test database as a URL another process can open."""
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        unavailable("a worker needs a database another process can reach (PostgreSQL)")
    user = db["USER"] or ""
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@contextlib.contextmanager
def celery_worker(media_root, extra_env=None):
    """Start a worker (prefork pool, one child) and yield its Popen once it is
    ready, its broker's URL as `.broker`; stop it afterwards. enqueue_to()
    makes the test process send its tasks there."""
    broker = BROKER
    # A queue of its own, so a test run beside this one never takes its tasks.
    queue = f"images-{uuid.uuid4().hex[:12]}"
    try:
        redis.Redis.from_url(broker, socket_connect_timeout=1).ping()
    except redis.RedisError:
        unavailable(f"no Redis at {broker}")
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_QUEUE": queue,
        "AWS_STORAGE_BUCKET_NAME": "",
        "MEDIA_ROOT": str(media_root),
        "SECRET_KEY": settings.SECRET_KEY,
        **(extra_env or {}),
    }
    with (
        tempfile.TemporaryDirectory(prefix="celery-worker-") as folder,
        open(os.path.join(folder, "worker.log"), "w+") as log,
    ):
        yield from _run_worker(queue, env, log, broker)


def _run_worker(queue, env, log, broker):
    process = subprocess.Popen(
        [
            *celery_worker_command(f"{queue},{queue}-video"),
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    process.log = lambda: pathlib.Path(log.name).read_text()
    process.broker = broker
    process.queue = queue
    process.video_queue = f"{queue}-video"  # clips' queue (CELERY_TASK_ROUTES)
    process.env = env
    try:
        deadline = time.monotonic() + 60
        while " ready." not in process.log():
            if process.poll() is not None:
                raise AssertionError("worker exited:\n" + process.log())
            if time.monotonic() > deadline:
                raise AssertionError("worker not ready in 60 s:\n" + process.log())
            time.sleep(0.1)
        yield process
    finally:
        stop_process_group(process, timeout=15)


@contextlib.contextmanager
def enqueue_to(worker):
    """Make this process send its tasks to `worker`'s broker and queue
    instead of running them."""
    from partyshots.celery import app

    before = (
        app.conf.task_always_eager,
        app.conf.broker_url,
        app.conf.task_default_queue,
        app.conf.task_routes,
    )
    app.conf.task_always_eager = False
    app.conf.broker_url = worker.broker
    app.conf.task_default_queue = worker.queue
    app.conf.task_routes = {"photos.tasks.process_video": {"queue": worker.video_queue}}
    forget_connections(app)
    try:
        yield
    finally:
        (
            app.conf.task_always_eager,
            app.conf.broker_url,
            app.conf.task_default_queue,
            app.conf.task_routes,
        ) = before
        forget_connections(app)


def forget_connections(app):
    """Drop the broker connection pool and the queues the app made for its
    settings before: else tasks still go where an earlier test's settings
    pointed (even eager tasks take a producer from the pool)."""
    app._pool = None
    app.__dict__.pop("amqp", None)
