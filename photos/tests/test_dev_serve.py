"""`./dev serve [PORT] [--lan]`, run as a newcomer runs it: in a process of its
own, on a free port, with the embedded default (SQLite and a media folder of
its own here, so the repository's db.sqlite3 is left alone). It serves on the
port it was given and says so; with --lan it serves on this machine's LAN
address, puts that in the links and prints the demo album's QR code."""

import http.cookiejar
import os
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.conf import settings

from core.tests.support import free_port, stop_process_group
from photos.management.commands.lan_address import lan_address
from photos.tests.test_demo_album import terminal_qr

DEV = settings.BASE_DIR / "dev"
# What the test settings put in the environment is not the newcomer's: only
# the basics pass, and the embedded default's own settings.
KEPT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER")


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """A folder for the database and media of every run in this module: the
    first run migrates and makes the demo album, later ones find them."""
    return tmp_path_factory.mktemp("dev-serve")


def serve(home, *args):
    """Start `./dev serve *args`; (process, path of its combined output)."""
    env = {name: os.environ[name] for name in KEPT if name in os.environ}
    env |= {
        "DATABASE_URL": f"sqlite:///{home}/db.sqlite3",
        "MEDIA_ROOT": str(home / "media"),
        "SECRET_KEY": "dev-serve-test-" + "x" * 40,
        "PYTHONUNBUFFERED": "1",
    }
    log = home / f"serve-{time.monotonic_ns()}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(DEV), "serve", *args],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, log


def get(url, timeout=5):
    """(status, body) of a GET that follows redirects; (None, error) when
    nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError as error:
        return None, str(error)


def wait_for(url, process, log, timeout=180):
    """Poll `url` until it answers (the first run migrates and makes the demo
    album first); fail with the output if the process ends or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, body = get(url, timeout=2)
        if status is not None:
            return status, body
        if process.poll() is not None:
            pytest.fail(
                f"./dev serve exited ({process.returncode}):\n{log.read_text()}"
            )
        time.sleep(0.25)
    pytest.fail(f"nothing answered at {url}:\n{log.read_text()}")


def demo_link(output):
    match = re.search(r"^  Open: (\S+)$", output, re.MULTILINE)
    assert match, output
    return match.group(1)


def test_serves_on_the_port_it_is_given_and_says_so(home):
    port = free_port()
    process, log = serve(home, str(port), "--noreload")  # runserver options pass on
    try:
        status, body = wait_for(f"http://127.0.0.1:{port}/", process, log)
        assert status == 200
        assert "PartyShots" in body
        output = log.read_text()
        assert f"PartyShots is at http://127.0.0.1:{port}/" in output
        assert ":8000" not in output
        link = demo_link(output)
        assert link.startswith(f"http://127.0.0.1:{port}/l/")
        status, body = get(link)  # the link leads to the demo album
        assert status == 200
        assert "Demo: Sam &amp; Alex&#x27;s wedding" in body
        assert "\u2588" not in output  # no QR code without --lan
    finally:
        stop_process_group(process)


def test_lan_serves_on_the_lan_address_with_a_qr_code(home):
    address = lan_address()
    if address is None:
        pytest.skip("this machine is on no network")
    port = free_port()
    process, log = serve(home, "--lan", "--noreload", str(port))
    try:
        base = f"http://{address}:{port}"
        status, body = wait_for(f"{base}/", process, log)
        assert status == 200  # Django takes the LAN address as a host name
        output = log.read_text()
        assert f"PartyShots is at {base}/ for every device on this network" in output
        link = demo_link(output)
        assert link.startswith(f"{base}/l/")
        assert terminal_qr(link) in output
        status, body = get(link)
        assert status == 200
        # SITE_URL is the LAN address: the share page's link and card use it.
        code = re.search(r'href="/a/([0-9A-Z]+)/share/"', body).group(1)
        status, share = get(f"{base}/a/{code}/share/")
        assert f'value="{link}"' in share
        assert f'<span class="table-card-site">{address}:{port}</span>' in share
        assert "only this computer can open" not in share
        # Forms post from the LAN address: CSRF takes its origin (a wrong
        # password gets the form back, not 403).
        browser = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        with browser.open(f"{base}/accounts/login/", timeout=5) as response:
            form = response.read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
        post = urllib.request.Request(
            f"{base}/accounts/login/",
            data=urllib.parse.urlencode(
                {"csrfmiddlewaretoken": token, "username": "demo", "password": "no"}
            ).encode(),
            headers={"Origin": base},
        )
        with browser.open(post, timeout=5) as response:
            assert response.status == 200
    finally:
        stop_process_group(process)


def test_a_port_that_is_not_one_is_refused(home):
    result = subprocess.run(
        [str(DEV), "serve", "80000"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "80000 is not a port" in result.stderr
