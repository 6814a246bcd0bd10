"""A drop-box album in a real Chromium, revealed by its host: the host
creates an album (its time zone from the browser) and makes it a drop box
with a reveal date in its settings; guest A uploads a real photo from a
phone and sees it; guest B sees nobody's photos but a friendly "Photos will
be revealed" (axe-clean); the host presses Reveal now and confirms; guest B
reloads and sees guest A's photo.

Uploads go from the page straight to a strict S3 (SeaweedFS, the
strict_s3_storage fixture). Screenshots go to test-artifacts/h1/."""

import datetime
import re
import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from albums.models import Album
from albums.tests.browser.conftest import (
    DESKTOP,
    PHONE,
    axe_violations,
    corpus,
    log_in,
)
from photos.models import Photo

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("strict_s3_storage")]
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "h1"


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(SCREENSHOTS / f"{name}.png"), full_page=True, animations="disabled"
    )


def test_a_drop_box_revealed_by_its_host(contexts, live_server):
    # The host creates an album on a laptop in Berlin: the album takes its zone.
    sam = User.objects.create_user("sam", "sam@example.org", "pw", first_name="Sam")
    host_context = contexts.new(DESKTOP, timezone_id="Europe/Berlin")
    log_in(host_context, live_server, sam)
    host = host_context.new_page()
    host.goto("/albums/new/")
    host.get_by_label("Album name").fill("Sam & Alex's wedding")
    host.get_by_role("button", name="Create album").click()
    expect(host).to_have_url(re.compile(r"/share/$"))
    album = Album.objects.get(user=sam)
    assert album.time_zone == "Europe/Berlin"

    # In its settings: guests only add, revealed in 5 days at 18:00 Berlin time.
    day = timezone.localtime(timezone.now(), BERLIN).date() + datetime.timedelta(5)
    reveal = datetime.datetime(day.year, day.month, day.day, 18, tzinfo=BERLIN)
    host.goto(f"/a/{album.code}/settings/")
    expect(host.get_by_label("Time zone")).to_have_value("Europe/Berlin")
    assert axe_violations(host) == []
    host.get_by_label(
        "Guests only add; the photos stay hidden until the reveal"
    ).check()
    host.get_by_label("Reveal the photos at").fill(f"{day:%Y-%m-%d}T18:00")
    host.get_by_role("button", name="Save settings").click()
    expect(host.locator(".messages")).to_contain_text(
        "Settings saved. Drop box: guests see only their own photos until"
    )
    album.refresh_from_db()
    assert (album.mode, album.reveal_at) == (Album.DROP_BOX, reveal)
    expect(host.get_by_label("Reveal the photos at")).to_have_value(
        f"{day:%Y-%m-%d}T18:00"
    )
    screenshot(host, "settings-drop-box")

    # Guest A opens the album's link on a phone and adds a real photo.
    guest_a = contexts.page(PHONE)
    guest_a.goto(album.get_link_url())
    expect(guest_a).to_have_url(re.compile(f"/a/{album.code}/$"))
    expect(guest_a.locator("[data-drop-box-waiting]")).to_contain_text(
        "Photos will be revealed"
    )
    expect(guest_a.locator(".upload-drop-box")).to_have_text(
        re.compile(r"^Only you and the hosts see your photos until they are revealed")
    )
    expect(guest_a.locator("form.upload-enhanced")).to_be_attached()
    guest_a.locator("input[type=file][name=photos]").set_input_files(
        corpus("real_photos/DSCN0010.jpg")
    )
    expect(guest_a.locator(".upload-result-added")).to_have_count(1, timeout=20_000)
    expect(guest_a.locator("[data-photo-grid] img")).to_have_count(1)
    photo = Photo.objects.get(album=album)
    guest_a.reload()
    expect(guest_a.locator("[data-photo-grid] img")).to_have_count(1)
    expect(guest_a.locator(f'[data-photo-id="{photo.pk}"]')).to_be_visible()
    screenshot(guest_a, "guest-a-own-photo")

    # Guest B sees nobody's photos, but when they will.
    guest_b = contexts.page(PHONE)
    guest_b.goto(album.get_link_url())
    waiting = guest_b.locator("[data-drop-box-waiting]")
    expect(waiting).to_contain_text(
        f"Photos will be revealed {album.in_words(reveal)}."
    )
    expect(waiting.locator("time")).to_have_attribute(
        "datetime", reveal.isoformat(timespec="minutes")
    )
    expect(guest_b.locator("[data-photo-grid] img")).to_have_count(0)
    expect(guest_b.get_by_role("link", name="Slideshow")).to_have_count(0)
    assert axe_violations(guest_b) == []
    screenshot(guest_b, "guest-b-waiting")
    # Their slideshow waits too.
    guest_b.goto(f"/a/{album.code}/slideshow/")
    expect(guest_b.get_by_role("heading", level=1)).to_have_text(
        "The slideshow starts at the reveal"
    )
    assert axe_violations(guest_b) == []

    # The host sees everything, with the banner, and reveals now.
    host.goto(album.get_absolute_url())
    expect(host.locator("[data-photo-grid] img")).to_have_count(1)
    banner = host.locator("[data-drop-box-banner]")
    expect(banner).to_contain_text("Drop box: guests see only their own photos until")
    screenshot(host, "host-banner")
    banner.get_by_role("link", name="Reveal now").click()
    expect(host.get_by_role("heading", level=1)).to_have_text("Reveal the photos now?")
    expect(host.locator(".consequences")).to_contain_text(
        "Everyone with the code will see the only photo"
    )
    assert axe_violations(host) == []
    screenshot(host, "reveal-confirm")
    host.get_by_role("button", name="Reveal now").click()
    expect(host).to_have_url(re.compile(f"/a/{album.code}/$"))
    expect(host.locator(".messages")).to_contain_text(
        "Revealed: everyone with the code now sees the only photo."
    )
    expect(host.locator("[data-drop-box-banner]")).to_have_count(0)
    album.refresh_from_db()
    assert album.reveal_at <= timezone.now()

    # Guest B reloads and sees guest A's photo.
    guest_b.goto(album.get_absolute_url())
    expect(guest_b.locator(f'[data-photo-id="{photo.pk}"] img')).to_be_visible()
    expect(guest_b.locator("[data-drop-box-waiting]")).to_have_count(0)
    guest_b.wait_for_function(
        "() => [...document.querySelectorAll('[data-photo-grid] img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    screenshot(guest_b, "guest-b-revealed")
