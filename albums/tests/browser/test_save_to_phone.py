"""Issue 17: on a phone, pick photos and save them through the share sheet
(static/js/save.js), with storage on the strict S3 (its CORS lets the page GET
the pre-signed files)."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from albums.models import Album
from albums.tests.browser.conftest import PHONE, axe_violations
from photos import ingest
from photos.tests.helpers import corpus_bytes

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("strict_s3_storage")]

STUB_SHARE = """
(() => {
  window.__shared = [];
  Object.defineProperty(navigator, "canShare", {
    configurable: true, value: (data) => !!(data && data.files),
  });
  Object.defineProperty(navigator, "share", {configurable: true, value: async (data) => {
    window.__shared.push(data.files.map((f) => ({name: f.name, type: f.type, size: f.size})));
  }});
})();
"""


def add(album, name, path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    result = ingest.add(album, SimpleUploadedFile(name, corpus_bytes(path)))
    assert result.status == "added", result
    return result.photo


def test_guest_saves_two_photos_to_the_phone(contexts):
    host = User.objects.create_user("sam")
    album = Album.objects.create(name="Beach day", user=host)
    add(album, "DSCN0010.jpg", "real_photos/DSCN0010.jpg")
    add(album, "IMG_0042.HEIC", "formats/iphone_xr_rotated.heic")

    page = contexts.new(PHONE).new_page()
    page.add_init_script(STUB_SHARE)
    page.goto(album.get_absolute_url())
    select = page.get_by_role("button", name="Select")
    expect(select).to_be_visible()
    select.click()
    tiles = page.locator("[data-photo-grid] li[data-photo-id]")
    tiles.nth(0).locator("img").click()
    tiles.nth(1).locator("img").click()
    expect(page.locator("dialog[open]")).to_have_count(0)  # no viewer
    save = page.get_by_role("button", name="Save 2 to your phone")
    # Select mode stays accessible and fits a 320 px screen.
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 320, "height": 700})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    page.set_viewport_size(PHONE["viewport"])
    save.click()
    page.wait_for_function("() => window.__shared.length === 1")
    shared = page.evaluate("() => window.__shared[0]")
    assert sorted((f["name"], f["type"]) for f in shared) == [
        ("DSCN0010.jpg", "image/jpeg"),
        ("IMG_0042.jpg", "image/jpeg"),
    ]
    assert all(f["size"] > 0 for f in shared)
    expect(page.locator(".save-message")).to_have_text("Saved 2.")


def test_no_select_button_where_the_share_sheet_takes_no_files(contexts):
    album = Album.objects.create(name="Desk", user=User.objects.create_user("desk"))
    add(album, "DSCN0010.jpg", "real_photos/DSCN0010.jpg")
    page = contexts.new().new_page()
    page.goto(album.get_absolute_url())
    expect(page.locator("[data-save-select]")).to_be_hidden()
