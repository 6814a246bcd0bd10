"""Every main page, for a guest and a host, at phone and desktop sizes (and in
dark mode): axe-core finds nothing serious or critical, every form field has a
visible label, no page scrolls sideways at 320 px (the narrowest phones), and a
screenshot of each is saved under test-artifacts/screenshots."""

import re

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.files import File
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect

from albums.models import Album
from albums.tests.browser.conftest import (
    DESKTOP,
    PHONE,
    axe_violations,
    corpus,
    log_in,
    screenshot,
)
from photos import ingest
from photos.models import Tag

pytestmark = pytest.mark.browser

PHOTOS = [
    "real_photos/DSCN0010.jpg",
    "real_photos/apple_iphone_4.jpg",
    "formats/rainbow-451x461.heic",
    "real_photos/htc_desire.jpg",
]

ALL_IMAGES_LOADED = (
    "() => [...document.images]"
    ".filter(img => img.loading !== 'lazy' || img.getBoundingClientRect().top < innerHeight)"
    ".every(img => img.complete && img.naturalWidth > 0)"
)
# Fields on show only: one not rendered yet (say the upload card's email offer,
# hidden until the guest's first photo) is checked where it appears. A file
# input always: it may be hidden, but then its label is the button.
UNLABELLED_FIELDS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(field => !['hidden', 'submit', 'button'].includes(field.type))
  .filter(field => field.getClientRects().length || field.type === 'file')
  .filter(field => {
    const labels = [...field.labels]
      .filter(label => label.offsetParent !== null || label.getClientRects().length);
    // styled as a button by its label
    const hiddenInput = field.type === 'file' && field.labels.length;
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
            photo = ingest.add(
                album, File(fh, name=path.rsplit("/", 1)[-1]), **guest
            ).photo
    Tag.objects.create(
        photo=photo,
        key=Tag.DESCRIPTION,
        value="The first dance, under the fairy lights",
    )
    return album


SIDEWAYS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > width + 0.5 && el.getClientRects().length)
    .filter(el => !el.closest('.visually-hidden, dialog:not([open])'))
    .slice(0, 3)
    .map(el => el.tagName.toLowerCase()
      + (el.className ? '.' + String(el.className).split(' ')[0] : ''));
  return {scrollWidth: document.documentElement.scrollWidth, wide};
}"""


def too_wide_at_320(page):
    """None, or what makes the page scroll sideways on a 320 px wide screen."""
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": size["height"]})
    try:
        page.wait_for_function("() => document.documentElement.clientWidth === 320")
        measured = page.evaluate(SIDEWAYS)
    finally:
        page.set_viewport_size(size)
    if measured["scrollWidth"] > 320:
        return (
            f"{page.url}: {measured['scrollWidth']} px wide at 320 px, "
            f"past the edge: {measured['wide']}"
        )
    return None


def visit(page, path, name, findings, *, axe=True, shoot=True, narrow=False):
    """Open `path` (None: stay on the current page) and check it: axe and labels
    when `axe`, no sideways scrolling at 320 px when `narrow`."""
    if path is not None:
        page.goto(path)
    page.wait_for_function(ALL_IMAGES_LOADED)
    if narrow:
        finding = too_wide_at_320(page)
        if finding:
            findings.append(finding)
    if axe:
        findings.extend(axe_violations(page))
        unlabelled = page.evaluate(UNLABELLED_FIELDS)
        if unlabelled:
            findings.append(f"{page.url}: fields without a visible label: {unlabelled}")
    if shoot:
        screenshot(page, name)


def open_viewer(page, name, findings, axe=True):
    page.locator("[data-photo-grid] a").nth(1).click()
    page.wait_for_function(
        "() => document.querySelector('.viewer-img').src.includes('_d.jpg')"
    )
    page.wait_for_function(
        "() => !document.querySelector('.viewer-stage').classList.contains('is-loading')"
    )
    page.locator(".viewer-details figcaption").wait_for()
    if axe:
        findings.extend(axe_violations(page, "dialog.viewer"))
    screenshot(page, name, full_page=False)
    page.keyboard.press("Escape")
    expect(page.locator("dialog.viewer")).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/a/\w+/$"))


def upload_without_javascript(page, code, name, findings, **checks):
    """The results page of the plain form post (upload.js blocked, so the form
    is not enhanced): one photo already in the album, one refused file."""
    page.route("**/js/upload.js", lambda route: route.abort())
    page.goto(f"/a/{code}/")
    page.locator("input[type=file]").set_input_files(
        corpus(PHOTOS[1], "hostile/text_renamed.jpg")
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".upload-result")).to_have_count(2)
    page.unroute("**/js/upload.js")
    visit(page, None, name, findings, **checks)


def test_main_pages_are_accessible_at_phone_and_desktop_sizes(
    contexts, live_server, album
):
    empty = Album.objects.create(name="Brand new album", user=album.user)
    photo = album.photos.order_by("id").last()
    code = album.code
    uid = urlsafe_base64_encode(force_bytes(album.user.pk))
    reset_link = f"/accounts/password/reset/{uid}/{default_token_generator.make_token(album.user)}/"
    findings = []
    for size, device in (("phone", PHONE), ("desktop", DESKTOP)):
        # axe's rules do not depend on the width: checked at desktop size, the
        # album pages at both; the 320 px check runs with the phone.
        checks = {"axe": size == "desktop", "narrow": size == "phone"}
        both = {"axe": True, "narrow": size == "phone"}
        guest = contexts.page(device)
        visit(guest, "/", f"home-{size}", findings, **checks)
        visit(guest, "/accounts/login/", f"login-{size}", findings, **checks)
        visit(guest, "/accounts/signup/", f"signup-{size}", findings, **checks)
        visit(
            guest,
            "/accounts/password/reset/",
            f"password-reset-{size}",
            findings,
            **checks,
        )
        visit(guest, reset_link, f"password-reset-confirm-{size}", findings, **checks)
        visit(guest, f"/a/{code}/", f"album-guest-{size}", findings, **both)
        open_viewer(guest, f"viewer-{size}", findings)
        visit(guest, photo.get_absolute_url(), f"photo-page-{size}", findings, **checks)
        visit(
            guest,
            f"{photo.get_absolute_url()}takedown/",
            f"takedown-{size}",
            findings,
            **checks,
        )
        visit(guest, f"/a/{code}/share/", f"share-{size}", findings, **checks)
        visit(guest, f"/a/{empty.code}/", f"album-empty-{size}", findings, **checks)
        visit(guest, "/a/ZZZZZZZZ/", f"not-found-{size}", findings, **checks)
        visit(guest, f"/a/{code}/slideshow/", f"slideshow-{size}", findings, **checks)
        upload_without_javascript(
            guest, code, f"upload-results-nojs-{size}", findings, **checks
        )

        host_context = contexts.new(device)
        log_in(host_context, live_server, album.user)
        host = host_context.new_page()
        visit(host, "/", f"dashboard-{size}", findings, **checks)
        visit(host, f"/a/{code}/", f"album-host-{size}", findings, **both)
        open_viewer(host, f"viewer-host-{size}", findings, axe=checks["axe"])
        visit(host, f"/a/{code}/settings/", f"settings-{size}", findings, **checks)
        visit(host, f"/a/{code}/cover/", f"cover-{size}", findings, **checks)
        visit(host, f"/a/{code}/merge/", f"merge-{size}", findings, **checks)
        visit(
            host,
            f"/a/{code}/merge/?other={empty.pk}",
            f"merge-confirm-{size}",
            findings,
            **checks,
        )
        visit(host, f"/a/{code}/new-code/", f"new-code-{size}", findings, **checks)
        visit(host, "/albums/new/", f"album-create-{size}", findings, **checks)
        visit(host, f"/a/{code}/delete/", f"album-delete-{size}", findings, **checks)
        visit(host, "/accounts/", f"account-{size}", findings, **checks)
        visit(
            host, "/accounts/password/", f"password-change-{size}", findings, **checks
        )
        visit(host, "/accounts/delete/", f"account-delete-{size}", findings, **checks)
        own = album.photos.filter(user=album.user).order_by("id").first()
        visit(
            host,
            reverse("photo_delete", args=[code, own.pk]),
            f"photo-delete-{size}",
            findings,
            **checks,
        )
        visit(host, "/no-such-page/", f"page-not-found-{size}", findings, **checks)

    dark = contexts.page(PHONE, color_scheme="dark")
    visit(dark, "/", "home-dark-phone", findings)
    visit(dark, f"/a/{code}/", "album-dark-phone", findings)
    open_viewer(dark, "viewer-dark-phone", findings)
    dark_host_context = contexts.new(DESKTOP, color_scheme="dark")
    log_in(dark_host_context, live_server, album.user)
    dark_host = dark_host_context.new_page()
    visit(dark_host, "/", "dashboard-dark-desktop", findings)
    visit(dark_host, f"/a/{code}/", "album-host-dark-desktop", findings)
    visit(dark_host, f"/a/{code}/share/", "share-dark-desktop", findings)
    visit(dark_host, f"/a/{code}/settings/", "settings-dark-desktop", findings)
    assert not findings, "\n".join(findings)
