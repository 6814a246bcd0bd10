"""Co-hosts in a real Chromium: the owner invites from the settings and
copies the link; the invitee opens it logged out, logs in from the page, comes
back to it and accepts; the album page then gives them the host's tools and
the settings a Leave button. Each page is checked with axe and photographed
(test-artifacts/h2/)."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from albums.models import Album, CoHostInvitation
from albums.tests.base import store_photo
from albums.tests.browser.conftest import (
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    axe_violations,
    log_in,
)
from albums.tests.browser.conftest import screenshot as shared_screenshot

pytestmark = pytest.mark.browser

# Kept apart as well: a browser run elsewhere empties SCREENSHOTS when it starts.
COHOST_SCREENSHOTS = SCREENSHOTS.parent / "h2"


def screenshot(page, name):
    shared_screenshot(page, name)
    COHOST_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(COHOST_SCREENSHOTS / f"{name}.png"),
        full_page=True,
        animations="disabled",
    )


def test_the_owner_invites_and_the_cohost_accepts(contexts, live_server):
    owner = User.objects.create_user(
        "sam", "sam@example.org", "a long party password", first_name="Sam"
    )
    User.objects.create_user(
        "alex", "alex@example.org", "another long password", first_name="Alex"
    )
    album = Album.objects.create(name="Sam & Alex's wedding", user=owner)
    store_photo(album, filename="first-dance.jpg")
    findings = []

    host_context = contexts.new(
        DESKTOP, permissions=["clipboard-read", "clipboard-write"]
    )
    log_in(host_context, live_server, owner)
    host = host_context.new_page()
    host.goto(f"/a/{album.code}/settings/")
    host.get_by_role("button", name="Invite a co-host").click()
    expect(
        host.get_by_text("New co-host invitation: copy its link below")
    ).to_be_visible()
    invitation = CoHostInvitation.objects.get(album=album)
    link = host.get_by_label(re.compile("^Invitation link, expires"))
    expect(link).to_have_value(f"{live_server.url}/cohost/{invitation.token}/")
    host.get_by_role("button", name="Copy the invitation link").click()
    expect(host.get_by_role("status").filter(has_text="Link copied")).to_be_visible()
    assert host.evaluate("navigator.clipboard.readText()") == link.input_value()
    host.reload()  # axe finds base.html's messages list serious (see test_hosts)
    findings += axe_violations(host)
    screenshot(host, "cohosts-settings-owner-invitation")

    # Alex opens the link on a phone, logged out.
    phone = contexts.page(PHONE)
    phone.goto(f"/cohost/{invitation.token}/")
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Log in or sign up to co-host Sam & Alex's wedding"
    )
    findings += axe_violations(phone)
    screenshot(phone, "cohosts-accept-logged-out-phone")
    phone.locator("#main").get_by_role("link", name="Log in").click()
    phone.get_by_label("Email or username").fill("alex@example.org")
    phone.get_by_label("Password").fill("another long password")
    phone.get_by_role("button", name="Log in").click()

    expect(phone).to_have_url(re.compile(f"/cohost/{invitation.token}/$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Become a co-host of Sam & Alex's wedding, hosted by Sam"
    )
    findings += axe_violations(phone)
    screenshot(phone, "cohosts-accept-phone")
    phone.get_by_role("button", name="Become a co-host").click()

    expect(phone).to_have_url(re.compile(f"/a/{album.code}/$"))
    expect(phone.get_by_text("You co-host Sam & Alex's wedding now")).to_be_visible()
    phone.get_by_role("link", name="Settings").click()
    expect(
        phone.get_by_role("button", name="Leave this album's co-hosts")
    ).to_be_visible()
    expect(phone.get_by_role("heading", name="Merge or delete")).to_have_count(0)
    findings += axe_violations(phone)
    screenshot(phone, "cohosts-settings-cohost-phone")

    # The link is used up: opening it again elsewhere says so.
    other = contexts.page(DESKTOP)
    response = other.goto(f"/cohost/{invitation.token}/")
    assert response.status == 410
    expect(other.get_by_text("already been used")).to_be_visible()
    screenshot(other, "cohosts-link-used")

    # The owner's settings list Alex with Remove, and no pending invitation.
    host.reload()
    expect(
        host.get_by_text(re.compile(r"^Alex \(alex\) co-host since"))
    ).to_be_visible()
    expect(
        host.get_by_role("button", name="Remove Alex (alex) as co-host")
    ).to_be_visible()
    expect(host.get_by_text("Invitations waiting")).to_have_count(0)
    screenshot(host, "cohosts-settings-owner-with-cohost")

    # Alex's home page lists the album, marked.
    phone.goto("/")
    expect(
        phone.locator(".album-name", has_text="Sam & Alex's wedding")
    ).to_contain_text("Co-host")
    findings += axe_violations(phone)
    screenshot(phone, "cohosts-home-phone")
    assert not findings, "\n".join(findings)
