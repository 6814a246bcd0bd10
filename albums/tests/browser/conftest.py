"""Fixtures for the browser tests: Debian's Chromium driven by Playwright
against pytest-django's live server, with photos on moto's S3 server over real
HTTP, so the pre-signed URLs the pages use really load.

How storage reaches the S3 server: the top-level conftest keeps moto's
in-process mock (mock_aws) on for the whole session. That mock only answers
requests for AWS host names (*.amazonaws.com); a request to any other endpoint
passes through to the network. So the browser tests point the default storage
at moto's S3 server on 127.0.0.1:<free port> (the top-level conftest's
s3_over_http, started by core.tests.support.s3_server): the live server's boto3
calls and the browser's GETs of pre-signed URLs both reach that server over
HTTP. The server runs in this process and shares moto's backend state with the
in-process mock, so the test bucket (created by the top-level conftest) exists
there too and the top-level empty_bucket fixture empties it before each test.

Tests that upload from the page (photos sent straight to storage with pre-signed
PUTs) use strict_s3_storage instead: SeaweedFS, which checks what moto lets
through (signatures, signed lengths, CORS for the live server's origin).
"""

import fcntl
import os
import shutil
import threading
from pathlib import Path

import pytest
from csp.constants import SELF
from django.conf import settings as django_settings

from core.tests.support import in_ci
from partyshots.settings import storage_origins

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "has_touch": True,
    "is_mobile": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
HERE = Path(__file__).resolve().parent
AXE_SOURCE = (HERE / "vendor" / "axe.min.js").read_text()
SCREENSHOTS = Path(django_settings.BASE_DIR) / "test-artifacts" / "screenshots"
CORPUS = Path(django_settings.BASE_DIR) / "photos" / "tests" / "corpus"


def pytest_collection_modifyitems(config, items):
    """Browser tests need Chromium: without it they are skipped locally, and
    fail in CI (CI=true), where a missing browser is a broken setup."""
    if os.path.exists(CHROMIUM) or in_ci():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def s3_storage(settings, s3_over_http):
    """The default storage on the S3 server, and its origin allowed for images
    and video in the CSP, as the settings would compute it for this endpoint."""
    s3_endpoint = s3_over_http
    policy = settings.CONTENT_SECURITY_POLICY
    directives = dict(policy["DIRECTIVES"])
    origins = storage_origins("bucket", s3_endpoint)
    directives["img-src"] = [*directives["img-src"], *origins]
    directives["media-src"] = [*directives.get("media-src", [SELF]), *origins]
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}
    yield


@pytest.fixture(scope="session", autouse=True)
def one_request_at_a_time(django_db_setup, live_server):
    """On in-memory SQLite every request thread of the live server shares the
    test's one connection (pytest-django hands it to the server), so two
    requests in transactions at once (a finish running the eager upload task
    while another file starts, or a slideshow polls) trip over each other with
    "database table is locked". There the server takes one request at a time;
    on a real database (DATABASE_URL, as in CI) they run side by side."""
    from django.db import connection

    if not (connection.vendor == "sqlite" and connection.is_in_memory_db()):
        return
    server = live_server.thread.httpd
    app = server.get_app()
    lock = threading.Lock()

    def one_at_a_time(environ, start_response):
        with lock:
            return app(environ, start_response)

    server.set_app(one_at_a_time)


@pytest.fixture
def strict_s3_storage(settings, seaweedfs, live_server):
    """The default storage on SeaweedFS (the top-level conftest's `seaweedfs`: a
    strict S3 that checks signatures, expiry, signed headers and CORS) instead of
    moto, in a bucket of this test's own whose CORS lets the live server's
    origin PUT parts and read their ETag, as uploads straight from the page need;
    its origin allowed for images and connections in the CSP. Yields the
    StrictS3 and the bucket's name."""
    import uuid

    from core.tests.seaweedfs import set_bucket_cors
    from core.tests.support import s3_storages

    bucket = f"browser-{uuid.uuid4().hex[:12]}"
    seaweedfs.client().create_bucket(Bucket=bucket)
    set_bucket_cors(seaweedfs, live_server.url, bucket)
    storages = s3_storages(settings.STORAGES, seaweedfs.endpoint_url, bucket)
    storages["default"]["OPTIONS"] |= {
        "access_key": seaweedfs.access_key,
        "secret_key": seaweedfs.secret_key,
    }
    settings.STORAGES = storages
    policy = settings.CONTENT_SECURITY_POLICY
    directives = dict(policy["DIRECTIVES"])
    origins = storage_origins(bucket, seaweedfs.endpoint_url)
    directives["img-src"] = [*directives["img-src"], *origins]
    directives["connect-src"] = [*directives["connect-src"], *origins]
    directives["media-src"] = [*directives.get("media-src", [SELF]), *origins]
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}
    yield seaweedfs, bucket


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing, and CI is set: install it (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread, which
    # makes Django refuse ORM calls from the test itself; the calls are plain
    # synchronous ones, so allow them for the browser tests only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()
    playwright.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Contexts:
    """New browser contexts (separate cookie jars: different people) on the
    live server, each page watched for CSP violations and script errors."""

    def __init__(self, browser, base_url):
        self.browser = browser
        self.base_url = base_url
        self.opened = []
        self.problems = []

    def new(self, device=DESKTOP, **options):
        context = self.browser.new_context(
            base_url=self.base_url, accept_downloads=True, **device, **options
        )
        context.set_default_timeout(10_000)
        context.on("page", self._watch)
        self.opened.append(context)
        return context

    def page(self, device=DESKTOP, **options):
        return self.new(device, **options).new_page()

    def _watch(self, page):
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: {error}"))
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and "Content Security Policy" in message.text
                and self.problems.append(f"{page.url}: {message.text}")
            ),
        )

    def close(self):
        for context in self.opened:
            context.close()


@pytest.fixture
def contexts(browser, live_server):
    contexts = Contexts(browser, live_server.url)
    yield contexts
    contexts.close()
    assert not contexts.problems, "\n".join(contexts.problems)


def log_in(context, live_server, user):
    """Put a logged-in session for `user` into the context's cookies."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
    )


def axe_violations(page, context_selector=None):
    """Serious and critical axe-core findings on the page (or inside one element),
    as readable lines. axe is evaluated through the DevTools protocol, which the
    page's CSP (no inline scripts) does not apply to."""
    if not page.evaluate("() => !!window.axe"):
        page.evaluate(AXE_SOURCE)
    results = page.evaluate(
        "async (selector) => await axe.run(selector ? document.querySelector(selector) : document, "
        "{resultTypes: ['violations']})",
        context_selector,
    )
    lines = []
    for violation in results["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = ", ".join(
                " ".join(node["target"]) for node in violation["nodes"][:5]
            )
            lines.append(
                f"{page.url}: {violation['id']} ({violation['impact']}): "
                f"{violation['help']} at {targets}"
            )
    return lines


def screenshot(page, name, full_page=True):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(SCREENSHOTS / f"{name}.png"),
        full_page=full_page,
        animations="disabled",
    )


def corpus(*names):
    return [str(CORPUS / name) for name in names]


@pytest.fixture(scope="session", autouse=True)
def fresh_screenshots():
    """This run's screenshots only: the folder is emptied once a run (in a
    parallel run by whichever worker comes first: they share a run id)."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    SCREENSHOTS.parent.mkdir(parents=True, exist_ok=True)
    with open(SCREENSHOTS.parent / ".screenshots.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = SCREENSHOTS / f".run-{run or 'serial'}"
        if run is None or not marker.exists():
            shutil.rmtree(SCREENSHOTS, ignore_errors=True)
            SCREENSHOTS.mkdir()
            marker.touch()
    yield
