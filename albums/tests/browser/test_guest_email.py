"""The upload card's "Get the album link when it's ready" in a real Chromium:
hidden until the guest's first photo is added, then posted without leaving
the page; the card says when the link comes; a bad address is refused under
the field. And the hosts' settings section on their emails. Screenshots go to
test-artifacts/h3/."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from playwright.sync_api import expect

from albums.models import Album
from albums.tests.browser.conftest import PHONE, axe_violations, corpus, log_in
from albums.tests.browser.test_pages import UNLABELLED_FIELDS
from photos.models import GuestEmail

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("strict_s3_storage")]

SHOTS = Path(django_settings.BASE_DIR) / "test-artifacts" / "h3"


def shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), animations="disabled")


def test_a_guest_leaves_their_address_after_their_first_photo(contexts, live_server):
    host = User.objects.create_user("sam", "sam@example.org")
    album = Album.objects.create(
        name="Sam & Alex's wedding", user=host, mode=Album.DROP_BOX
    )
    guest = contexts.page(PHONE)
    guest.goto(album.get_absolute_url())
    box = guest.locator("[data-guest-email]")
    expect(box).to_be_hidden()

    guest.locator("input[type=file]").set_input_files(
        corpus("real_photos/DSCN0010.jpg")
    )
    expect(guest.locator(".upload-result")).to_contain_text("Added", timeout=30_000)
    expect(box).to_be_visible()
    # Its field has a label on show (test_pages checks fields on show only).
    assert guest.evaluate(UNLABELLED_FIELDS) == []
    field = guest.get_by_label("Get the album link when it's ready")
    expect(guest.locator("#guest-email-help")).to_contain_text(
        "We'll send it once, when the hosts reveal the photos."
    )

    field.fill("dana@example")
    guest.get_by_role("button", name="Email me the link").click()
    error = guest.locator("[data-guest-email-error]")
    expect(error).to_have_text("Type a whole email address, like name@example.com.")
    expect(field).to_have_attribute("aria-invalid", "true")
    box.scroll_into_view_if_needed()
    shoot(guest, "guest-email-refused-phone")

    field.fill("dana@example.org")
    guest.get_by_role("button", name="Email me the link").click()
    status = guest.locator("[data-guest-email-status]")
    expect(status).to_have_text(
        "We'll email you the link when the hosts reveal the photos."
    )
    expect(guest.locator("form[data-guest-email-form]")).to_have_count(0)
    assert list(GuestEmail.objects.values_list("album", "email")) == [
        (album.pk, "dana@example.org")
    ]
    assert axe_violations(guest, "section.upload") == []
    shoot(guest, "guest-email-noted-phone")

    # Next visit: the line, no form.
    guest.reload()
    expect(guest.locator(".guest-email-noted").first).to_have_text(
        "We'll email you the link when the hosts reveal the photos."
    )
    expect(guest.locator("#guest-email")).to_have_count(0)


def test_the_hosts_settings_section(contexts, live_server):
    host = User.objects.create_user("sam", "sam@example.org", first_name="Sam")
    album = Album.objects.create(name="Sam & Alex's wedding", user=host)
    context = contexts.new()
    log_in(context, live_server, host)
    page = context.new_page()
    page.goto(f"/a/{album.code}/settings/")
    section = page.locator("#emails")
    expect(section).to_contain_text("You get at most one email a day of what is new")
    section.get_by_role("button", name="Unsubscribe").click()
    expect(page.locator(".messages")).to_contain_text(
        "You no longer get the emails of what is new"
    )
    expect(section).to_contain_text("You unsubscribed from this album's emails.")
    section.scroll_into_view_if_needed()
    shoot(page, "host-emails-settings")
    assert axe_violations(page, "#emails") == []
    section.get_by_role("button", name="Resubscribe").click()
    expect(section).to_contain_text("You get at most one email a day")
