"""The database going away: a friendly 503 while it is gone, by itself back to
normal once it returns. One test really stops and restarts the local
PostgreSQL (marked db_restart); the others use a real connection to a
database that isn't there, on either backend."""

import shutil
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections
from django.db.utils import load_backend
from django.http import HttpResponse
from django.test import Client, TestCase, override_settings
from django.urls import include, path

from core.middleware import DATABASE_UNAVAILABLE


def unreachable_database():
    """A connection like the default one, to a database that can't be reached:
    PostgreSQL on a port nobody listens on, SQLite in a folder that doesn't exist."""
    settings_dict = {**connection.settings_dict}
    if connection.vendor == "sqlite":
        settings_dict["NAME"] = "/nonexistent/partyshots/db.sqlite3"
    else:
        settings_dict.update(HOST="127.0.0.1", PORT="1")
    return load_backend(settings_dict["ENGINE"]).DatabaseWrapper(
        settings_dict, alias="unreachable"
    )


def view_on_lost_database(request):
    with unreachable_database().cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("unreachable")


def view_with_a_bug(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")
    return HttpResponse("unreachable")


urlpatterns = [
    path("lost/", view_on_lost_database),
    path("bug/", view_with_a_bug),
    path("", include("partyshots.urls")),
]


@override_settings(ROOT_URLCONF=__name__)
class DatabaseUnavailableTestCase(TestCase):
    def test_a_lost_database_answers_503_with_a_page_that_needs_no_database(self):
        self.client.force_login(User.objects.create_user("alice"))
        with (
            self.assertLogs("core.middleware", "ERROR") as logs,
            self.assertNumQueries(0),
        ):
            response = self.client.get("/lost/")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "30")
        self.assertContains(response, "Back in a moment", status_code=503)
        self.assertContains(response, "Your photos are safe", status_code=503)
        self.assertIn("Content-Security-Policy", response)
        self.assertEqual(len(logs.output), 1)
        self.assertIn("database unavailable: GET /lost/", logs.output[0])

    def test_json_callers_get_json(self):
        with self.assertLogs("core.middleware", "ERROR"):
            response = self.client.get("/lost/", HTTP_ACCEPT="application/json")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json(), {"error": DATABASE_UNAVAILABLE})

    def test_a_database_error_that_is_a_bug_stays_a_500(self):
        # A missing table is OperationalError on SQLite, ProgrammingError on
        # PostgreSQL: neither may hide behind "back in a moment".
        client = Client(raise_request_exception=False)
        response = client.get("/bug/")
        self.assertEqual(response.status_code, 500)


def local_postgres_cluster():
    """(version, name) of the local cluster serving the test database, or None."""
    settings_dict = connection.settings_dict
    if connection.vendor != "postgresql" or settings_dict["HOST"] not in (
        "127.0.0.1",
        "localhost",
    ):
        return None
    if not shutil.which("pg_lsclusters") or not shutil.which("pg_ctlcluster"):
        return None
    port = str(settings_dict["PORT"] or 5432)
    listing = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True
    ).stdout
    for line in listing.splitlines():
        version, name, cluster_port, *_ = line.split()
        if cluster_port == port:
            return version, name
    return None


def pg_ctlcluster(cluster, action):
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, action]
    if action == "stop":
        command += [
            "--",
            "-m",
            "fast",
        ]  # Drops open connections instead of waiting for them.
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def wait_until_ready(port, seconds=60):
    user = connection.settings_dict["USER"] or "postgres"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (
            subprocess.run(
                ["pg_isready", "-q", "-h", "127.0.0.1", "-p", port, "-U", user]
            ).returncode
            == 0
        ):
            return
        time.sleep(0.2)
    raise AssertionError(f"PostgreSQL on port {port} is not back after {seconds}s")


def get(url, session_cookie):
    request = urllib.request.Request(
        url, headers={"Cookie": f"sessionid={session_cookie}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


@pytest.mark.db_restart
@pytest.mark.django_db(transaction=True)
def test_postgres_restart_gives_503_then_recovers_by_itself(live_server):
    cluster = local_postgres_cluster()
    if cluster is None:
        pytest.skip("needs DATABASE_URL on a local PostgreSQL cluster (pg_ctlcluster)")
    port = str(connection.settings_dict["PORT"] or 5432)
    # A logged-in visitor: every page then reads the session from the database.
    client = Client()
    client.force_login(User.objects.create_user("alice"))
    session_cookie = client.cookies["sessionid"].value
    home = f"{live_server.url}/"

    status, _headers, body = get(home, session_cookie)
    assert status == 200 and "alice" in body

    try:
        pg_ctlcluster(cluster, "stop")
        status, headers, body = get(home, session_cookie)
        assert status == 503
        assert headers["Retry-After"] == "30"
        assert "Back in a moment" in body
    finally:
        # Whatever happened, leave the server running for the rest of the suite.
        pg_ctlcluster(cluster, "start")
        wait_until_ready(port)
        connections.close_all()  # This thread's connections died with the server.

    # Back by itself: no restart of the app, at most a moment of "starting up".
    deadline = time.monotonic() + 30
    while True:
        status, _headers, body = get(home, session_cookie)
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert status == 200 and "alice" in body
