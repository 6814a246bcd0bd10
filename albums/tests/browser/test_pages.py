"""Every main page, for a guest and a host, at phone and desktop sizes (and in
dark mode): axe-core finds nothing serious or critical, every form field has a
visible label, and a screenshot of each is saved under test-artifacts/screenshots."""

import re

import pytest
from django.contrib.auth.models import User
from django.core.files import File
from playwright.sync_api import expect

from albums.models import Album
from albums.tests.browser.conftest import DESKTOP, PHONE, axe_violations, corpus, log_in, screenshot
from photos.models import Photo, Tag

pytestmark = pytest.mark.browser

PHOTOS = ["real_photos/DSCN0010.jpg", "real_photos/apple_iphone_4.jpg", "formats/rainbow-451x461.heic",
          "real_photos/htc_desire.jpg"]

ALL_IMAGES_LOADED = (
    "() => [...document.images].filter(img => img.loading !== 'lazy' || img.getBoundingClientRect().top < innerHeight)"
    ".every(img => img.complete && img.naturalWidth > 0)"
)
UNLABELLED_FIELDS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(field => !['hidden', 'submit', 'button'].includes(field.type))
  .filter(field => {
    const labels = [...field.labels].filter(label => label.offsetParent !== null || label.getClientRects().length);
    const hiddenInput = field.type === 'file' && field.labels.length;  // styled as a button by its label
    return !labels.length && !hiddenInput;
  })
  .map(field => field.name || field.id)"""


@pytest.fixture
def album(live_server):
    owner = User.objects.create_user("sam", password="unused")
    album = Album.objects.create(name="Sam & Alex's wedding", user=owner)
    for index, path in enumerate(corpus(*PHOTOS)):
        with open(path, "rb") as fh:
            guest = {"guest_name": "Dana"} if index % 2 else {"user": owner}
            photo = Photo.objects.add(album, File(fh, name=path.rsplit("/", 1)[-1]), **guest).photo
    Tag.objects.create(photo=photo, key=Tag.DESCRIPTION, value="The first dance, under the fairy lights")
    return album


def visit(page, path, name, findings, *, axe=True, shoot=True):
    page.goto(path)
    page.wait_for_function(ALL_IMAGES_LOADED)
    if axe:
        findings.extend(axe_violations(page))
        unlabelled = page.evaluate(UNLABELLED_FIELDS)
        if unlabelled:
            findings.append(f"{path}: fields without a visible label: {unlabelled}")
    if shoot:
        screenshot(page, name)


def open_viewer(page, name, findings, axe=True):
    page.locator("[data-photo-grid] a").nth(1).click()
    page.wait_for_function("() => document.querySelector('.viewer-img').src.includes('_d.jpg')")
    page.wait_for_function("() => !document.querySelector('.viewer-stage').classList.contains('is-loading')")
    page.locator(".viewer-details figcaption").wait_for()
    if axe:
        findings.extend(axe_violations(page, "dialog.viewer"))
    screenshot(page, name, full_page=False)
    page.keyboard.press("Escape")
    expect(page.locator("dialog.viewer")).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/a/\w+/$"))


def test_main_pages_are_accessible_at_phone_and_desktop_sizes(contexts, live_server, album):
    empty = Album.objects.create(name="Brand new album", user=album.user)
    photo = album.photos.order_by("id").last()
    code = album.code
    findings = []
    for size, device in (("phone", PHONE), ("desktop", DESKTOP)):
        axe = size == "desktop"  # axe's rules do not depend on the width; the album pages are checked at both
        guest = contexts.page(device)
        visit(guest, "/", f"home-{size}", findings, axe=axe)
        visit(guest, "/accounts/login/", f"login-{size}", findings, axe=axe)
        visit(guest, "/accounts/signup/", f"signup-{size}", findings, axe=axe)
        visit(guest, f"/a/{code}/", f"album-guest-{size}", findings)
        open_viewer(guest, f"viewer-{size}", findings)
        visit(guest, photo.get_absolute_url(), f"photo-page-{size}", findings, axe=axe)
        visit(guest, f"/a/{code}/share/", f"share-{size}", findings, axe=axe)
        visit(guest, f"/a/{empty.code}/", f"album-empty-{size}", findings, axe=axe)
        visit(guest, "/a/ZZZZZZZZ/", f"not-found-{size}", findings, axe=axe)
        visit(guest, f"/a/{code}/slideshow/", f"slideshow-{size}", findings, axe=axe)

        host_context = contexts.new(device)
        log_in(host_context, live_server, album.user)
        host = host_context.new_page()
        visit(host, "/", f"dashboard-{size}", findings, axe=axe)
        visit(host, f"/a/{code}/", f"album-host-{size}", findings)
        open_viewer(host, f"viewer-host-{size}", findings, axe=axe)
        visit(host, f"/a/{code}/settings/", f"settings-{size}", findings, axe=axe)
        visit(host, "/accounts/", f"account-{size}", findings, axe=axe)

    dark = contexts.page(PHONE, color_scheme="dark")
    visit(dark, "/", "home-dark-phone", findings)
    visit(dark, f"/a/{code}/", "album-dark-phone", findings)
    open_viewer(dark, "viewer-dark-phone", findings)
    assert not findings, "\n".join(findings)
