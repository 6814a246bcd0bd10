"""The trash in a real Chromium (photos.trash): a guest deletes their photo
by mistake and restores it from the album's trash page; the host deletes a
photo and the album, follows the message's link to the trash and restores
both. Each trash page is checked with axe and for sideways scrolling at
320 px, and photographed (test-artifacts/h4/) on a phone and a desktop."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from albums.models import Album
from albums.tests.base import store_photo
from albums.tests.browser.conftest import (
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    axe_violations,
    log_in,
)
from albums.tests.browser.test_pages import too_wide_at_320
from photos.models import Photo, Tag
from photos.tests.helpers import remember_upload

pytestmark = pytest.mark.browser

OWN_SCREENSHOTS = SCREENSHOTS.parent / "h4"
SIZES = (("phone", PHONE), ("desktop", DESKTOP))


def check_page(page, name, findings):
    findings.extend(axe_violations(page))
    if finding := too_wide_at_320(page):
        findings.append(finding)
    OWN_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(OWN_SCREENSHOTS / f"{name}.png"), full_page=True, animations="disabled"
    )


def make_album():
    host = User.objects.create_user("host", "host@example.org", "password")
    album = Album.objects.create(name="Sam & Alex's wedding", user=host)
    photos = [
        store_photo(
            album, user=host, color=(200, 90 + 20 * i, 40), filename=f"IMG_{i}.jpg"
        )
        for i in range(4)
    ]
    Tag.objects.create(photo=photos[1], key=Tag.DESCRIPTION, value="The cake")
    album.thumbnail = photos[0]
    album.save()
    return host, album, photos


@pytest.mark.parametrize("size,device", SIZES, ids=[size for size, _ in SIZES])
def test_a_guest_restores_the_photo_they_deleted(contexts, live_server, size, device):
    host, album, photos = make_album()
    findings = []
    context = contexts.new(device)
    page = context.new_page()
    page.goto(album.get_absolute_url())  # the guest cookie comes with the page
    guest_photo = store_photo(album, color=(20, 120, 220), filename="dancing.jpg")
    # Make this browser the one that added it, as its upload would.
    from django.test import Client

    client = Client()
    for cookie in context.cookies():
        client.cookies[cookie["name"]] = cookie["value"]
    remember_upload(client, guest_photo)

    page.goto(f"/a/{album.code}/p/{guest_photo.pk}/delete/")
    expect(page.get_by_text("goes to the trash for 14 days")).to_be_visible()
    page.get_by_role("button", name="Move to the trash").click()
    expect(
        page.get_by_text(re.compile("Moved dancing.jpg to the trash"))
    ).to_be_visible()
    page.get_by_role("link", name="Trash", exact=True).first.click()
    expect(page).to_have_url(re.compile(f"/a/{album.code}/trash/$"))
    expect(page.get_by_role("img", name="dancing.jpg")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Delete now"))).to_have_count(0)
    check_page(page, f"trash-album-guest-{size}", findings)
    page.get_by_role("button", name="Restore dancing.jpg").click()
    expect(
        page.get_by_text(re.compile("Restored dancing.jpg: it is back in"))
    ).to_be_visible()
    expect(
        page.get_by_text("Nothing of yours is in this album's trash.")
    ).to_be_visible()
    assert Photo.objects.filter(pk=guest_photo.pk).exists()
    assert not findings, "\n".join(findings)


@pytest.mark.parametrize("size,device", SIZES, ids=[size for size, _ in SIZES])
def test_the_host_restores_a_photo_and_the_album(contexts, live_server, size, device):
    host, album, photos = make_album()
    findings = []
    context = contexts.new(device)
    log_in(context, live_server, host)
    page = context.new_page()

    # The cover goes to the trash; the album page links to its trash.
    page.goto(f"/a/{album.code}/p/{photos[0].pk}/delete/")
    page.get_by_role("button", name="Move to the trash").click()
    expect(
        page.get_by_role("link", name=re.compile("Trash: 1 deleted photo"))
    ).to_be_visible()
    page.get_by_role("link", name=re.compile("Trash: 1 deleted photo")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Trash of Sam & Alex's wedding"
    )
    expect(page.get_by_role("link", name="Delete now IMG_0.jpg")).to_be_visible()
    check_page(page, f"trash-album-host-{size}", findings)
    page.get_by_role("button", name="Restore IMG_0.jpg").click()
    expect(
        page.get_by_text(re.compile("It is the album's cover again"))
    ).to_be_visible()
    album.refresh_from_db()
    assert album.thumbnail_id == photos[0].pk

    # The album goes to the trash, and comes back from the Trash page.
    page.goto(f"/a/{album.code}/delete/")
    page.get_by_role("button", name=re.compile("Move the album and 4 photos")).click()
    expect(page).to_have_url(re.compile("/$"))
    expect(
        page.get_by_text(re.compile("Moved Sam & Alex's wedding to the trash"))
    ).to_be_visible()
    page.locator(".messages").get_by_role("link", name="Trash").click()
    expect(page).to_have_url(re.compile("/trash/$"))
    expect(page.get_by_text(re.compile("4 photos · purged "))).to_be_visible()
    check_page(page, f"trash-yours-{size}", findings)
    page.get_by_role("button", name="Restore Sam & Alex's wedding").click()
    expect(page).to_have_url(re.compile(f"/a/{album.code}/$"))
    expect(
        page.get_by_text(re.compile("Restored Sam & Alex's wedding"))
    ).to_be_visible()
    expect(page.locator("[data-photo-grid] li")).to_have_count(4)
    assert not findings, "\n".join(findings)
